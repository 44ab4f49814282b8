"""Modules and functions of a readable size (STYLE.md "Names, size"): a module past 600 lines becomes a package,
a function past 60 lines becomes named steps, unless its docstring says why it is clearer whole."""

import ast
from pathlib import Path

from django.conf import settings

MODULE_LINES = 600
FUNCTION_LINES = 60
# A function longer than FUNCTION_LINES keeps its length only with a docstring sentence starting so.
REASON = "Long because"
# Directories never measured: generated migrations, tests, and what is not ours.
SKIPPED = {"migrations", "tests", "node_modules", "staticfiles", "__pycache__"}


def project_modules(base: Path) -> list[Path]:
    """Every Python module of the project under ``base`` outside tests, migrations and hidden folders."""
    return sorted(
        path
        for path in base.rglob("*.py")
        if not any(part in SKIPPED or part.startswith(".") for part in path.relative_to(base).parts[:-1])
        and path.name != "conftest.py"
    )


def oversized(source: str) -> list[str]:
    """Name what is too long in ``source``: the module past MODULE_LINES, each function past FUNCTION_LINES
    (``def`` line to last line) whose docstring does not give the reason."""
    found = []
    lines = len(source.splitlines())
    if lines > MODULE_LINES:
        found.append(f"module: {lines} lines")
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        if length > FUNCTION_LINES and REASON not in (ast.get_docstring(node) or ""):
            found.append(f"line {node.lineno}: {node.name}() {length} lines")
    return found


def test_the_checker_finds_a_long_module_and_a_long_function_without_a_reason():
    body = "".join(f"    x{n} = {n}\n" for n in range(FUNCTION_LINES))
    long_function = f"def step():\n{body}"
    explained = f'def whole():\n    """Do it all. {REASON} the order of the steps is the point."""\n{body}'
    short = "def short():\n" + "".join(f"    x{n} = {n}\n" for n in range(FUNCTION_LINES - 1))
    assert oversized(long_function) == [f"line 1: step() {FUNCTION_LINES + 1} lines"]
    assert oversized(explained) == []
    assert oversized(short) == []
    assert oversized("x = 1\n" * (MODULE_LINES + 1)) == [f"module: {MODULE_LINES + 1} lines"]
    assert oversized("x = 1\n" * MODULE_LINES) == []


def test_no_module_or_function_of_the_project_is_too_long():
    base = Path(settings.BASE_DIR)
    modules = project_modules(base)
    names = {path.relative_to(base).as_posix() for path in modules}
    # The walk reaches packages that replaced long modules, and skips tests and migrations.
    assert {"sessions/views/submissions.py", "audits/views/visits.py", "studygroup/models.py"} <= names
    assert not any("/tests/" in name or "/migrations/" in name for name in names)
    found = {
        path.relative_to(base).as_posix(): problems
        for path in modules
        if (problems := oversized(path.read_text(encoding="utf-8")))
    }
    assert found == {}
