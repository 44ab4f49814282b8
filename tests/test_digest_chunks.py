"""Digests compiled a chunk of organizations at a time (issue 16): every digest says exactly what the
organization's own compile (``digest.build``) says, and a chunk's queries do not grow with its size."""

import datetime

import pytest
from django.utils import timezone

from assessments.tests.factories import KnowledgeTestFactory, SittingFactory
from audits.tests.factories import ActionFactory, ObserverVisitFactory
from plans.models import PlanTopic
from plans.tests.factories import MaterialFactory, PlanTopicFactory, StudyPlanFactory
from practice.tests.factories import SelfStudyEntryFactory
from reports import digest, services, tasks
from reports.models import MonthlyDigest, TaskRun
from reports.tasks import compile_digests
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import AuditEntry, Organization, StudyGroup
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

YEAR, MONTH = 2026, 10


def _at(day: int, hour: int = 9, month: int = MONTH) -> datetime.datetime:
    return datetime.datetime(YEAR, month, day, hour, tzinfo=timezone.get_current_timezone())


def _records(organization: Organization, n: int) -> None:
    """A month of records of every kind the digest shows for ``organization``'s group, and some of other months
    that it must leave out."""
    group = StudyGroupFactory(organization=organization)
    plan = StudyPlanFactory(group=group, year=YEAR)
    seated = [MembershipFactory(group=group, start_on=datetime.date(YEAR, 1, 1)).person for _index in range(3)]
    sessions = [
        StudySessionFactory(group=group, starts_at=_at(3 + n % 20), title=f"集体学习{n}"),
        StudySessionFactory(group=group, starts_at=_at(5 + n % 20, 15), kind="first_topic", title=f"第一议题{n}"),
    ]
    StudySessionFactory(group=group, starts_at=_at(20, month=9))  # another month
    for session in sessions:
        for person, status in zip(seated, ["present", "late", "absent"][: 1 + n % 3], strict=False):
            AttendanceFactory(session=session, person=person, status=status)
    ActionFactory(group=group, session=sessions[1], owner=seated[0], problem=f"问题{n}")
    if n % 2:
        ObserverVisitFactory(session=sessions[0], rating="good", findings=f"研讨聚焦\n发言深入{n}")
    supplementary = PlanTopicFactory(plan=plan, month=MONTH, is_supplementary=True, title=f"最新讲话{n}")
    earlier = PlanTopicFactory(plan=plan, month=8, is_supplementary=True, title=f"八月讲话{n}")
    PlanTopicFactory(plan=plan, month=MONTH + 1, title=f"下月专题{n}")
    PlanTopicFactory(plan=plan, month=9, is_supplementary=True, added_on=datetime.date(YEAR, MONTH, 2 + n % 20))
    MaterialFactory(group=group, topic=supplementary, published_at=_at(2 + n % 20, 8), title=f"讲话原文{n}")
    MaterialFactory(group=group, topic=earlier, published_at=_at(6, 10 + n % 5), title=f"补学资料{n}")
    MaterialFactory(group=group, published_at=_at(7, 11), title=f"普通资料{n}")
    MaterialFactory(group=group, published_at=_at(7, 11, month=11))  # another month
    SubmissionFactory(
        group=group, person=seated[0], status="approved", is_recommended=True, submitted_on=_at(8 + n % 3).date()
    )
    SubmissionFactory(
        group=group, person=seated[1], status="submitted", is_recommended=True, submitted_on=_at(9).date()
    )
    test = KnowledgeTestFactory(organization=organization, opens_at=_at(12), held_on=_at(12).date())
    SittingFactory(test=test, person=seated[0], score=50 + 10 * (n % 4))
    SittingFactory(test=test, person=seated[1], score=None)
    SelfStudyEntryFactory(person=seated[0], on=_at(14).date(), kind=["book", "field_stay", "report"][n % 3])
    SelfStudyEntryFactory(person=seated[1], on=_at(14, month=9).date())  # another month


@pytest.fixture
def province(settings):
    """A province → 2 cities → 2 counties each → 2 towns each, every one with a group and a month of records;
    a county's digest (3 groups) lists every session, a city's (7) and the province's are summarised."""
    settings.DIGEST_DETAIL_LIMIT = 3
    province = OrganizationFactory(name="某省委", kind="region")
    organizations = [province]
    for c in range(2):
        city = OrganizationFactory(parent=province, name=f"第{c}市委", kind="city")
        organizations.append(city)
        for k in range(2):
            county = OrganizationFactory(parent=city, name=f"第{c}{k}县委", kind="county")
            organizations.append(county)
            organizations += [OrganizationFactory(parent=county, name=f"第{c}{k}{t}镇党委") for t in range(2)]
    for n, organization in enumerate(organizations):
        _records(organization, n)
    # Self-study: a town's member also seated in the county's group counts once for the county; a member who
    # left before the entry's date counts nowhere.
    town = Organization.objects.get(name="第010镇党委")
    reader = MembershipFactory(group=StudyGroup.objects.get(organization=town)).person
    MembershipFactory(group=StudyGroup.objects.get(organization=town.parent), person=reader)
    SelfStudyEntryFactory(person=reader, on=_at(15).date(), kind="book")
    gone = MembershipFactory(group=StudyGroup.objects.get(organization=town), end_on=_at(1).date()).person
    SelfStudyEntryFactory(person=gone, on=_at(15).date(), kind="report")
    return province


def test_every_digest_of_a_chunked_run_says_what_its_own_compile_says(province, monkeypatch):
    monkeypatch.setattr(tasks, "DIGEST_CHUNK", 4)  # chunks that cut across counties and cities
    assert compile_digests(YEAR, MONTH, province.pk) == 15
    run = TaskRun.objects.get()
    assert (run.state, run.done, run.total, run.failures) == ("succeeded", 15, 15, 0)
    stored = {d.organization_id: d for d in MonthlyDigest.objects.filter(year=YEAR, month=MONTH)}
    organizations = Organization.objects.filter(path__startswith=province.path).order_by("path")
    assert set(stored) == {o.pk for o in organizations}
    for organization in organizations:
        assert stored[organization.pk].content == digest.build(organization, YEAR, MONTH), organization.name
        assert stored[organization.pk].number == 1
    # The data reaches every section: a county's digest has items in each.
    county = stored[Organization.objects.get(name="第01县委").pk].content
    assert all(county[key] for key in digest.section_keys() if key != "children"), county
    assert stored[province.pk].content["children"] and county["figures"]["visits"] == 2
    # Entries of 第01县委 (n=5: report), its towns (n=6, 7: book, field_stay) and the reader seated twice.
    assert {item["kind"]: item["count"] for item in county["selfstudy"]} == {"book": 2, "field_stay": 1, "report": 1}
    # The speeches: this month's, one added this month to September, one of August a material brought along.
    assert sorted(item["title"] for item in county["speeches"] if item["org"] == "第01县委") == sorted(
        ["八月讲话5", "最新讲话5", PlanTopic.objects.get(plan__group__organization__name="第01县委", month=9).title]
    )
    created = AuditEntry.objects.filter(object_type="reports.monthlydigest", action=AuditEntry.Action.CREATE)
    assert created.count() == 15


def test_compiling_a_chunk_again_updates_the_same_drafts_and_keeps_a_published_one(province):
    towns = list(Organization.objects.filter(kind="town").order_by("path"))
    first = {d.organization_id: d for d in services.digest_compile_many(organizations=towns, year=YEAR, month=MONTH)}
    published = MonthlyDigest.objects.get(pk=first[towns[0].pk].pk)
    published.status, published.content = MonthlyDigest.Status.PUBLISHED, {"period": "已发布"}
    published.save()
    SubmissionFactory(
        group=StudyGroup.objects.get(organization=towns[1]),
        status="approved",
        is_recommended=True,
        submitted_on=_at(28).date(),
        title="补充心得",
    )
    services.digest_compile_many(organizations=towns, year=YEAR, month=MONTH)
    digests = {d.organization_id: d for d in MonthlyDigest.objects.filter(organization__in=towns)}
    assert len(digests) == len(towns)
    assert digests[towns[0].pk].content == {"period": "已发布"}
    assert digests[towns[1].pk].content == digest.build(towns[1], YEAR, MONTH)
    assert "补充心得" in [item["title"] for item in digests[towns[1].pk].content["reflections"]]
    assert digests[towns[2].pk].compiled_at > first[towns[2].pk].compiled_at


def test_a_month_compiled_before_an_earlier_one_is_numbered_after_it_as_alone(province):
    towns = list(Organization.objects.filter(kind="town").order_by("path"))
    services.digest_compile_many(organizations=towns, year=YEAR, month=11)
    services.digest_compile_many(organizations=towns, year=YEAR, month=MONTH)
    numbers = set(MonthlyDigest.objects.filter(organization__in=towns).values_list("month", "number"))
    assert numbers == {(MONTH, 1), (11, 2)}
    renumbered = AuditEntry.objects.filter(object_type="reports.monthlydigest", changes__number=[1, 2])
    assert renumbered.count() == len(towns)


def _county_with_towns(name: str, towns: int) -> list[Organization]:
    county = OrganizationFactory(name=name, kind="county")
    organizations = [county, *(OrganizationFactory(parent=county, name=f"{name}{t}镇") for t in range(towns))]
    for n, organization in enumerate(organizations):
        _records(organization, n)
    return organizations


def test_a_chunk_is_compiled_in_the_same_number_of_queries_at_two_sizes(settings):
    settings.DIGEST_DETAIL_LIMIT = 50
    small = _county_with_towns("甲县委", 2)
    large = _county_with_towns("乙县委", 6) + _county_with_towns("丙县委", 5)
    # A savepoint and its release; 1 lock of the month's digests; 1 group count; 1 subtree; 8 for the core's
    # sections (2 for the speeches); 8 for those of the apps above (each its subtree and records; 1 more for the
    # 第一议题 measures and for the self-study seats); 1 earlier-issue count, 1 insert, 1 log insert, 1 renumbering.
    for chunk in (small, large):
        with assert_queries(25):
            services.digest_compile_many(organizations=chunk, year=YEAR, month=MONTH)
    assert MonthlyDigest.objects.count() == len(small) + len(large)
    # Compiled again: 1 bulk update and 1 log insert instead of the count, the inserts and the renumbering.
    for chunk in (small, large):
        with assert_queries(23):
            services.digest_compile_many(organizations=chunk, year=YEAR, month=MONTH)


def test_an_organization_gone_from_a_chunk_is_recorded_as_failed_and_the_others_are_compiled():
    from reports import runs
    from reports.tasks import compile_digest_chunk
    from studygroup import jobs

    towns = _county_with_towns("丁县委", 2)
    gone = max(Organization.objects.values_list("pk", flat=True)) + 1
    holder = "delivery-1"
    run, _startable = runs.open_run(name="compile_digests", key=f"digests:{YEAR}-{MONTH:02d}:all")
    runs.begin(run, holder, 4)
    assert jobs.lease_take(run.key, holder)
    compile_digest_chunk.apply(args=(YEAR, MONTH, [o.pk for o in towns] + [gone], run.pk, holder))
    run.refresh_from_db()
    assert (run.done, run.failures) == (3, 1)
    assert run.failed == [{"item": str(gone), "error": "该单位已不存在。"}]
    stored = {d.organization_id: d.content for d in MonthlyDigest.objects.all()}
    assert stored == {o.pk: digest.build(o, YEAR, MONTH) for o in towns}
