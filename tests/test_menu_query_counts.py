"""Every page of the menu runs a pinned number of queries for each role that has it, whatever the size of the
tree below (Zulip's ``assert_database_query_count``): measured on the crawl world, then again after the county
has grown by towns full of records and the owner's group by more of everything. A page whose count moved does
a query per row; the failure lists the queries of both runs so the one that came is plain to see.

When a page changes on purpose, run this module and copy the new count into ``PINNED``.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits.tests.factories import ActionFactory, ObserverVisitFactory
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from sessions.models import StudySession
from sessions.tests.factories import (
    AttendanceFactory,
    LeaveRequestFactory,
    StudySessionFactory,
    SubmissionFactory,
)
from studygroup import access
from studygroup.navigation import navigation_for
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory
from tests.crawl_support import module_world, world_in_test  # noqa: F401 - the fixtures

# who -> {menu path: queries of the page for that user}; the leader's and inspector's menus are the viewer's
# and the staff's plus or minus an entry, and their pages are the same views.
PINNED: dict[str, dict[str, int]] = {
    "owner staff": {
        "/": 22,
        "/orgs/": 8,
        "/plans/": 12,
        "/plans/materials/": 7,
        "/plans/research/": 7,
        "/sessions/": 8,
        "/sessions/submissions/": 7,
        "/sessions/makeups/": 8,
        "/sessions/lectures/": 7,
        "/practice/selfstudy/groups/": 14,
        "/practice/first-topic/": 12,
        "/practice/readings/": 11,
        "/audits/compliance/": 19,
        "/audits/actions/": 7,
        "/audits/rules/": 7,
        "/assessments/": 8,
        "/assessments/banks/": 7,
        "/reports/dashboard/": 37,
        "/reports/digests/": 8,
        "/reports/summary/": 44,
        "/reports/runs/": 7,
        "/reports/records/": 7,
        "/people/": 13,
        "/audit/": 7,
    },
    "owner leader": {
        "/": 23,
        "/orgs/": 8,
        "/plans/": 11,
        "/plans/research/": 7,
        "/sessions/": 7,
        "/sessions/submissions/": 7,
        "/sessions/lectures/": 7,
        "/practice/selfstudy/groups/": 14,
        "/practice/first-topic/": 12,
        "/audits/compliance/": 19,
        "/audits/actions/": 7,
        "/assessments/": 7,
        "/reports/dashboard/": 37,
        "/reports/digests/": 6,
        "/reports/summary/": 44,
    },
    "owner member": {
        "/": 16,
        "/sessions/my/": 11,
        "/practice/selfstudy/": 11,
        "/orgs/": 8,
        "/plans/": 7,
        "/plans/materials/": 7,
        "/plans/research/": 7,
        "/sessions/": 7,
        "/sessions/submissions/": 7,
        "/sessions/lectures/": 7,
        "/practice/readings/": 11,
        "/audits/actions/": 7,
        "/assessments/": 7,
        "/reports/digests/": 7,
    },
    "owner observer": {
        "/": 11,
        "/audits/visits/": 6,
        "/plans/": 5,
        "/plans/research/": 5,
        "/sessions/": 7,
        "/sessions/lectures/": 5,
        "/practice/calendar/": 11,
        "/audits/actions/": 6,
        "/assessments/": 7,
    },
    "upper staff": {
        "/": 22,
        "/orgs/": 8,
        "/plans/": 12,
        "/plans/materials/": 7,
        "/plans/research/": 7,
        "/sessions/": 8,
        "/sessions/submissions/": 7,
        "/sessions/makeups/": 8,
        "/sessions/lectures/": 7,
        "/practice/selfstudy/groups/": 6,
        "/practice/first-topic/": 12,
        "/practice/calendar/": 11,
        "/practice/readings/": 11,
        "/audits/coverage/": 16,
        "/audits/planning/": 21,
        "/audits/invitations/": 9,
        "/audits/compliance/": 19,
        "/audits/actions/": 7,
        "/audits/rules/": 7,
        "/assessments/": 8,
        "/assessments/banks/": 7,
        "/reports/dashboard/": 37,
        "/reports/digests/": 8,
        "/reports/summary/": 44,
        "/reports/runs/": 7,
        "/reports/records/": 7,
        "/people/": 13,
        "/audit/": 7,
    },
    "upper viewer": {
        "/": 16,
        "/orgs/": 8,
        "/plans/": 11,
        "/plans/research/": 7,
        "/sessions/": 7,
        "/sessions/lectures/": 7,
        "/practice/selfstudy/groups/": 6,
        "/practice/first-topic/": 12,
        "/practice/calendar/": 11,
        "/audits/compliance/": 19,
        "/audits/actions/": 7,
        "/assessments/": 7,
        "/reports/dashboard/": 37,
        "/reports/digests/": 6,
        "/reports/summary/": 44,
    },
}

WHO = list(PINNED)


def menu_paths(user) -> list[str]:
    """The paths of every menu entry the user is shown, submenus included."""
    paths = []
    for entry in navigation_for(user):
        paths.extend(child["url"] for child in entry.get("children", [entry]))
    return paths


def user_of(world, who: str):
    side, role = who.split(" ", 1)
    return (world.insiders if side == "owner" else world.uppers)[role]


def queries_of(client, path: str) -> list[str]:
    client.get(path, follow=True)  # the first visit may fill caches or note a first sight: measure the second
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, follow=True)  # an entry may lead on to the one page it has
    assert response.status_code == 200, (path, response.status_code)
    return [query["sql"] for query in context.captured_queries]


def fill(group, *, year: int, sessions: int, with_plan: bool) -> list:
    """Give ``group`` three members, held sessions with attendance, submissions and actions, a session ahead with
    a leave request and, if asked, an approved plan; return the held sessions."""
    now = timezone.now()
    people = [MembershipFactory(group=group).person for _ in range(3)]
    if with_plan:
        PlanTopicFactory(plan=StudyPlanFactory(group=group, year=year, status="approved"), month=4)
    held = []
    for index in range(sessions):
        starts = now - datetime.timedelta(days=10 + index)
        session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
        for person, status in zip(people, ["present", "leave", "absent"], strict=True):
            AttendanceFactory(session=session, person=person, status=status)
        SubmissionFactory(group=group, person=people[0], session=session, status="submitted")
        ActionFactory(group=group, owner=people[1], session=session)
        held.append(session)
    ahead = StudySessionFactory(
        group=group, starts_at=now + datetime.timedelta(days=5), ends_at=now + datetime.timedelta(days=5, hours=2)
    )
    LeaveRequestFactory(session=ahead, person=people[2])
    return held


def grow(world, *, towns: int = 3, sessions: int = 3) -> None:
    """Three more towns under the owner's county, each with its group's records and an observer's visit, and more
    of everything in the owner's own group."""
    year = timezone.localdate().year
    observer = world.insiders["observer"].person
    for _ in range(towns):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=world.upper))
        held = fill(group, year=year, sessions=sessions, with_plan=True)
        ObserverVisitFactory(session=held[0], organization=world.upper, observer=observer, report="旁听报告")
    fill(world.group, year=year, sessions=sessions, with_plan=False)


@pytest.mark.parametrize("who", WHO)
def test_every_menu_page_runs_a_pinned_number_of_queries_at_two_sizes(crawl_world, who):
    client, user = crawl_world.clients[who], user_of(crawl_world, who)
    paths = menu_paths(user)
    assert paths, f"{who} is shown no menu entry"
    small = {path: queries_of(client, path) for path in paths}
    sessions_before = access.visible(StudySession.objects.all(), user).count()
    grow(crawl_world)
    assert access.visible(StudySession.objects.all(), user).count() > sessions_before, "the data did not grow"
    large = {path: queries_of(client, path) for path in paths}

    moved = {path: (len(small[path]), len(large[path])) for path in paths if len(small[path]) != len(large[path])}
    listing = "\n\n".join(
        f"{path}: {before} -> {after} queries\n  small:\n    "
        + "\n    ".join(small[path])
        + "\n  large:\n    "
        + "\n    ".join(large[path])
        for path, (before, after) in moved.items()
    )
    assert not moved, f"the query count grew with the data for {who}:\n{listing}"
    counts = {path: len(queries) for path, queries in small.items()}
    assert counts == PINNED.get(who), f"{who!r}: {counts!r},"
