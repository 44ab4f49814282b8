"""Views stay HTTP only (STYLE.md "Views stay thin"): no view builds a spreadsheet or writes a job run."""

import ast
from pathlib import Path

from django.conf import settings

# Writes of a model's manager; ``TaskRun`` rows are written by reports.services and the jobs only.
WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "update", "delete", "bulk_update"}
SPREADSHEET_LIBRARIES = {"openpyxl", "xlsxwriter"}


def view_modules(base: Path) -> list[Path]:
    """Every ``views.py`` and every module of a ``views/`` package of the project."""
    found = [path for path in base.rglob("views.py") if ".venv" not in path.parts]
    found += [path for path in base.rglob("views/*.py") if ".venv" not in path.parts]
    return sorted(found)


def thick_parts(source: str) -> list[str]:
    """Name the task-run writes and spreadsheet imports in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            manager = node.func.value
            if (
                isinstance(manager, ast.Attribute)
                and isinstance(manager.value, ast.Name)
                and manager.value.id == "TaskRun"
            ):
                found.append(f"line {node.lineno}: writes a TaskRun")
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] in SPREADSHEET_LIBRARIES for name in names):
            found.append(f"line {node.lineno}: imports {', '.join(names)}")
    return found


def test_the_checker_finds_a_task_run_write_and_a_spreadsheet_import():
    source = (
        "from openpyxl import Workbook\n"
        "def view(request):\n"
        "    import xlsxwriter\n"
        "    TaskRun.objects.create(name='x')\n"
        "    return TaskRun.objects.filter(pk=1)\n"
    )
    assert thick_parts(source) == [
        "line 1: imports openpyxl",
        "line 3: imports xlsxwriter",
        "line 4: writes a TaskRun",
    ]


def test_no_view_builds_a_spreadsheet_or_writes_a_task_run():
    base = Path(settings.BASE_DIR)
    modules = view_modules(base)
    names = {path.relative_to(base).as_posix() for path in modules}
    assert {"reports/views.py", "audits/views/compliance.py"} <= names
    found = {
        path.relative_to(base).as_posix(): problems
        for path in modules
        if (problems := thick_parts(path.read_text(encoding="utf-8")))
    }
    assert found == {}
