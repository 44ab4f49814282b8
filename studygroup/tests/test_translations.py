"""The zh_Hans catalogue is complete, compiled, and covers every message of the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries(po: polib.POFile) -> dict[tuple[str | None, str], str | dict]:
    return {(e.msgctxt, e.msgid): (e.msgstr_plural if e.msgid_plural else e.msgstr) for e in po if not e.obsolete}


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated: {untranslated}"
    assert fuzzy == [], f"fuzzy: {fuzzy}"
    assert not po.metadata_is_fuzzy


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    assert _entries(mo) == {k: v for k, v in _entries(po).items() if k[1]}, "run `make messages` to recompile"


def test_the_interface_speaks_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """The catalogue as ``makemessages`` leaves it from a copy of the code: an entry the code no longer uses is
    kept as obsolete (``#~``)."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (apt package gettext) is not installed")
    base = Path(settings.BASE_DIR)
    copy = tmp_path_factory.mktemp("messages") / "project"
    shutil.copytree(
        base,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "staticfiles", "media", "node_modules", "*.sqlite3", "vendor"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_catalogue_covers_every_message_in_the_code(extracted):
    missing = [e.msgid for e in extracted if (not e.msgstr and not e.msgstr_plural.get(0)) or "fuzzy" in e.flags]
    assert missing == [], f"not in the catalogue or fuzzy, run `make messages` and translate: {missing}"


def test_catalogue_holds_no_message_the_code_no_longer_uses(extracted):
    unused = [e.msgid for e in extracted if e.obsolete]
    assert unused == [], f"no code uses these: remove them from django.po (`make messages` does) and compile: {unused}"
