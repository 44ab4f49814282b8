"""The download crawl: every URL that answers a file, fetched by every role of the owning organization, of its
upper level and of a neighbouring county. The text inside (XLSX cells, DOCX paragraphs and tables, PDF text, every member of a ZIP,
JSON) must hold nothing its reader may not read as pages.

Records carrying markers (``crawl_support.MARK_*``) sit in the owner's world: a colleague's draft, returned and
submitted reflections, an observer's report, a colleague's leave reason, a session of a sibling town, the
neighbouring county. What a reader may read is what the one visibility rule lets through (``access.visible``,
the rule every page uses); a leave reason is read only by the person who asked and those who decide (the
office and the leader).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import ObserverVisit
from practice.models import SelfStudyEntry
from sessions.models import StudySession, Submission
from studygroup import access
from studygroup.models import Organization
from tests import crawl_support as crawl
from tests.crawl_support import module_world, world_in_test  # noqa: F401 - the fixtures

OWNER = "本镇党委"
SESSION = "上周集体学习"
# name -> (the owner's record in the URL, query string, a reader who must get the file, a text the file holds)
DOWNLOADS = {
    "plans:plan-docx": ("plan_approved", "", "owner staff", OWNER),
    "plans:material-download": ("material_file", "", "owner member", ""),
    "plans:research-report-download": ("report_file", "", "owner staff", "调研报告"),
    "sessions:session-plan": ("session_past", "", "owner staff", "学习方案"),
    "sessions:attachment-download": ("attachment", "", "owner staff", ""),
    "sessions:submission-download": ("colleague_draft", "", "owner colleague", crawl.MARK_DRAFT),
    "audits:compliance-xlsx": (None, "org={owner}&year={year}", "owner staff", OWNER),
    "reports:digest-pdf": ("digest_compiled", "", "owner staff", OWNER),
    "reports:summary-docx": (None, "org={owner}&year={year}", "owner staff", OWNER),
    "reports:summary-pdf": (None, "org={owner}&year={year}", "owner staff", OWNER),
    "reports:ledger": (None, "org={owner}&year={year}", "owner staff", SESSION),
    "reports:archive": ("group", "", "owner staff", SESSION),
    "reports:records": (None, "download=1", "owner staff", SESSION),
    "practice:entry-download": ("colleague_entry", "", "owner colleague", crawl.MARK_SELFSTUDY),
    "practice:first-topic-xlsx": (None, "org={owner}&year={year}", "owner staff", "落实举措一"),
    "practice:recommendation-download": ("recommendation", "", "owner member", "荐读原文"),
}
# The apps above the core name their own (``crawl_support.app_crawl_modules``).
DOWNLOADS.update({name: spec for downloads in crawl.app_entries("DOWNLOADS") for name, spec in downloads.items()})
# The upper level reads the owner's records, but never a member's draft or what only the owner's deciders read.
READERS = [f"{side} {role}" for side in ("owner", "upper", "neighbour") for role in crawl.ROLES]


def download_url_names() -> list[str]:
    """URLs whose view answers a file: a ``FileResponse``, ``StreamingHttpResponse`` or ``documents.download``, in the view or in a
    function of its module it calls (``records_view`` answers through ``_records_download``)."""
    names = []
    for name, callback in crawl.named_urls().items():
        source = _source_with_helpers(callback)
        if "FileResponse" in source or "documents.download" in source or "StreamingHttpResponse" in source:
            names.append(name)
    return sorted(names)


def _source_with_helpers(callback) -> str:
    import inspect
    import re

    try:
        source = inspect.getsource(callback)
    except (OSError, TypeError):
        return ""
    module = inspect.getmodule(callback)
    helpers = []
    for called in dict.fromkeys(re.findall(r"\b(_\w+)\(", source)):
        helper = getattr(module, called, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__:
            helpers.append(inspect.getsource(helper))
    return "\n".join([source, *helpers])


def url_for(name: str, world: crawl.World) -> str:
    from tests.test_access_crawl import walk

    target, query, _reader, _text = DOWNLOADS[name]
    year = timezone.localdate().year
    kwargs = {}
    for param in dict(walk())[name]:
        kwargs[param] = year if param == "year" else world.objects[target].pk
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{query.format(owner=world.owner.pk, year=year)}" if query else url


def forbidden_markers(world: crawl.World, user) -> list[str]:
    """The markers of records ``user`` may not read as pages."""
    objects = world.objects
    checks = [
        (crawl.MARK_DRAFT, Submission, objects["colleague_draft"]),
        (crawl.MARK_DRAFT_TITLE, Submission, objects["colleague_draft"]),
        (crawl.MARK_RETURNED, Submission, objects["colleague_returned"]),
        (crawl.MARK_SUBMITTED, Submission, objects["sub_submitted"]),
        (crawl.MARK_OBSERVER_REPORT, ObserverVisit, objects["visit_past"]),
        (crawl.MARK_OTHER_GROUP_SESSION, StudySession, objects["sibling_session"]),
        (crawl.MARK_NEIGHBOUR, Organization, world.neighbour),
        *((marker, model, objects[key]) for markers in crawl.app_entries("MARKERS") for marker, model, key in markers),
        (crawl.MARK_SELFSTUDY, SelfStudyEntry, objects["colleague_entry"]),
    ]
    hidden = [
        marker
        for marker, model, record in checks
        if not access.visible(model.objects.filter(pk=record.pk), user).exists()
    ]
    deciders = {world.insiders["staff"].pk, world.insiders["leader"].pk, world.insiders["colleague"].pk}
    if user.pk not in deciders:
        hidden.append(crawl.MARK_LEAVE)
    return hidden


@pytest.fixture
def downloads_world(crawl_world):
    """The world with its digest compiled from the records."""
    from reports import services

    world = crawl_world
    past = timezone.localtime(world.objects["session_past"].starts_at)
    world.objects["digest_compiled"] = services.digest_compile(
        organization=world.owner, year=past.year, month=past.month
    )
    return world


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("name", download_url_names())
def test_downloads_hold_only_what_the_reader_may_read(name, downloads_world):
    assert name in DOWNLOADS, f"{name} answers a file: add it to DOWNLOADS"
    world = downloads_world
    url = url_for(name, world)
    _target, _query, must_read, expected = DOWNLOADS[name]
    users = {
        **{f"owner {r}": u for r, u in world.insiders.items()},
        **{f"upper {r}": u for r, u in world.uppers.items()},
        **{f"neighbour {r}": u for r, u in world.others.items()},
    }
    problems, fetched = [], set()
    for reader in dict.fromkeys([*READERS, must_read]):
        with crawl.plain_error_pages():
            response = world.clients[reader].get(url)
        if response.status_code >= 500:
            problems.append(f"{reader}: answered {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        fetched.add(reader)
        text = crawl.extract_text(_body(response))
        if reader == must_read:
            assert expected in text, f"GET {url} as {reader}: {expected!r} not found in the text extracted"
        leaked = [marker for marker in forbidden_markers(world, users[reader]) if marker in text]
        if leaked:
            problems.append(f"{reader}: the file holds {', '.join(leaked)} ({_what(leaked)})")
    assert must_read in fetched, f"GET {url} as {must_read} did not answer the file: the crawl would prove nothing"
    assert not problems, f"GET {url} ({name}):\n  " + "\n  ".join(problems)


WHAT = {
    crawl.MARK_DRAFT: "a colleague's draft text",
    crawl.MARK_DRAFT_TITLE: "a colleague's draft title",
    crawl.MARK_RETURNED: "a colleague's returned submission",
    crawl.MARK_SUBMITTED: "a colleague's submission under review",
    crawl.MARK_OBSERVER_REPORT: "the observer's report",
    crawl.MARK_OTHER_GROUP_SESSION: "a session of another group",
    crawl.MARK_NEIGHBOUR: "the neighbouring county",
    crawl.MARK_LEAVE: "a colleague's leave reason",
    crawl.MARK_SELFSTUDY: "a colleague's self-study entry",
}


def _what(markers: list[str]) -> str:
    return "; ".join(WHAT.get(m, m) for m in markers)


def test_every_download_is_crawled():
    assert set(DOWNLOADS) == set(download_url_names())
