"""The write crawl: every URL that accepts POST, sent a valid body by every role of a neighbouring county and of
the owner's upper level, with the owner's records in the URL and in every choice field.

The body is the form the owner's own people see: the page holding it is fetched as the insider who does that
job, its fields are harvested (the first choice where none is selected, a filler for empty text), and that
insider's POST must change the database (proof that the body is valid). Then each outsider sends the same
body: the database stays exactly as it was (every row of every table compared) and the answer is 400, 403,
404, 405, a form shown again with its errors, or a redirect carrying an error message.

The insider's write must also be logged: each row of a logged model it adds, changes or deletes has an audit
entry naming the row and the insider (``_unaudited``).

Upper levels read, lower levels own (DESIGN.md): the upper level may comment on a filed plan, observe,
inspect and raise actions (``upper_may``). Where a page writes a record of the sender's own organization
(``own``: compiling one's own digest, recording one's own rules), outsiders may write, but no row of the owner
may change and no new row may point at one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from reports.models import RecordsImport, TaskRun
from sessions import signin
from sessions.models import StudySession
from studygroup.models import DirtyRollup, OutboxMessage
from tests import crawl_support as crawl
from tests.crawl_support import module_world, world_in_test  # noqa: F401 - the fixtures
from tests.test_access_crawl import walk

# Pages that act on the signed-in user's own account only; no record of an organization is involved.
OWN_ACCOUNT = {"login", "logout", "password_change", "email_change"}


@dataclass(frozen=True)
class Write:
    target: str | None  # key of the owner's record that fills the URL
    actor: str  # the insider whose job this is: a key of ``World.insiders`` or "upper staff"
    source: str | None = None  # URL name of the page holding the form (default: the URL itself)
    query: str = ""  # query string of both the page and the POST ({owner}, {year} filled in)
    upper_may: frozenset = field(default_factory=frozenset)  # upper-level roles doing a legitimate job here
    own: bool = False  # outsiders write records of their own organization here
    form_of: str | None = None  # the form posting to this URL name is sent here instead (htmx autosave)
    source_target: str | None = None  # the record the page holding the form shows (default: ``target``)
    values: tuple = ()  # (field, value) the insider types where a filler would not do; None leaves it empty


UPPER_COMMENTS = frozenset({"staff", "leader", "viewer"})
# Staff give logins and grant roles at their organization and everything below it (``manage_accounts``).
UPPER_STAFF = frozenset({"staff"})
NEW_PASSWORD = (("password1", "Crawl-Temporary-2026"), ("password2", "Crawl-Temporary-2026"))

WRITES = {
    "core:membership-add": Write("group", "staff", values=(("new_name", None), ("new_post", None))),
    "core:membership-edit": Write("membership", "staff"),
    "core:membership-end": Write("membership", "staff"),
    "core:account-create": Write(
        "org", "staff", upper_may=UPPER_STAFF, values=(("new_name", None), ("new_post", None), *NEW_PASSWORD)
    ),
    "core:account-password": Write("clerk", "staff", upper_may=UPPER_STAFF, values=NEW_PASSWORD),
    "core:grant-create": Write("org", "staff", upper_may=UPPER_STAFF),
    "core:grant-withdraw": Write("clerk_grant", "staff", upper_may=UPPER_STAFF),
    "core:notification-read-all": Write(None, "staff", source="core:notification-list", own=True),
    "plans:plan-create": Write(None, "staff", query="year={next_year_2}"),
    "plans:plan-edit": Write("plan_draft", "staff"),
    "plans:plan-submit": Write("plan_draft", "staff", source="plans:plan-detail"),
    "plans:plan-approve": Write("plan_submitted", "leader", source="plans:plan-detail"),
    "plans:plan-return": Write("plan_submitted", "leader"),
    "plans:plan-comment": Write("plan_approved", "upper staff", source="plans:plan-detail", upper_may=UPPER_COMMENTS),
    "plans:topic-add": Write("plan_draft", "staff"),
    "plans:topic-edit": Write("topic", "staff"),
    "plans:topic-delete": Write("topic", "staff"),
    "plans:material-add": Write("group", "staff"),
    "plans:material-publish": Write("material_draft", "staff", source="plans:material-detail"),
    "plans:material-delete": Write("material_draft", "staff"),
    "plans:material-confirm": Write("material_published", "member", source="plans:material-detail"),
    "plans:session-remind": Write("session_next", "staff", source="plans:session-prestudy"),
    "plans:research-add": Write(None, "staff"),
    "plans:research-claim": Write("research_open", "member", source="plans:research-detail"),
    "plans:research-team": Write("research_claimed", "staff"),
    "plans:research-report": Write("research_claimed", "staff"),
    "sessions:session-create": Write("group", "staff"),
    "sessions:session-edit": Write("session_next", "staff"),
    "sessions:signin-screen": Write("session_next", "staff"),
    "sessions:signin": Write("session_next", "member"),
    "sessions:attendance": Write("session_past", "staff"),
    "sessions:leave-ask": Write("session_next", "member"),
    "sessions:makeup-record": Write("absence", "staff"),
    "sessions:leave-decide": Write("leave", "staff", source="sessions:session-detail", source_target="session_next"),
    "sessions:minutes": Write("session_past", "staff", values=(("speeches", "本镇书记:结合分管工作谈体会"),)),
    "sessions:attachment-add": Write("session_past", "staff", source="sessions:minutes"),
    "sessions:circular": Write("session_past", "staff"),
    # The form's first session is the coming one: a discussion material is what a member prepares before it.
    "sessions:submission-create": Write(None, "member", values=(("kind", "discussion"),)),
    "sessions:submission-edit": Write("sub_draft", "member"),
    "sessions:submission-submit": Write("sub_draft", "member", source="sessions:submission-detail"),
    "sessions:submission-review": Write("sub_submitted", "staff", source="sessions:submission-detail"),
    "sessions:submission-recommend": Write("sub_approved", "staff", source="sessions:submission-detail"),
    "sessions:reviewer": Write("group", "staff"),
    # A level records the lectures its own people and those of the levels below give (``lecture_create``).
    "sessions:lecture-create": Write(None, "staff", upper_may=frozenset({"staff"})),
    "audits:planning": Write(None, "upper staff", query="org={upper}", upper_may=frozenset({"staff"}), own=True),
    "audits:pool-toggle": Write("pool", "upper staff", source="audits:planning", upper_may=frozenset({"staff"})),
    "audits:invitation-answer": Write(
        "invitation", "upper staff", source="audits:invitations", query="org={upper}", upper_may=frozenset({"staff"})
    ),
    "audits:invite": Write("session_later", "staff"),
    "audits:visit-pre-review": Write("visit_next", "observer", source="audits:visit-detail"),
    "audits:visit-listen": Write("visit_past", "observer", source="audits:visit-detail"),
    "audits:visit-report": Write("visit_past", "observer"),
    "audits:visit-report-draft": Write(
        "visit_past", "observer", source="audits:visit-report", form_of="audits:visit-report"
    ),
    "audits:visit-action": Write("visit_past", "observer", upper_may=frozenset({"staff"})),
    "audits:action-detail": Write("action", "staff"),
    "audits:group-checklist": Write("group", "inspector", upper_may=frozenset({"inspector"})),
    "audits:inspection-action": Write("group", "inspector", upper_may=frozenset({"inspector"})),
    "audits:research-action": Write("research_claimed", "staff", upper_may=frozenset({"staff", "inspector"})),
    "audits:rules": Write(None, "staff", query="org={owner}", own=True),
    "reports:digest-compile": Write(None, "staff", source="reports:digest-list", own=True),
    "reports:digest-detail": Write("digest", "staff"),
    "reports:digest-publish": Write("digest", "staff"),  # its confirmation page holds the form
    "reports:run-restart": Write("run", "staff", source="reports:run-list"),
    # Saving before the year is over asks first; the insider confirms (仍然定稿), which sends early=1.
    "reports:summary": Write(None, "staff", query="org={owner}&year={year}", values=(("early", "1"),)),
    # The import page writes only records of the importer's subtree (or new ones inside it), never facts only
    # someone else may establish (issue 13, hole 2). Here outsiders send a takeover (the owner's group moved
    # under the sender, its plans stored approved): the neighbour's staff are refused for touching records
    # outside their subtree, the upper level's staff for the approvals. That the upper level's staff may bring
    # in their towns' records, and a town's staff may not write the county's, is
    # ``test_records_import_writes_only_the_importers_subtree``.
    "reports:records": Write(None, "staff"),
    "practice:plan-targets": Write("plan_draft", "staff"),
    # Members of any organization record their own self-study (``own``); a book, so no research topic (the first
    # the form offers) goes with it.
    "practice:entry-create": Write(None, "member", own=True, values=(("research", None),)),
    "practice:entry-edit": Write("entry", "member", values=(("research", None),)),
    "practice:entry-delete": Write("entry", "member", source="practice:entry-edit"),
    "practice:measure-add": Write("session_first", "staff"),
    # The upper level draws its towns' reported sessions for records checks, records the result and raises actions.
    "practice:spot-draw": Write(
        None, "upper staff", source="practice:calendar", query="org={upper}", upper_may=frozenset({"staff"})
    ),
    "practice:recommend": Write("group", "member"),
    "practice:recommendation": Write("recommendation", "staff"),
    "practice:spot-check": Write("spot_check_open", "upper staff", upper_may=frozenset({"staff", "inspector"})),
    "practice:spot-check-action": Write(
        "spot_check_done", "upper staff", query="finding=学习记录不全", upper_may=frozenset({"staff", "inspector"})
    ),
}
# The apps above the core name their own (``crawl_support.app_crawl_modules``).
WRITES.update({name: Write(**spec) for writes in crawl.app_entries("WRITES") for name, spec in writes.items()})


def url_of(name: str, spec: Write, world: crawl.World, objects: dict | None = None) -> str:
    kwargs = {}
    target = (objects or world.objects).get(spec.target) if spec.target else None
    for param in _params(name):
        if param in ("pk", "group_pk", "session_pk"):
            kwargs[param] = target.pk
        elif param == "year":
            kwargs[param] = timezone.localdate().year
        elif param == "code":
            kwargs[param] = "bayou"
        elif param == "token":
            kwargs[param] = signin.make_token(target, signin.LINK)
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{_query(spec, world)}" if spec.query else url


@functools.cache
def _params(name: str) -> list[str]:
    return dict(walk())[name]


def _query(spec: Write, world: crawl.World) -> str:
    year = timezone.localdate().year
    return spec.query.format(owner=world.owner.pk, upper=world.upper.pk, year=year, next_year_2=year + 2)


def actor_key(spec: Write) -> str:
    return spec.actor if spec.actor.startswith("upper ") else f"owner {spec.actor}"


def source_of(spec: Write, world: crawl.World, url: str) -> str:
    if spec.source is None:
        return url
    return url_of(spec.source, Write(spec.source_target or spec.target, spec.actor, query=spec.query), world)


def judge(spec: Write, side: str, role: str, outcome: crawl.Outcome, world: crawl.World) -> str | None:
    """What is wrong with an outsider's answer, or None."""
    if outcome.status >= 500:
        return f"answered {outcome.status}"
    if side == "upper" and role in spec.upper_may:
        return None
    changed = bool(outcome.gone or outcome.new)
    if spec.own and changed:
        touched = crawl.touches_protected(outcome.new, outcome.gone, world.protected)
        return "wrote the owner's records:\n    " + "\n    ".join(touched[:5]) if touched else None
    if spec.own and outcome.status in (200, 302):
        return None
    if changed:
        return (
            f"changed the database (answer {outcome.status}):\n    {crawl.describe_change(outcome.gone, outcome.new)}"
        )
    refused = (
        outcome.status in (400, 403, 404, 405)
        or (outcome.status == 200 and outcome.form_errors)
        or (outcome.status == 302 and outcome.error_message)
    )
    if not refused:
        return f"answered {outcome.status} {outcome.location} without a refusal (nothing changed)"
    return None


def bodies_for(name: str, spec: Write, world: crawl.World, client, url: str) -> list[dict]:
    if name == "reports:records":
        return [{"bundle": crawl.records_bundle(world, None, takeover=False)}]
    source = source_of(spec, world, url)
    page = client.get(source)
    assert page.status_code == 200, f"the page holding the form of {name} ({source}) answers {page.status_code}"
    target = reverse(spec.form_of, kwargs=_kwargs_of(url)) if spec.form_of else urlsplit(url).path
    bodies = crawl.harvest(page.content, source, urlsplit(target).path)
    assert bodies, f"no form posting to {target} on {source} as the owner's {spec.actor}"
    for body in bodies:
        for key, value in spec.values:
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
    return bodies


def _kwargs_of(url: str) -> dict:
    return resolve(urlsplit(url).path).kwargs


@pytest.mark.parametrize("name", sorted(set(crawl.post_url_names()) - OWN_ACCOUNT))
def test_outsiders_cannot_write_through(name, crawl_world):
    world = crawl_world
    assert name in WRITES, f"{name} accepts POST: add it to WRITES with the insider whose job it is"
    spec = WRITES[name]
    url = url_of(name, spec, world)
    actor = world.clients[actor_key(spec)]
    bodies = bodies_for(name, spec, world, actor, url)
    baseline = crawl.fingerprint()

    controls = [crawl.post_and_roll_back(actor, url, body, baseline) for body in bodies]
    problems = []
    if not any(c.gone or c.new for c in controls):
        problems.append(
            f"the owner's {spec.actor} (control) changed nothing "
            f"(answers {[(c.status, c.form_errors or c.location) for c in controls]}): the insider cannot do this "
            "job with the form as the page offers it, so the refusals below prove nothing"
        )
    problems += _unaudited(spec, world, controls)
    for label, user in crawl.attackers(world):
        side, role = label.split()
        for body in bodies:
            if name == "reports:records":
                body = {"bundle": crawl.records_bundle(world, user, takeover=True)}
            outcome = crawl.post_and_roll_back(world.clients[label], url, body, baseline)
            problem = judge(spec, side, role, outcome, world)
            if problem:
                problems.append(f"{label}: {problem}")
    if spec.target in world.neighbour_objects:
        problems += _own_page_with_the_owners_choices(name, spec, world, bodies, baseline)
    assert not problems, f"POST {url} ({name}) by outsiders:\n  " + "\n  ".join(problems)


def _unaudited(spec: Write, world: crawl.World, controls: list[crawl.Outcome]) -> list[str]:
    """Issue 13 (the audit log is whole): the insider's write leaves, for each row of a logged model it adds,
    changes or deletes, an entry naming that row, and every entry it writes names the insider."""
    role = spec.actor.removeprefix("upper ")
    actor = (world.uppers if spec.actor.startswith("upper ") else world.insiders)[role]
    problems = []
    for control in controls:
        logged = {(kind, pk) for _action, kind, pk, _user in control.audited}
        missing = crawl.audited_rows(control.gone, control.new) - logged
        if missing:
            problems.append(
                f"the owner's {spec.actor} (control) left rows without an audit entry {sorted(missing)[:5]}:\n    "
                + crawl.describe_change(control.gone, control.new)
            )
        strangers = {user for *_entry, user in control.audited} - {actor.pk}
        if strangers:
            problems.append(f"the owner's {spec.actor} (control) wrote audit entries naming users {strangers}")
    return problems


def _own_page_with_the_owners_choices(name, spec, world, bodies, baseline) -> list[str]:
    """The neighbour's roles send the owner's body (the owner's people, sessions, ... in its choice fields) to the
    same page of their own organization or group: whatever they may write there, no row of the owner changes
    and no new row points at one (seating the owner's leader, granting a role to the owner's member)."""
    url = url_of(name, spec, world, world.neighbour_objects)
    problems = []
    for role in crawl.ROLES:
        for body in bodies:
            outcome = crawl.post_and_roll_back(world.clients[f"neighbour {role}"], url, body, baseline)
            if outcome.status >= 500:
                problems.append(f"neighbour {role} on its own {url}: answered {outcome.status}")
            touched = crawl.touches_protected(outcome.new, outcome.gone, world.protected)
            if touched:
                problems.append(
                    f"neighbour {role} on its own {url} wrote the owner's records:\n    " + "\n    ".join(touched[:5])
                )
    return problems


def test_every_write_url_is_crawled():
    posting = set(crawl.post_url_names())
    assert set(WRITES) - posting == set(), "WRITES lists URLs that no longer accept POST"
    assert posting - OWN_ACCOUNT - set(WRITES) == set(), "a URL accepts POST but is not in WRITES"


def test_records_import_writes_only_the_importers_subtree(crawl_world):
    """Decision on issue 13's hole 2: a county's staff importing records of its own towns is allowed (bringing
    in the paper ledgers of the subtree); a neighbouring county's staff sending the same bundle are refused; a
    town's staff writing its county's records are refused. A refusal names the record and changes nothing."""
    world = crawl_world
    url = reverse("reports:records")
    baseline = crawl.fingerprint()
    titles = sorted(
        f"篡改{title}" for title in StudySession.objects.filter(group=world.group).values_list("title", flat=True)
    )

    subtree = crawl.records_bundle(world, None, takeover=False)
    county = crawl.post_and_roll_back(
        world.clients["upper staff"], f"{url}?org={world.upper.pk}", {"bundle": subtree}, baseline, run_jobs=True
    )
    # The page checks the bundle, stores it and queues the import job, which writes the sessions.
    assert (county.status, county.form_errors) == (302, "")
    assert county.location.startswith("/reports/records/imports/")
    table = StudySession._meta.db_table
    job = {RecordsImport._meta.db_table, TaskRun._meta.db_table, OutboxMessage._meta.db_table}
    # The import marks the groups it wrote for the next rollup refresh (``studygroup.rollup_marks``).
    marks = DirtyRollup._meta.db_table
    assert set(county.new) == {table, marks, *job}
    assert county.new[marks] and all(world.group.pk in row for row in county.new[marks])
    assert sorted(value for row in county.new[table] for value in row if value in titles) == titles

    neighbour = crawl.post_and_roll_back(world.clients["neighbour staff"], url, {"bundle": subtree}, baseline)
    assert (neighbour.status, neighbour.gone, neighbour.new) == (200, {}, {})
    for code, title in StudySession.objects.filter(group=world.group).values_list("code", "title"):
        assert (
            f"学习会“{code} {title}”属于本镇党委,不在{crawl.MARK_NEIGHBOUR}县委及其下级范围内" in neighbour.form_errors
        )

    upward = crawl.post_and_roll_back(
        world.clients["owner staff"], url, {"bundle": crawl.upper_records_bundle(world)}, baseline
    )
    assert (upward.status, upward.gone, upward.new) == (200, {}, {})
    assert "organizations[1]:单位“crawl-upper 篡改本县县委”" in upward.form_errors
    assert "groups[1]:中心组“crawl-upper-g 篡改的县委中心组”" in upward.form_errors
    assert upward.form_errors.count("不在本镇党委及其下级范围内,本页面不能修改") == 2
