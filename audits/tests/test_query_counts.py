"""The audits pages run the same number of queries whatever the size of what they show (two sizes each)."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from audits.tests.factories import InspectionFactory, ObserverVisitFactory, RulesDocumentFactory
from plans.tests.factories import MaterialFactory, StudyPlanFactory
from sessions.tests.factories import AttendanceFactory, SpeechFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen")]
YEAR = 2026


@pytest.fixture
def _frozen():
    with freeze_time("2026-12-01 08:00:00"):
        yield


def group_year(*, sessions: int, members: int):
    """A group with ``sessions`` held sessions and ``members`` seats, every kind of 八有/七有 evidence present
    (but the year summary, which the reports app keeps: its query runs all the same)."""
    group = StudyGroupFactory(organization=OrganizationFactory())
    RulesDocumentFactory(organization=group.organization)
    StudyPlanFactory(group=group, year=YEAR, status="approved")
    people = [MembershipFactory(group=group, start_on=datetime.date(YEAR, 1, 1)).person for _ in range(members)]
    MembershipFactory(group=group, role="secretary", start_on=datetime.date(YEAR, 1, 1))
    for index in range(sessions):
        starts = datetime.datetime(YEAR, index % 11 + 1, 10, 1, tzinfo=datetime.UTC)
        session = StudySessionFactory(
            group=group,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            minutes="记录" if index % 2 else "",
            plan_text="方案" if index % 3 else "",
        )
        AttendanceFactory(session=session, person=people[index % members])
        SpeechFactory(session=session)
        MaterialFactory(group=group, session=session)
        SubmissionFactory(group=group, session=session, person=people[0], kind="discussion", status="submitted")
        ObserverVisitFactory(session=session)
    for person in people[: members // 2 + 1]:
        for kind in ("notes", "reflection"):
            SubmissionFactory(
                group=group, person=person, kind=kind, status="submitted", submitted_on=datetime.date(YEAR, 5, 1)
            )
    InspectionFactory(group=group, year=YEAR)
    return group


@pytest.mark.parametrize("checklist", ["bayou", "qiyou"])
def test_checklist_evidence_page_runs_a_fixed_number_of_queries(client, checklist):
    expected = {"bayou": 31, "qiyou": 25}[checklist]
    # The sizes of issue 16: 5 and 40 sessions (the page ran 39 and 74 queries when it read them one by one).
    for sessions, members in ((5, 2), (40, 9)):
        group = group_year(sessions=sessions, members=members)
        client.force_login(user_with_role("viewer", group.organization))
        url = reverse("audits:group-checklist", args=[group.pk, YEAR, checklist])
        with assert_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
        if checklist == "bayou":
            minutes = response.content.decode().split('id="item-minutes"')[1].split("</section>")[0]
            assert minutes.count('href="/sessions/') == sessions


@pytest.mark.parametrize("query", ["", "&item=minutes&status=partial"])
@pytest.mark.parametrize(("role", "level"), [("viewer", "county"), ("staff", "province"), ("leader", "county")])
def test_compliance_page_cuts_the_page_in_sql_at_two_sizes(client, query, role, level):
    """Page 1 of 80 groups costs what page 1 of 5 costs: only the page's statuses are computed; a group of
    another county is not in the table."""
    for size in (5, 80):
        province = OrganizationFactory(kind="province")
        top = OrganizationFactory(kind="county", parent=OrganizationFactory(kind="city", parent=province))
        for index in range(size):
            group = StudyGroupFactory(organization=OrganizationFactory(parent=top))
            if index % 2 == 0:  # every other group: one session with minutes, one without (minutes partial)
                for month, minutes in ((3, "记录"), (4, "")):
                    starts = datetime.datetime(YEAR, month, 10, 1, tzinfo=datetime.UTC)
                    StudySessionFactory(
                        group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), minutes=minutes
                    )
        other = StudyGroupFactory(organization=OrganizationFactory(parent=OrganizationFactory(kind="county")))
        client.force_login(user_with_role(role, top if level == "county" else province))
        url = reverse("audits:compliance") + f"?year={YEAR}{query}"
        client.get(url)
        with assert_queries(23):
            page = client.get(url).content.decode()
        shown = (size + 1) // 2 if query else size
        assert page.count('href="/audits/groups/') == min(shown, 50)
        assert ("第 1 页,共 2 页" in page) is (50 < shown <= 100)
        assert f'href="/audits/groups/{other.pk}/' not in page
        assert client.get(url + f"&org={other.organization.pk}").status_code == 404


def held_session(group, days: int):
    starts = datetime.datetime(2026, 12, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=days)
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))


@pytest.mark.parametrize("towns", [2, 12])
@pytest.mark.parametrize("level", ["city", "province"])
def test_coverage_page_summarises_by_child_and_pages_the_groups(client, towns, level):
    """A city with two counties and ``towns`` towns under each: one town in three observed, one visit ahead per
    county; the page counts in SQL per county and lists a page of groups."""
    province = OrganizationFactory(kind="province")
    city = OrganizationFactory(kind="city", parent=province)
    StudyGroupFactory(organization=city)
    counties = [OrganizationFactory(parent=city, kind="county") for _ in range(2)]
    for county in counties:
        StudyGroupFactory(organization=county)
        for index in range(towns):
            group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
            if index % 3 == 0:
                ObserverVisitFactory(session=held_session(group, -20), organization=county)
        ObserverVisitFactory(session=held_session(group, 10), organization=county)
    staff = user_with_role("staff", city if level == "city" else province)
    client.force_login(staff)
    url = reverse("audits:coverage") + f"?year={YEAR}&org={city.pk}"
    # The province's staff drill down to the city: the city read and the trail between them, two more.
    with assert_queries(20 if level == "city" else 22):
        page = client.get(url).content.decode()
    observed = (towns + 2) // 3
    by_county = page.split('id="coverage-by-organization"')[1].split("</table>")[0]
    for county in counties:
        row = by_county.split(county.name)[1].split("</tr>")[0]
        expected = [towns + 1, observed, f"{round(100 * observed / (towns + 1))}%", 1]
        assert [cell.split(">")[-1] for cell in row.split("</td>")[1:5]] == [str(value) for value in expected]
    total = 1 + 2 * (towns + 1)
    assert f'id="ratio">{round(100 * 2 * observed / total)}%<' in page and 'id="planned">2<' in page
    assert page.split('id="coverage"')[1].split("</table>")[0].count("<tr") - 1 == min(total, 100)
    # A county's page, reached from the city's, and nothing for a county of another city.
    assert counties[0].name in client.get(url + f"&org={counties[0].pk}").content.decode()
    assert client.get(url + f"&org={OrganizationFactory().pk}").status_code == 404
