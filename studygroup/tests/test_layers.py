"""Apps depend one way (ARCHITECTURE.md, "Apps and their order"): no module imports an app above its own.

Every ``.py`` file of an app is parsed, its tests and migrations too. An import counts wherever it stands (at
the top of a module, inside a function, under ``if TYPE_CHECKING:``), in either form (``import x``, ``from x
import y``, relative ones resolved), and so does a string that names an app to ``apps.get_model``,
``apps.get_app_config``, ``import_module``, ``import_string`` or ``__import__``. Foreign keys by string
(``"study_sessions.StudySession"``) are data, not imports, and are not counted. Modules outside the apps (the
site-wide ``tests/``, ``bench/``, ``conftest.py``, ``manage.py``) sit above them all.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Bottom to top. A new app takes its place here and in ARCHITECTURE.md.
LAYERS = ["studygroup", "plans", "sessions", "audits", "reports", "assessments", "practice", "demo"]
# App labels that are not the package's name (``apps.get_model`` takes labels).
PACKAGE_OF_LABEL = {"study_sessions": "sessions"}
# Calls whose first argument, a string, names a module or an app label.
NAMING_CALLS = {"import_module", "import_string", "__import__", "get_model", "get_app_config"}
LABEL_CALLS = {"get_model", "get_app_config"}
SKIPPED_DIRECTORIES = {"node_modules", "staticfiles", "media", "artifacts", "__pycache__"}  # and hidden ones (.venv)
ROOT = Path(settings.BASE_DIR)


def _module_name(path: Path) -> list[str]:
    """The dotted name of the module at ``path`` (relative to the root), as a list of parts."""
    parts = list(path.with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    if node.level == 0:
        return node.module or ""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, node.module] if node.module else base)


def _called_name(node: ast.Call) -> str | None:
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)


def imported_modules(source: str, path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line, module) for every import in ``source`` and every string call that names a module or app."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, path)
            yield node.lineno, module
            if node.module is None:  # ``from . import selectors``: each name is a module of the package
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Call) and _called_name(node) in NAMING_CALLS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                name = first.value
                if _called_name(node) in LABEL_CALLS:
                    label = name.split(".")[0]
                    name = PACKAGE_OF_LABEL.get(label, label)
                yield node.lineno, name


def layer(module: str) -> int | None:
    top = module.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


def back_imports(path: Path, source: str) -> list[str]:
    """Name, as ``file:line``, each import in ``source`` (the file at ``path``) of an app above the file's app."""
    own = layer(path.parts[0])
    if own is None:
        return []
    return [
        f"{path}:{line}: {path.parts[0]} imports {module}, which sits above it"
        for line, module in sorted(imported_modules(source, path))
        if (target := layer(module)) is not None and target > own
    ]


def python_files() -> Iterator[Path]:
    """Every ``.py`` file of the project, relative to its root."""
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield (Path(directory) / name).relative_to(ROOT)


def test_no_app_imports_an_app_above_it():
    breaches = [
        breach for path in python_files() for breach in back_imports(path, (ROOT / path).read_text(encoding="utf-8"))
    ]
    assert breaches == [], "an app imports one above it (ARCHITECTURE.md):\n" + "\n".join(breaches)


def test_every_app_of_the_project_has_a_place_in_the_order():
    ours = {config.name.split(".")[0] for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    assert ours == set(LAYERS)


def test_the_order_is_the_one_architecture_md_writes_down():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Apps and their order", 1)[1].split("\n## ", 1)[0]
    written = re.findall(r"^\| (?:\d+|top) \| `(\w+)/`", section, flags=re.MULTILINE)
    assert written == LAYERS


def test_the_check_sees_back_imports_at_any_depth_and_lets_downward_ones_pass():
    """The check itself can fail: a plans module with every kind of import, up and down."""
    source = """
from __future__ import annotations

from typing import TYPE_CHECKING

import reports.models
from audits import checklists
from plans.models import Material
from studygroup import access
from . import selectors
from .hooks import Session

if TYPE_CHECKING:
    from sessions.models import StudySession


def held(session):
    from sessions.models import held_q

    apps.get_model("study_sessions", "Attendance")
    apps.get_model("studygroup.Person")
    importlib.import_module("reports.digest")
    return held_q()
"""
    assert back_imports(Path("plans/example.py"), source) == [
        "plans/example.py:6: plans imports reports.models, which sits above it",
        "plans/example.py:7: plans imports audits, which sits above it",
        "plans/example.py:14: plans imports sessions.models, which sits above it",
        "plans/example.py:18: plans imports sessions.models, which sits above it",
        "plans/example.py:20: plans imports sessions, which sits above it",
        "plans/example.py:22: plans imports reports.digest, which sits above it",
    ]


def test_relative_imports_are_read_from_the_package_they_stand_in():
    source = "from . import selectors\nfrom ..reports import digest\n"
    modules = [module for _line, module in imported_modules(source, Path("plans/bundle/reader.py"))]
    assert modules == ["plans.bundle", "plans.bundle.selectors", "plans.reports"]


def test_modules_outside_the_apps_may_import_every_app():
    assert back_imports(Path("tests/test_journeys.py"), "from reports.models import YearSummary\n") == []
    assert back_imports(Path("demo/seed.py"), "from reports.models import YearSummary\n") == []
