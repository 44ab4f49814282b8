"""The import takes every limit from the models (``reports.bundle.fields``): a value one character over a
field's ``max_length``, out of its choices or integer range, or repeating a unique key is reported with its
place in the file and nothing is written; a value at the limit is written."""

import copy
import json
from io import StringIO

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import MaxValueValidator
from django.db import models

from reports.bundle import fields
from reports.bundle.importer import BundleError, import_bundle
from reports.bundle.schema import SCHEMA
from reports.tests.test_bundle import counts, full_bundle
from sessions.models import Lecture, StudySession

pytestmark = pytest.mark.django_db


def _leaves(spec: dict, path: tuple = ()) -> list[tuple[tuple, fields.FieldKind]]:
    found = []
    for key, kind in spec.items():
        if isinstance(kind, list):
            found += _leaves(kind[0], (*path, key))
        elif isinstance(kind, fields.FieldKind):
            found.append(((*path, key), kind))
    return found


LEAVES = [((name, *path), kind) for name, spec in SCHEMA.items() for path, kind in _leaves(spec)]
STRINGS = [(path, kind) for path, kind in LEAVES if isinstance(kind.field, models.CharField) and not kind.field.choices]


def test_every_string_field_of_every_imported_model_is_checked():
    """Each ``CharField`` (choices apart) of every model that stores a list of the format is some key's field."""
    checked = {(kind.field.model, kind.field.name) for _path, kind in STRINGS}
    stored = {
        (model, name)
        for path, (model, _parent, renamed) in fields.STORED.items()
        for name in (renamed.get(key, key) for key in fields.spec_at(path))
        if isinstance(_field_or_none(model, name), models.CharField) and not model._meta.get_field(name).choices
    }
    assert stored <= checked
    assert len(STRINGS) >= 20


def _field_or_none(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a key that is no field of its own (a list of references)
        return None


def _place(document: dict, path: tuple) -> tuple[str, dict]:
    """The first item of the document holding ``path``'s key (in a nested list, the first non-empty one)."""
    name, *rest = path
    if len(rest) == 1:
        return f"{name}[0].{rest[0]}", document[name][0]
    child, key = rest
    for index, item in enumerate(document[name]):
        if item.get(child):
            return f"{name}[{index}].{child}[0].{key}", item[child][0]
    raise AssertionError(f"full_bundle has no {path}")


def _renamed(node, old: str, new: str):
    """Every value equal to the code ``old`` (the code and the references to it) becomes ``new``."""
    if isinstance(node, dict):
        return {key: _renamed(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_renamed(value, old, new) for value in node]
    return new if node == old else node


def _with_length(path: tuple, kind: fields.FieldKind, length: int) -> tuple[str, dict, str]:
    """The place of ``path``'s key in a full bundle, the bundle with a value of ``length`` there, and the value."""
    document = full_bundle()
    place, item = _place(document, path)
    key = path[-1]
    if "strs" in kind:
        value = "规" * length
        item[key] = [value]
    elif key == "code":
        value = "c" * (length - len(item[key])) + item[key]
        document = _renamed(document, item[key], value)
    else:
        value = "字" * length
        item[key] = value
    return place, document, value


@pytest.mark.parametrize(("path", "kind"), STRINGS, ids=[".".join(p) for p, _k in STRINGS])
def test_one_character_over_the_models_max_length_is_reported_with_its_place(path, kind):
    longest = kind.field.max_length
    place, document, _value = _with_length(path, kind, longest + 1)
    before = counts()
    with pytest.raises(BundleError) as caught:
        import_bundle(json.dumps(document, ensure_ascii=False))
    problem = f"应为文本列表,每项最多 {longest} 个字符。" if "strs" in kind else f"过长(最多 {longest} 个字符)。"
    expected = f"{place}:{problem}"
    assert expected in caught.value.errors, caught.value.errors
    assert counts() == before


@pytest.mark.parametrize(("path", "kind"), STRINGS, ids=[".".join(p) for p, _k in STRINGS])
def test_a_text_at_the_models_max_length_is_written(path, kind):
    _place, document, value = _with_length(path, kind, kind.field.max_length)
    import_bundle(json.dumps(document, ensure_ascii=False))
    model_field = kind.field
    assert model_field.model.objects.filter(**{model_field.name: value}).count() == 1


def test_a_session_title_one_over_is_reported_by_the_command_and_nothing_is_written(tmp_path):
    longest = StudySession._meta.get_field("title").max_length
    document = full_bundle()
    document["sessions"][5]["title"] = "长" * (longest + 1)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    before, err = counts(), StringIO()
    with pytest.raises(CommandError, match="发现 1 个问题,未导入任何记录。"):
        call_command("import_records", str(path), stderr=err)
    assert err.getvalue() == f"sessions[5].title:过长(最多 {longest} 个字符)。\n"
    assert counts() == before


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b["plans"][0].update(year=1999), "plans[0].year:应为 2000 至 2100 之间的整数,而不是 1999。"),
        (lambda b: b["research"][0].update(year=2101), "research[0].year:应为 2000 至 2100 之间的整数,而不是 2101。"),
        (lambda b: b["plans"][0]["topics"][0].update(month=13), "plans[0].topics[0].month:应为 1 至 12 之间的整数"),
        (lambda b: b["actions"][0].update(problem=" "), "actions[0].problem:应为非空文本。"),
        (lambda b: b["summaries"][0].update(text=""), "summaries[0].text:应为非空文本。"),
        (lambda b: b["groups"][0]["members"][0].update(role="boss"), 'groups[0].members[0].role:"boss" 不是以下之一'),
    ],
)
def test_ranges_choices_and_blank_come_from_the_models(mutate, expected):
    document = full_bundle()
    mutate(document)
    before = counts()
    with pytest.raises(BundleError) as caught:
        import_bundle(document)
    assert any(error.startswith(expected) for error in caught.value.errors), caught.value.errors
    assert counts() == before


def test_an_integer_past_the_databases_range_is_refused_with_the_models_limit():
    # The limit is the database's (2³¹ − 1 on PostgreSQL, 2⁶³ − 1 on SQLite), as Django's field validators give it.
    validators = Lecture._meta.get_field("audience").validators
    high = min(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    document = full_bundle()
    document["lectures"][0].update(audience=high + 1)
    before = counts()
    with pytest.raises(BundleError) as caught:
        import_bundle(document)
    assert f"lectures[0].audience:应为 0 至 {high} 之间的整数,而不是 {high + 1}。" in caught.value.errors
    assert counts() == before


def test_every_unique_constraint_of_an_imported_model_is_checked_in_the_file_or_said_why_not():
    for path, (model, _parent, _renamed) in fields.STORED.items():
        keys = fields.unique_keys(path)
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                assert constraint.name in fields.UNIQUE_ELSEWHERE or keys, (path, constraint.name)
    assert fields.unique_keys("sessions.attendance") == [("person",)]
    assert fields.unique_keys("inspections") == [("group", "year", "checklist")]
    assert fields.unique_keys("groups.members") == [("person",)]


UNIQUE = [(path, keys) for path in fields.STORED for keys in fields.unique_keys(path)]


@pytest.mark.parametrize(("path", "keys"), UNIQUE, ids=[f"{p}:{','.join(k)}" for p, k in UNIQUE])
def test_an_item_repeating_a_unique_key_is_reported_and_nothing_is_written(path, keys):
    document = full_bundle()
    name, _dot, child = path.partition(".")
    if child:
        index, parent = next((i, item) for i, item in enumerate(document[name]) if item.get(child))
        rows, place = parent[child], f"{name}[{index}].{child}"
    else:
        rows, place = document[name], name
    twin = copy.deepcopy(rows[0])
    if "code" in twin:
        twin["code"] += "-twin"
    rows.append(twin)
    before = counts()
    with pytest.raises(BundleError) as caught:
        import_bundle(document)
    expected = (
        f"{place}[{len(rows) - 1}].org:"
        if (path, keys) == ("groups", ("org",))
        else f"{place}[{len(rows) - 1}]:与 {place}[0] 重复({', '.join(keys)} 相同)。"
    )
    assert any(error.startswith(expected) for error in caught.value.errors), caught.value.errors
    assert counts() == before


def test_an_optional_key_is_one_the_model_may_leave_empty_or_the_importer_fills():
    for (name, *rest), kind in LEAVES:
        if not kind.startswith("?") or "strs" in kind:
            continue  # required, or a list of records (left out: none)
        model_field = kind.field
        roomy = model_field.null or model_field.blank or model_field.has_default()
        assert roomy or ".".join([name, *rest]) in fields.FILLED_BY_THE_IMPORTER, (name, *rest)
