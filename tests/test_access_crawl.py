"""The access crawl: every URL of the project, filled with another organization's records, requested as every
role of one organization and anonymously. Nobody sees the other organization's records, anonymous users go to
the login page, and nothing answers 500."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from audits.tests.factories import (
    ActionFactory,
    ObserverPoolMemberFactory,
    ObserverVisitFactory,
    RandomDrawFactory,
    VisitInvitationFactory,
)
from plans.tests.factories import (
    FileMaterialFactory,
    PlanTopicFactory,
    ResearchReportFactory,
    ResearchTopicFactory,
    StudyPlanFactory,
)
from practice.models import Recommendation, SpotCheck, SpotCheckDraw
from practice.tests.factories import SelfStudyEntryFactory
from reports.models import MonthlyDigest, RecordsImport, TaskRun
from sessions.tests.factories import (
    AttendanceFactory,
    LeaveRequestFactory,
    MinutesAttachmentFactory,
    StudySessionFactory,
    SubmissionFactory,
)
from studygroup.tests.factories import (
    MembershipFactory,
    NotificationFactory,
    OrganizationFactory,
    PersonFactory,
    RoleGrantFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)
from tests import crawl_support as crawl

pytestmark = pytest.mark.django_db
SECRET = "邻县机密"
ROLES = ["staff", "leader", "member", "observer", "inspector", "viewer"]


def walk(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", list(pattern.pattern.converters)


@pytest.fixture
def other():
    """Everything of a neighbouring county, named so a leak shows."""
    root = OrganizationFactory(name="市委")
    county = OrganizationFactory(parent=root, name=f"{SECRET}县委")
    town = OrganizationFactory(parent=county, name=f"{SECRET}镇")
    group = StudyGroupFactory(organization=town, name=f"{SECRET}中心组")
    seat = MembershipFactory(group=group, person__name=f"{SECRET}成员")
    start = timezone.now() + datetime.timedelta(days=3)
    session = StudySessionFactory(
        group=group, title=f"{SECRET}学习会", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    plan = StudyPlanFactory(group=group, status="approved")
    research = ResearchTopicFactory(group=group, title=f"{SECRET}课题")
    visit = ObserverVisitFactory(session=session, organization=county)
    digest = MonthlyDigest.objects.create(
        organization=county, year=2026, month=10, number=1, status="published", content={"period": SECRET}
    )
    objects = {
        "org": town,
        "group": group,
        "membership": seat,
        "session": session,
        "plan": plan,
        "topic": PlanTopicFactory(plan=plan, title=f"{SECRET}专题"),
        "material": FileMaterialFactory(group=group, session=session, title=f"{SECRET}资料"),
        "research": research,
        "report": ResearchReportFactory(topic=research),
        "submission": SubmissionFactory(
            group=group, session=session, person=seat.person, status="approved", title=f"{SECRET}心得"
        ),
        "leave": LeaveRequestFactory(session=session, person=seat.person),
        "attachment": MinutesAttachmentFactory(session=session),
        "visit": visit,
        "action": ActionFactory(group=group, problem=f"{SECRET}问题"),
        "pool": ObserverPoolMemberFactory(organization=county),
        "draw": RandomDrawFactory(organization=county),
        "invitation": VisitInvitationFactory(session=session, organization=county),
        "digest": digest,
        "notification": NotificationFactory(title=f"{SECRET}通知"),
        "grant": RoleGrantFactory(organization=town, role="viewer", person=seat.person),
        "person": PersonFactory(organization=town, name=f"{SECRET}账号", user=UserFactory()),
    }
    objects["attendance"] = AttendanceFactory(session=session, person=seat.person, status="leave")
    objects["records_import"] = RecordsImport.objects.create(
        organization=town, file_name=f"{SECRET}.json", errors=[SECRET], finished_at=timezone.now()
    )
    objects["run"] = TaskRun.objects.create(
        name="compile_digests",
        key=f"digests:2026-10:{county.pk}",
        organization=county,
        params={"year": 2026, "month": 10, "organization_id": county.pk},
        message=SECRET,
    )
    for build_other in crawl.app_entries("build_other"):  # the apps above the core add their own records
        objects.update(build_other(objects, SECRET))
    objects["entry"] = SelfStudyEntryFactory(person=seat.person, title=f"{SECRET}自学")
    objects["recommendation"] = Recommendation.objects.create(
        group=group, recommended_by=seat.person, title=f"{SECRET}读物", why=SECRET, file=ContentFile(b"x", name="r.txt")
    )
    objects["spot_draw"] = SpotCheckDraw.objects.create(
        organization=county,
        seed=SECRET,
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 1, 31),
        count=1,
        inputs={"sessions": [], "checked": {}, "count": 1},
        result=[],
        by=UserFactory(),
    )
    objects["spot_check"] = SpotCheck.objects.create(
        organization=county,
        session=session,
        draw=objects["spot_draw"],
        findings=SECRET,
        checked_on=datetime.date(2026, 1, 5),
    )
    return root, objects


def kwargs_for(name: str, params: list[str], objects: dict) -> dict | None:
    by_prefix = [
        ("core:org-", "org"),
        ("core:group-", "group"),
        ("core:membership-add", "group"),
        ("core:account-create", "org"),
        ("core:grant-create", "org"),
        ("core:grant-", "grant"),
        ("core:account-password", "person"),
        ("core:membership-", "membership"),
        ("core:notification-open", "notification"),
        ("plans:plan-", "plan"),
        ("plans:topic-add", "plan"),
        ("plans:topic-", "topic"),
        ("plans:material-add", "group"),
        ("plans:material-", "material"),
        ("plans:session-", "session"),
        ("plans:research-report-download", "report"),
        ("plans:research-", "research"),
        ("sessions:session-create", "group"),
        ("sessions:leave-decide", "leave"),
        ("sessions:makeup-record", "attendance"),
        ("sessions:attachment-", "attachment"),
        ("sessions:submission-", "submission"),
        ("sessions:reviewer", "group"),
        ("sessions:", "session"),
        ("audits:pool-", "pool"),
        ("audits:draw-", "draw"),
        ("audits:invitation-", "invitation"),
        ("audits:invite", "session"),
        ("audits:visit", "visit"),
        ("audits:action-", "action"),
        ("audits:research-", "research"),
        ("audits:group-checklist", "group"),
        ("audits:inspection-action", "group"),
        ("reports:digest-", "digest"),
        ("reports:records-import", "records_import"),
        ("reports:archive", "group"),
        ("reports:run-restart", "run"),
        *(target for targets in crawl.app_entries("ACCESS_TARGETS") for target in targets),
        ("practice:entry-", "entry"),
        ("practice:measure-", "session"),
        ("practice:spot-draw-", "spot_draw"),
        ("practice:spot-check", "spot_check"),
        ("practice:recommendation", "recommendation"),
        ("practice:recommend", "group"),
        ("practice:reading-", "group"),
        ("practice:group-", "group"),
        ("practice:plan-", "plan"),
    ]
    key = next((target for prefix, target in by_prefix if name.startswith(prefix)), None)
    values = {}
    for param in params:
        if param in ("pk", "group_pk", "session_pk"):
            if key is None:
                return None
            values[param] = objects[key].pk
        elif param == "year":
            values[param] = 2026
        elif param == "code":
            values[param] = "bayou"
        elif param == "token":
            from sessions import signin

            values[param] = signin.make_token(objects["session"], signin.LINK)
        else:
            return None
    return values


def test_crawl_every_url_as_every_role_and_anonymous(client, other):
    root, objects = other
    mine = OrganizationFactory(parent=root, name="本县委")
    own_town = OrganizationFactory(parent=mine, name="本县镇")
    StudyGroupFactory(organization=mine)
    users = {role: user_with_role(role, own_town if role == "member" else mine) for role in ROLES}
    clients = {}  # one signed-in client per role, kept for the whole crawl
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    checked, unfilled = 0, []
    for name, params in walk():
        if name.startswith("admin:") or name in {"login", "logout", "password_change_done", "healthz"}:
            continue
        kwargs = kwargs_for(name, params, objects)
        if kwargs is None:
            unfilled.append(name)
            continue
        url = reverse(name, kwargs=kwargs)
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login")), (name, url)
        for role, signed_in in clients.items():
            response = signed_in.get(url)
            if response.status_code == 405:
                response = signed_in.post(url, {})
            assert response.status_code != 500, (name, role)
            if params:
                assert response.status_code in (403, 404), (name, role, response.status_code)
            else:
                body = b"".join(response.streaming_content) if response.streaming else response.content
                assert SECRET.encode() not in body, (name, role)
            checked += 1
    assert unfilled == [], "a new URL needs its parameters mapped in kwargs_for"
    assert checked > 100
