"""The maps for newcomers point at real files: every relative Markdown link of ARCHITECTURE.md and DEVELOPERS.md
resolves to a file or folder of the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["ARCHITECTURE.md", "DEVELOPERS.md"]
# [text](target) or [text](target "title"); the text may hold `code` but no closing bracket.
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
ELSEWHERE = ("http://", "https://", "mailto:", "#")


def relative_links(text: str) -> list[str]:
    """The targets of the Markdown links of ``text`` that name a path, without their ``#fragment``."""
    targets = []
    for target in LINK.findall(text):
        if target.startswith(ELSEWHERE):
            continue
        targets.append(target.split("#", 1)[0])
    return targets


def broken_links(document: Path) -> list[str]:
    return [
        target
        for target in relative_links(document.read_text(encoding="utf-8"))
        if not (document.parent / target).resolve().exists()
    ]


def test_the_link_reader_finds_relative_links_and_leaves_others():
    text = (
        "See [`plans/views.py`](plans/views.py), [the rule](studygroup/access.py#L10), "
        '[a title](tests/ "Tests"), [web](https://example.com/x) and [anchor](#where-jobs-run).'
    )
    assert relative_links(text) == ["plans/views.py", "studygroup/access.py", "tests/"]


def test_a_missing_file_is_reported(tmp_path):
    document = tmp_path / "MAP.md"
    (tmp_path / "real.py").write_text("")
    document.write_text("[real](real.py) and [gone](gone/views.py)", encoding="utf-8")
    assert broken_links(document) == ["gone/views.py"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_relative_link_resolves(name):
    document = ROOT / name
    assert relative_links(document.read_text(encoding="utf-8")), f"{name} has no relative link (the reader broke?)"
    assert broken_links(document) == [], f"{name} links to paths that do not exist"


def test_architecture_links_to_code_of_every_app():
    targets = relative_links((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    for app in ["studygroup", "plans", "sessions", "audits", "reports", "tests"]:
        assert any(target.startswith(f"{app}/") for target in targets), app
