"""Chinese dates are spelled in one place (``studygroup.formats``), in code and templates alike."""

import datetime
import re

from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from studygroup import formats

# 01:30 UTC on 7 December is 09:30 in Asia/Shanghai.
MOMENT = datetime.datetime(2026, 12, 7, 1, 30, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 3, 5)


def test_each_format_reads_as_chinese_does_in_local_time():
    assert formats.date_zh(DAY) == "2026年3月5日"
    assert formats.date_zh(MOMENT) == "2026年12月7日"
    assert formats.datetime_zh(MOMENT) == "2026年12月7日 09:30"
    assert formats.month_day_zh(DAY) == "3月5日"
    assert formats.month_day_time_zh(MOMENT) == "12月7日 09:30"
    assert formats.month_zh(3) == "3月"
    assert formats.month_zh(12, 2026) == "2026年12月"
    with translation.override("zh-hans"):
        assert formats.date_with_weekday_zh(DAY) == "2026年3月5日 星期四"
    assert formats.date_zh(None) == formats.datetime_zh("") == ""


def test_templates_filters_give_what_the_functions_give():
    template = Template(
        "{% load zh_dates %}{{ m|date_zh }}|{{ m|datetime_zh }}|{{ d|month_day_zh }}|{{ m|month_day_time_zh }}|"
        "{{ missing|date_zh }}|{{ 3|month_zh }}|{{ 12|month_zh:2026 }}"
    )
    rendered = template.render(Context({"m": MOMENT, "d": DAY}))
    assert rendered == "2026年12月7日|2026年12月7日 09:30|3月5日|12月7日 09:30||3月|2026年12月"


def test_no_template_or_module_spells_a_chinese_date_by_hand():
    by_hand = re.compile(r'date:"[^"]*[年月日]|now "[^"]*[年月日]|%[mdY]月|%[md]日|%Y年|\}月|\}日')
    offenders = []
    # demo/ is left out: demo data writes dates into the prose of its records, as a secretary would type them.
    for folder in ["templates", "studygroup", "plans", "sessions", "audits", "reports", "practice"]:
        for path in (settings.BASE_DIR / folder).rglob("*"):
            if path.suffix not in {".html", ".py"} or "tests" in path.parts or path.name == "formats.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if by_hand.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()[:100]}")
    assert offenders == []
