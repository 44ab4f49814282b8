"""The role matrix (pretix style): insiders can do their jobs. For each role of the owning organization, the
pages it must reach answer 200 and the actions it must take change the records (and answer the redirect after
a successful POST). The refusals are proven by the read, write and download crawls; this table proves the
rules are not so tight that the office, the leader, a member, the assigned observer, the inspector and the
viewer cannot work.

A POST row sends the form of the page, harvested as in the write crawl (``WRITES`` names the page holding it),
and is undone afterwards so every row starts from the same records.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from studygroup.tests.factories import PASSWORD
from tests import crawl_support as crawl
from tests.crawl_support import module_world, world_in_test  # noqa: F401 - the fixtures
from tests.test_write_crawl import WRITES, Write, bodies_for, url_of

GET, POST = "GET", "POST"

# (role of the owner, or "upper staff", method, URL name, the owner's record in the URL, query string)
MATRIX = [
    ("staff", GET, "home", None, ""),
    ("staff", GET, "core:group-detail", "group", ""),
    ("staff", GET, "core:membership-add", "group", ""),
    ("staff", POST, "core:membership-end", "membership", ""),
    ("staff", GET, "core:audit-log", None, ""),
    ("staff", GET, "core:org-people", "org", ""),
    ("staff", POST, "core:account-create", "org", ""),
    ("staff", POST, "core:account-password", "clerk", ""),
    ("staff", POST, "core:grant-create", "org", ""),
    ("staff", POST, "core:grant-withdraw", "clerk_grant", ""),
    ("staff", GET, "plans:plan-list", None, ""),
    ("staff", POST, "plans:plan-create", None, "year={next_year_2}"),
    ("staff", POST, "plans:plan-edit", "plan_draft", ""),
    ("staff", POST, "plans:topic-add", "plan_draft", ""),
    ("staff", POST, "plans:plan-submit", "plan_draft", ""),
    ("staff", GET, "plans:plan-docx", "plan_approved", ""),
    ("staff", POST, "plans:material-add", "group", ""),
    ("staff", POST, "plans:material-publish", "material_draft", ""),
    ("staff", POST, "plans:session-remind", "session_next", ""),
    ("staff", POST, "sessions:session-create", "group", ""),
    ("staff", POST, "sessions:session-edit", "session_next", ""),
    ("staff", GET, "sessions:signin-screen", "session_next", ""),
    ("staff", POST, "sessions:attendance", "session_past", ""),
    ("staff", POST, "sessions:leave-decide", "leave", ""),
    ("staff", GET, "sessions:makeup-list", None, ""),
    ("staff", POST, "sessions:makeup-record", "absence", ""),
    ("staff", POST, "sessions:minutes", "session_past", ""),
    ("staff", POST, "sessions:circular", "session_past", ""),
    ("staff", POST, "sessions:submission-review", "sub_submitted", ""),
    ("staff", POST, "sessions:reviewer", "group", ""),
    ("staff", POST, "sessions:lecture-create", None, ""),
    ("staff", POST, "audits:invite", "session_later", ""),
    ("staff", POST, "audits:action-detail", "action", ""),
    ("staff", POST, "audits:rules", None, "org={owner}"),
    ("staff", GET, "audits:compliance", None, ""),
    ("staff", POST, "reports:digest-detail", "digest", ""),
    ("staff", POST, "reports:digest-publish", "digest", ""),
    ("staff", POST, "reports:summary", None, "org={owner}&year={year}"),
    ("staff", GET, "reports:ledger", None, ""),
    ("staff", GET, "reports:archive", "group", ""),
    ("staff", GET, "reports:records", None, ""),
    ("staff", POST, "reports:records", None, ""),
    ("staff", GET, "practice:group-selfstudy", "group", ""),
    ("staff", POST, "practice:plan-targets", "plan_draft", ""),
    ("staff", POST, "practice:measure-add", "session_first", ""),
    ("staff", GET, "practice:first-topic-ledger", None, ""),
    ("staff", GET, "practice:spot-check", "spot_check_done", ""),
    ("staff", POST, "practice:recommendation", "recommendation", ""),
    ("leader", GET, "home", None, ""),
    ("leader", GET, "plans:plan-detail", "plan_submitted", ""),
    ("leader", POST, "plans:plan-approve", "plan_submitted", ""),
    ("leader", POST, "plans:plan-return", "plan_submitted", ""),
    ("leader", POST, "sessions:leave-decide", "leave", ""),
    ("leader", GET, "sessions:session-detail", "session_past", ""),
    ("leader", GET, "reports:dashboard", None, ""),
    ("leader", GET, "reports:summary", None, "org={owner}"),
    ("leader", GET, "reports:archive", "group", ""),
    ("leader", GET, "practice:group-selfstudy", "group", ""),
    ("member", GET, "home", None, ""),
    ("member", GET, "sessions:my-study", None, ""),
    ("member", GET, "sessions:session-detail", "session_next", ""),
    ("member", POST, "sessions:signin", "session_next", ""),
    ("member", POST, "sessions:leave-ask", "session_next", ""),
    ("member", POST, "sessions:submission-create", None, ""),
    ("member", POST, "sessions:submission-edit", "sub_draft", ""),
    ("member", POST, "sessions:submission-submit", "sub_draft", ""),
    ("member", GET, "plans:material-detail", "material_published", ""),
    ("member", POST, "plans:material-confirm", "material_published", ""),
    ("member", GET, "plans:material-download", "material_file", ""),
    ("member", POST, "plans:research-claim", "research_open", ""),
    ("member", POST, "plans:research-report", "research_claimed", ""),
    ("member", POST, "audits:action-detail", "action", ""),
    ("member", GET, "practice:my-selfstudy", None, ""),
    ("member", GET, "practice:reading-list", "group", ""),
    ("member", POST, "practice:recommend", "group", ""),
    ("member", GET, "practice:recommendation-download", "recommendation", ""),
    ("member", POST, "practice:entry-create", None, ""),
    ("member", POST, "practice:entry-edit", "entry", ""),
    ("member", POST, "practice:entry-delete", "entry", ""),
    ("member", GET, "practice:entry-download", "entry", ""),
    ("observer", GET, "audits:my-visits", None, ""),
    ("observer", GET, "audits:visit-detail", "visit_next", ""),
    ("observer", GET, "sessions:session-detail", "session_next", ""),
    ("observer", GET, "plans:material-detail", "material_published", ""),
    ("observer", POST, "audits:visit-pre-review", "visit_next", ""),
    ("observer", POST, "audits:visit-listen", "visit_past", ""),
    ("observer", POST, "audits:visit-report-draft", "visit_past", ""),
    ("observer", POST, "audits:visit-report", "visit_past", ""),
    ("observer", POST, "audits:visit-action", "visit_past", ""),
    ("inspector", GET, "audits:compliance", None, ""),
    ("inspector", GET, "audits:compliance-xlsx", None, ""),
    ("inspector", POST, "audits:group-checklist", "group", ""),
    ("inspector", POST, "audits:inspection-action", "group", ""),
    ("inspector", GET, "plans:plan-detail", "plan_approved", ""),
    ("inspector", GET, "sessions:session-detail", "session_past", ""),
    ("inspector", GET, "reports:dashboard", None, ""),
    ("viewer", GET, "home", None, ""),
    ("viewer", GET, "reports:dashboard", None, ""),
    ("viewer", GET, "reports:summary", None, "org={owner}"),
    ("viewer", GET, "reports:ledger", None, "org={owner}"),
    ("viewer", GET, "plans:plan-list", None, ""),
    ("viewer", GET, "plans:plan-detail", "plan_approved", ""),
    ("viewer", GET, "sessions:session-list", None, ""),
    ("viewer", GET, "sessions:session-detail", "session_past", ""),
    ("viewer", GET, "audits:compliance", None, ""),
    ("viewer", GET, "audits:action-list", None, ""),
    ("viewer", GET, "practice:group-selfstudy", "group", ""),
    ("viewer", GET, "practice:first-topic-ledger", None, "org={owner}"),
    # The county's staff: they answer invitations to observe, keep their towns' accounts and bring in their
    # towns' records (the import page writes the importer's subtree).
    ("upper staff", GET, "audits:invitations", None, "org={upper}"),
    ("upper staff", POST, "audits:invitation-answer", "invitation", "org={upper}"),
    ("upper staff", GET, "core:org-people", "org", ""),
    ("upper staff", POST, "core:grant-create", "org", ""),
    ("upper staff", POST, "reports:records", None, "org={upper}"),
    ("upper staff", GET, "practice:calendar", None, "org={upper}"),
    ("upper staff", POST, "practice:spot-draw", None, "org={upper}"),
    ("upper staff", GET, "practice:spot-draw-detail", "spot_draw", ""),
    ("upper staff", POST, "practice:spot-check", "spot_check_open", ""),
    ("upper staff", POST, "practice:spot-check-action", "spot_check_done", "finding=学习记录不全"),
    # Everyone keeps their own password and e-mail address.
    *[
        (role, method, name, None, "")
        for role in [*crawl.ROLES, "upper staff"]
        for name in ("password_change", "email_change")
        for method in (GET, POST)
    ],
]
# The apps above the core name their own rows (``crawl_support.app_crawl_modules``).
MATRIX += [row for rows in crawl.app_entries("MATRIX") for row in rows]
# Forms of one's own account: the current password the insider types (``crawl_support.PASSWORD``).
OWN_FORMS = {
    "password_change": Write(
        None,
        "",
        values=(
            ("old_password", PASSWORD),
            ("new_password1", "Crawl-New-Password-2026"),
            ("new_password2", "Crawl-New-Password-2026"),
        ),
    ),
    "email_change": Write(None, "", values=(("email", "own-address@example.com"), ("password", PASSWORD))),
}
ACTORS = [*crawl.ROLES, "upper staff"]
# Where an actor must pick other than the page's first choice: the first person the county's staff are offered
# already holds the first role at the town.
ROW_VALUES = {("upper staff", "core:grant-create"): (("role", "inspector"),)}


def _spec(role: str, method: str, name: str, target: str | None, query: str) -> Write:
    base = (WRITES.get(name) or OWN_FORMS.get(name)) if method == POST else None
    if base is None:
        return Write(target, role, query=query)
    return Write(
        target,
        role,
        source=base.source,
        query=query or base.query,
        form_of=base.form_of,
        source_target=base.source_target,
        values=base.values + ROW_VALUES.get((role, name), ()),
    )


@pytest.mark.parametrize("role", ACTORS)
def test_insiders_reach_their_pages_and_do_their_jobs(role, crawl_world):
    world = crawl_world
    client = world.clients[role if role.startswith("upper ") else f"owner {role}"]
    problems = []
    for row_role, method, name, target, query in MATRIX:
        if row_role != role:
            continue
        spec = _spec(role, method, name, target, query)
        url = url_of(name, spec, world)
        if method == GET:
            status = client.get(url).status_code
            if status != 200:
                problems.append(f"GET {url} ({name}) answered {status}")
            continue
        problems += _act(name, spec, world, client, url)
    who = role if role.startswith("upper ") else f"the owner's {role}"
    assert not problems, f"{who} cannot do their job:\n  " + "\n  ".join(problems)


def _act(name: str, spec: Write, world: crawl.World, client, url: str) -> list[str]:
    if name == "reports:records":
        bodies = [{"bundle": crawl.records_bundle(world, None, takeover=False)}]
    else:
        try:
            bodies = bodies_for(name, spec, world, client, url)
        except AssertionError as exc:
            return [f"POST {url} ({name}): {exc}"]
    baseline = crawl.fingerprint()
    outcomes = [crawl.post_and_roll_back(client, url, body, baseline) for body in bodies]
    done = [o for o in outcomes if (o.gone or o.new) and o.status in (200, 302) and not o.error_message]
    if done:
        return []
    shown = [(o.status, o.form_errors or urlsplit(o.location).path or "no change") for o in outcomes]
    return [f"POST {url} ({name}) did not do it: {shown}"]
