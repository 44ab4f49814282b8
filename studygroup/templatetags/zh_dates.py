"""Template filters for the Chinese date formats of ``studygroup.formats``: ``{{ day|date_zh }}`` and friends."""

from django import template
from django.utils import timezone

from studygroup import formats

register = template.Library()

register.filter("date_zh", formats.date_zh)
register.filter("datetime_zh", formats.datetime_zh)
register.filter("month_day_zh", formats.month_day_zh)
register.filter("month_day_time_zh", formats.month_day_time_zh)
register.filter("month_zh", formats.month_zh)  # {{ month|month_zh }}, {{ month|month_zh:year }}


@register.simple_tag
def today_zh() -> str:
    """Today with its weekday: "2026年12月7日 星期一"."""
    return formats.date_with_weekday_zh(timezone.localdate())
