"""Words a party office reads: no two different things share one Chinese name.

English message ids that collide (an "Action" of the audit log and an
"Action" to correct a problem) are told apart with a context (``pgettext``);
this test fails when two different message ids of the navigation, the
vocabularies (every choice label of every model) or page titles translate to
the same Chinese text.
"""

import re
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from studygroup.navigation import NAV_ITEMS

TITLE_BLOCK = re.compile(r"{% block title %}(.*?){% endblock %}", re.S)
TRANSLATE_TAG = re.compile(r'{% translate "([^"]+)"(?: context "([^"]+)")? %}')


def _message_id(label) -> tuple[str, str]:
    """The (context, message id) behind a lazy translation; plain strings are their own id."""
    arguments = getattr(label, "_args", None)
    if not arguments:
        return "", str(label)
    if len(arguments) == 2:
        return arguments[0], arguments[1]
    return "", arguments[0]


def _translated(context: str, message: str) -> str:
    return translation.pgettext(context, message) if context else translation.gettext(message)


# The apps whose vocabularies must not share a Chinese word with each other.
VOCABULARY_APPS = {"studygroup", "plans", "study_sessions", "audits", "reports"}
# Every app of the project (not Django's nor a library's).
PROJECT_APPS = {
    config.label for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
}


def _vocabulary_ids(labels=VOCABULARY_APPS):
    for model in apps.get_models():
        if model._meta.app_label not in labels:
            continue
        for field in model._meta.get_fields():
            for _value, label in getattr(field, "flatchoices", None) or []:
                yield f"choice of {model._meta.label}.{field.name}", _message_id(label)


def _navigation_ids():
    for item in NAV_ITEMS:
        yield f"menu entry {item.url_name}", _message_id(item.label)
        if item.menu:
            yield "menu", _message_id(item.menu)


def _title_ids():
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for block in TITLE_BLOCK.findall(template.read_text(encoding="utf-8")):
            for message, context in TRANSLATE_TAG.findall(block):
                yield f"title of {template.name}", (context or "", message)


def _collisions(sources) -> dict[str, set]:
    by_chinese: dict[str, set] = defaultdict(set)
    places: dict[tuple[str, str], str] = {}
    for place, key in sources:
        places.setdefault(key, place)
        by_chinese[_translated(*key)].add(key)
    return {
        chinese: {f"{places[key]}: {key[1]!r}" + (f" ({key[0]})" if key[0] else "") for key in keys}
        for chinese, keys in by_chinese.items()
        if len(keys) > 1
    }


def test_navigation_vocabularies_and_titles_never_share_a_chinese_name():
    with translation.override("zh-hans"):
        collisions = _collisions([*_vocabulary_ids(), *_navigation_ids(), *_title_ids()])
    assert collisions == {}, "give one message id or a context to each meaning: " + "; ".join(
        f"{chinese} ← {sorted(ids)}" for chinese, ids in sorted(collisions.items())
    )


def _time_field_ids():
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS:
            for field in model._meta.get_fields():
                if isinstance(field, models.DateField | models.TimeField):
                    yield f"field {model._meta.label}.{field.name}", _message_id(field.verbose_name)


def test_a_status_never_reads_as_the_name_of_a_date():
    """A choice label translated as a date's name (a test's status "Published" shown as 发布时间, the name of
    "published at") means its English id is shared with a column heading: give the label a context."""
    with translation.override("zh-hans"):
        dates = {_translated(*key): place for place, key in _time_field_ids()}
        clashes = sorted(
            f"{place} {key[1]!r} reads {_translated(*key)}, the name of {dates[_translated(*key)]}"
            for place, key in _vocabulary_ids(PROJECT_APPS)
            if _translated(*key) in dates
        )
    assert clashes == [], "; ".join(clashes)


def test_the_collision_check_sees_a_collision():
    """The check itself can fail: two different ids with one translation are reported."""
    with translation.override("zh-hans"):
        collisions = _collisions([("a", ("", "Untranslated word")), ("b", ("some context", "Untranslated word"))])
    assert collisions == {"Untranslated word": {"a: 'Untranslated word'", "b: 'Untranslated word' (some context)"}}
