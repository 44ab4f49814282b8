"""The rule book: every check is a named rule, listed in one table, and views and services ask it."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from studygroup import access
from studygroup.tests.factories import OrganizationFactory, UserFactory, user_with_role

# Asking the scope for reach inside a view or a service is a rule written in the wrong place.
ROLE_QUESTIONS = frozenset({"holds_at", "reaches", "organization_ids"})
# A module past ~600 lines becomes a package of the same name: its modules are checked alike.
CHECKED_MODULES = ("views", "services")


def _is_scope_for_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
    return name == "scope_for"


def rule_book_breaches(source: str) -> list[str]:
    """Name the ``may_*`` functions and the role questions asked of ``scope_for(...)`` in ``source``."""
    tree = ast.parse(source)
    # Names bound to a scope anywhere in the module: ``scope = access.scope_for(user)``.
    scope_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_scope_for_call(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    breaches = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.lstrip("_").startswith("may_"):
            breaches.append((node.lineno, f"line {node.lineno}: defines {node.name}()"))
        if isinstance(node, ast.Attribute) and node.attr in ROLE_QUESTIONS:
            asked_of = node.value
            if _is_scope_for_call(asked_of) or (isinstance(asked_of, ast.Name) and asked_of.id in scope_names):
                breaches.append((node.lineno, f"line {node.lineno}: asks scope_for(...).{node.attr}"))
    return [text for _line, text in sorted(breaches, key=lambda breach: breach[0])]


def _project_modules() -> list[Path]:
    base = Path(settings.BASE_DIR)
    paths = []
    for config in apps.get_app_configs():
        app_path = Path(config.path)
        if base in app_path.parents and ".venv" not in app_path.parts:
            for name in CHECKED_MODULES:
                paths += [app_path / f"{name}.py"] if (app_path / f"{name}.py").exists() else []
                paths += sorted((app_path / name).glob("*.py")) if (app_path / name).is_dir() else []
    return sorted(paths)


def test_the_checker_finds_may_functions_and_role_questions():
    source = (
        "def may_edit(user, obj):\n"
        "    return access.scope_for(user).holds_at(access.STAFF, obj.organization_id)\n"
        "def _may_close(user, obj):\n"
        "    scope = access.scope_for(user)\n"
        "    return scope.reaches(obj.path) or obj.pk in scope.organization_ids(['staff'])\n"
        "def page(user):\n"
        "    return access.scope_for(user).member_group_ids\n"
    )
    assert rule_book_breaches(source) == [
        "line 1: defines may_edit()",
        "line 2: asks scope_for(...).holds_at",
        "line 3: defines _may_close()",
        "line 5: asks scope_for(...).reaches",
        "line 5: asks scope_for(...).organization_ids",
    ]


def test_views_and_services_ask_the_rule_book_instead_of_the_scope():
    modules = _project_modules()
    base = Path(settings.BASE_DIR)
    checked = {path.relative_to(base).as_posix() for path in modules}
    assert {
        "audits/services/actions.py",
        "sessions/views/submissions.py",
        "plans/services.py",
        "studygroup/views.py",
    } <= checked
    breaches = {
        path.relative_to(base).as_posix(): found
        for path in modules
        if (found := rule_book_breaches(path.read_text(encoding="utf-8")))
    }
    assert breaches == {}


def test_every_rule_has_a_description_and_the_table_lists_them_all():
    table = access.rule_table()
    assert [name for name, _app, _doc in table] == sorted(access.RULES, key=lambda n: (access.RULES[n].app, n))
    assert [name for name, _app, doc in table if not doc.strip()] == []
    by_app = {}
    for name, app, _doc in table:
        by_app.setdefault(app, []).append(name)
    assert {"audits", "plans", "sessions", "studygroup"} <= set(by_app)
    # An app's own rules carry its name; only the core's generic verbs go without one.
    assert [n for app, names in by_app.items() for n in names if "." in n and not n.startswith(f"{app}.")] == []
    assert [n for app, names in by_app.items() for n in names if "." not in n and app != "studygroup"] == []
    assert {"audits.action_update", "audits.action_accept", "sessions.leave_decide", "sessions.submission_review"} <= (
        set(access.RULES)
    )


def test_the_command_prints_every_rule():
    out = StringIO()
    call_command("access_rules", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["rule", "app", "description"]
    listed = [line.split()[0] for line in lines[1:-1]]
    assert listed == [name for name, _app, _doc in access.rule_table()]
    rows = {line.split()[0]: line.split(maxsplit=2) for line in lines[1:-1]}
    assert rows["audits.action_accept"][1] == "audits"
    assert rows["audits.action_accept"][2] == (
        "Whoever raised the action confirms that it is done (验收), or sends it back. [*]"
    )
    assert rows["change"][1:] == [
        "studygroup",
        "Change a record: only the staff of the organization that owns it (upper levels read, lower levels own).",
    ]


def test_a_rule_name_cannot_be_taken_twice():
    with pytest.raises(ImproperlyConfigured):
        access.rule("audits.action_accept")(lambda scope, obj: True)
    assert access.RULES["audits.action_accept"].check.__name__ == "_action_accept"


@pytest.mark.django_db
def test_an_unknown_rule_name_is_an_error_not_a_yes():
    superuser = UserFactory(is_superuser=True)
    with pytest.raises(KeyError):
        access.can(superuser, "audits.action_closes", object())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("staff", {"studygroup.audit_log": True, "sessions.lecture_add_any": True, "plans.research_propose_any": True}),
        (
            "member",
            {"studygroup.audit_log": False, "sessions.lecture_add_any": True, "plans.research_propose_any": True},
        ),
        (
            "viewer",
            {"studygroup.audit_log": False, "sessions.lecture_add_any": False, "plans.research_propose_any": False},
        ),
        (
            "observer",
            {"studygroup.audit_log": False, "sessions.lecture_add_any": False, "plans.research_propose_any": False},
        ),
    ],
)
def test_page_gates_answer_by_role(role, expected):
    user = user_with_role(role, OrganizationFactory())
    assert {name: access.can(user, name, None) for name in expected} == expected
