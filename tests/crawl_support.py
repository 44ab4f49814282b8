"""Shared pieces of the write, download and role crawls: one world of records, the database fingerprint, forms
harvested from rendered pages.

The world is a city with two counties: the owner is a town under the first county (the owner's upper level),
the second county is a neighbour. Records of the town carry markers (``MARK_*``) so a leak shows in a file.
"""

from __future__ import annotations

import copy
import datetime
import functools
import inspect
import io
import json
import subprocess
import zipfile
from dataclasses import dataclass, field
from unittest import mock
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms import BaseForm
from django.http import HttpResponse
from django.test import Client, TestCase, override_settings
from django.test.utils import ContextList
from django.urls import get_resolver
from django.utils import timezone

from audits.tests.factories import (
    ActionFactory,
    ObserverPoolMemberFactory,
    ObserverVisitFactory,
    VisitInvitationFactory,
)
from plans.tests.factories import (
    FileMaterialFactory,
    MaterialFactory,
    PlanTopicFactory,
    ResearchReportFactory,
    ResearchTopicFactory,
    StudyPlanFactory,
)
from practice.models import Recommendation, SessionReport, SpotCheck, SpotCheckDraw
from practice.tests.factories import SelfStudyEntryFactory, SelfStudyTargetFactory
from reports.models import MonthlyDigest, TaskRun
from sessions.tests.factories import (
    AttendanceFactory,
    LeaveRequestFactory,
    MinutesAttachmentFactory,
    StudySessionFactory,
    SubmissionFactory,
)
from studygroup import audit
from studygroup.models import AuditEntry, Person, StudyGroup
from studygroup.tests.factories import (
    MembershipFactory,
    NotificationFactory,
    OrganizationFactory,
    StudyGroupFactory,
    user_with_role,
)

ROLES = ["staff", "leader", "member", "observer", "inspector", "viewer"]

# Markers of records a reader may not see, searched for in every downloaded file.
MARK_DRAFT = "草稿标记甲"  # a colleague's draft submission text
MARK_DRAFT_TITLE = "草稿题目乙"
MARK_RETURNED = "退回稿标记丙"  # a colleague's returned (not approved) submission
MARK_OBSERVER_REPORT = "旁听报告标记丁"  # an observer's report on the group's session
MARK_NEIGHBOUR = "邻县标记戊"  # anything of the neighbouring county
MARK_LEAVE = "请假事由标记己"  # a colleague's leave reason
MARK_SUBMITTED = "待审心得标记庚"  # a colleague's submission under review
MARK_OTHER_GROUP_SESSION = "他组学习会标记辛"  # a session of another group of the same county
MARK_SELFSTUDY = "自学记录标记壬"  # a colleague's self-study entry

# Tables whose rows change on every request or that record refusals: not part of the fingerprint.
UNWATCHED_TABLES = {"django_session", "studygroup_auditentry"}
UNWATCHED_PREFIXES = ("axes_",)
# Tables every organization shares (data migrations): a new row may point at them.
SHARED_TABLES = {"audits_checklist", "audits_checklistitem", "django_content_type", "auth_permission"}

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    city: object
    upper: object  # the owner's county
    owner: object  # the town that owns the records
    neighbour: object  # the neighbouring county
    group: StudyGroup
    objects: dict = field(default_factory=dict)
    insiders: dict = field(default_factory=dict)  # role -> user of the owner (``observer``: the one assigned)
    uppers: dict = field(default_factory=dict)  # role -> user of the upper level (observer not assigned)
    others: dict = field(default_factory=dict)  # role -> user of the neighbouring county
    protected: set = field(default_factory=set)  # (table, id) of the owner's records
    neighbour_objects: dict = field(default_factory=dict)  # the neighbour's own organization and group
    clients: dict = field(default_factory=dict)  # "owner staff", "upper leader", "neighbour member", ... -> Client
    media_root: object = None


def build_world() -> World:
    """The owner's town with a record of every kind, in the states where its own people may act on them."""
    now = timezone.now()
    year = timezone.localdate().year
    city = OrganizationFactory(name="市委", code="crawl-city")
    upper = OrganizationFactory(parent=city, name="本县县委", code="crawl-upper")
    neighbour = OrganizationFactory(parent=city, name=f"{MARK_NEIGHBOUR}县委", code="crawl-neighbour")
    StudyGroupFactory(organization=upper, name="本县县委理论学习中心组")
    neighbour_group = StudyGroupFactory(organization=neighbour, name=f"{MARK_NEIGHBOUR}中心组")
    StudySessionFactory(
        group=neighbour_group, title=f"{MARK_NEIGHBOUR}学习会", starts_at=now - datetime.timedelta(days=5)
    )
    sibling = OrganizationFactory(parent=upper, name="兄弟镇党委", code="crawl-sibling")
    sibling_group = StudyGroupFactory(organization=sibling)
    sibling_session = StudySessionFactory(
        group=sibling_group, title=MARK_OTHER_GROUP_SESSION, starts_at=now - datetime.timedelta(days=4)
    )
    before = fingerprint()

    owner = OrganizationFactory(parent=upper, name="本镇党委", code="crawl-owner")
    group = StudyGroupFactory(organization=owner, name="本镇党委理论学习中心组")
    insiders = {role: user_with_role(role, owner) for role in ROLES if role != "observer"}
    member = insiders["member"].person
    colleague_user = user_with_role("member", owner)
    colleague = colleague_user.person
    leader_seat = MembershipFactory(group=group, role="leader", person__name="本镇书记")
    group.second_reviewer = leader_seat.person
    group.save(update_fields=["second_reviewer"])

    plan_draft = StudyPlanFactory(group=group, year=year + 1, status="draft")
    topic = PlanTopicFactory(plan=plan_draft, title="草案专题", month=3)
    plan_submitted = StudyPlanFactory(group=group, year=year - 1, status="submitted")
    PlanTopicFactory(plan=plan_submitted, month=2)
    plan_approved = StudyPlanFactory(group=group, year=year, status="approved")
    PlanTopicFactory(plan=plan_approved, month=5)

    session_next = StudySessionFactory(
        group=group,
        title="下周集体学习",
        starts_at=now + datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(hours=3),
    )
    # Ahead and not yet offered for observation: the session the group invites the level above to.
    session_later = StudySessionFactory(
        group=group,
        title="下月集体学习",
        starts_at=now + datetime.timedelta(days=30),
        ends_at=now + datetime.timedelta(days=30, hours=2),
    )
    session_past = StudySessionFactory(
        group=group,
        title="上周集体学习",
        starts_at=now - datetime.timedelta(days=2),
        ends_at=now - datetime.timedelta(days=2) + datetime.timedelta(hours=2),
    )
    AttendanceFactory(session=session_past, person=colleague, status="present")
    absent_seat = MembershipFactory(group=group, person__name="缺席委员")
    absence = AttendanceFactory(session=session_past, person=absent_seat.person, status="absent")
    # A second viewer of the owner: the login whose password is reset and whose grant is withdrawn.
    clerk = user_with_role("viewer", owner).person
    material_draft = MaterialFactory(group=group, title="待发布资料", published_at=None, session=session_next)
    material_published = MaterialFactory(group=group, title="已发布资料", session=session_next)
    research_open = ResearchTopicFactory(group=group, year=year, title="待认领课题")
    research_claimed = ResearchTopicFactory(group=group, year=year, title="已认领课题", owner=member)
    leave = LeaveRequestFactory(session=session_next, person=colleague, reason=MARK_LEAVE)
    sub_draft = SubmissionFactory(group=group, person=member, session=session_past, title="我的草稿", text="草稿正文")
    colleague_draft = SubmissionFactory(
        group=group,
        person=colleague,
        session=session_past,
        title=MARK_DRAFT_TITLE,
        text=MARK_DRAFT,
        status="draft",
        file=ContentFile(f"{MARK_DRAFT} 附件".encode(), name="draft.txt"),
        original_name="草稿.txt",
    )
    colleague_returned = SubmissionFactory(
        group=group, person=colleague, session=session_past, text=MARK_RETURNED, status="returned"
    )
    sub_submitted = SubmissionFactory(
        group=group, person=colleague, session=session_past, text=MARK_SUBMITTED, status="submitted"
    )
    sub_approved = SubmissionFactory(
        group=group, person=colleague, session=session_past, title="已通过心得", text="已通过正文", status="approved"
    )
    attachment = MinutesAttachmentFactory(session=session_past)
    session_past.plan_file = ContentFile("学习方案".encode(), name="plan.txt")
    session_past.plan_file_name = "方案.txt"
    session_past.save(update_fields=["plan_file", "plan_file_name"])
    material_file = FileMaterialFactory(group=group, session=session_next, title="文件资料")
    report_file = ResearchReportFactory(
        topic=research_claimed,
        submitted_by=member,
        file=ContentFile("调研报告".encode(), name="report.txt"),
        original_name="报告.txt",
    )

    observer_user = user_with_role("observer", upper)
    observer = observer_user.person
    pool = ObserverPoolMemberFactory(organization=upper, person=observer)
    visit_next = ObserverVisitFactory(session=session_next, organization=upper, observer=observer)
    visit_past = ObserverVisitFactory(
        session=session_past, organization=upper, observer=observer, report=MARK_OBSERVER_REPORT
    )
    # The invitation is for a session the upper level's observer is free to attend.
    session_invited = StudySessionFactory(
        group=group,
        title="下月集体学习",
        starts_at=now + datetime.timedelta(days=20),
        ends_at=now + datetime.timedelta(days=20, hours=2),
    )
    invitation = VisitInvitationFactory(session=session_invited, organization=upper)
    action = ActionFactory(group=group, owner=member, problem="研讨不够聚焦")
    digest = MonthlyDigest.objects.create(organization=owner, year=year, month=1, number=1, content={})
    run = TaskRun.objects.create(
        name="compile_digests",
        key=f"digests:{year}-01:{owner.pk}",
        organization=owner,
        state=TaskRun.State.RUNNING,  # its worker went silent a day ago: interrupted, staff may run it again
        heartbeat_at=now - datetime.timedelta(days=1),
        params={"year": year, "month": 1, "organization_id": owner.pk},
    )
    session_first = StudySessionFactory(
        group=group,
        kind="first_topic",
        title="第一议题学习",
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=3) + datetime.timedelta(hours=1),
    )
    ActionFactory(group=group, owner=member, session=session_first, problem="落实举措一")
    # Reported upward; the upper level drew two for records checks (one recorded) and may still draw the third.
    session_reported = StudySessionFactory(
        group=group,
        title="已报备学习会",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now - datetime.timedelta(days=1) + datetime.timedelta(hours=2),
    )
    for reported in (session_next, session_past, session_first, session_reported):
        SessionReport.objects.create(
            session=reported, reported_at=now - datetime.timedelta(days=9), starts_at=reported.starts_at
        )
    spot_draw = SpotCheckDraw.objects.create(
        organization=upper,
        seed="crawl",
        date_from=timezone.localdate() - datetime.timedelta(days=9),
        date_to=timezone.localdate(),
        count=2,
        inputs={"sessions": [[session_past.pk, group.pk], [session_first.pk, group.pk]], "checked": {}, "count": 2},
        result=[session_past.pk, session_first.pk],
        by=insiders["staff"],
    )
    spot_check_open = SpotCheck.objects.create(organization=upper, session=session_past, draw=spot_draw)
    spot_check_done = SpotCheck.objects.create(
        organization=upper,
        session=session_first,
        draw=spot_draw,
        verdict="needs_work",
        findings="学习记录不全",
        checked_on=timezone.localdate(),
    )
    recommendation = Recommendation.objects.create(
        group=group,
        recommended_by=colleague,
        title="推荐读物",
        why="切合工作",
        file=ContentFile("荐读原文".encode(), name="reading.txt"),
        original_name="原文.txt",
    )
    SelfStudyTargetFactory(plan=plan_approved, kind="book", per="quarter", count=1)
    entry = SelfStudyEntryFactory(
        person=member,
        title="我的读书记录",
        on=timezone.localdate(),
        file=ContentFile("读书笔记".encode(), name="notes.txt"),
        original_name="笔记.txt",
    )
    colleague_entry = SelfStudyEntryFactory(
        person=colleague,
        title=MARK_SELFSTUDY,
        note=MARK_SELFSTUDY,
        on=timezone.localdate(),
        file=ContentFile(f"{MARK_SELFSTUDY} 附件".encode(), name="selfstudy.txt"),
        original_name="读书.txt",
    )
    NotificationFactory(recipient=insiders["staff"], title="未读通知")
    insiders["observer"] = observer_user
    insiders["colleague"] = colleague_user

    world = World(city=city, upper=upper, owner=owner, neighbour=neighbour, group=group, insiders=insiders)
    world.neighbour_objects = {"org": neighbour, "group": neighbour_group}
    world.objects = {
        "org": owner,
        "group": group,
        "membership": leader_seat,
        "plan_draft": plan_draft,
        "plan_submitted": plan_submitted,
        "plan_approved": plan_approved,
        "topic": topic,
        "session_next": session_next,
        "session_later": session_later,
        "session_past": session_past,
        "material_draft": material_draft,
        "material_published": material_published,
        "research_open": research_open,
        "research_claimed": research_claimed,
        "leave": leave,
        "sub_draft": sub_draft,
        "sub_submitted": sub_submitted,
        "sub_approved": sub_approved,
        "visit_next": visit_next,
        "visit_past": visit_past,
        "pool": pool,
        "invitation": invitation,
        "action": action,
        "digest": digest,
        "run": run,
        "colleague_draft": colleague_draft,
        "attachment": attachment,
        "material_file": material_file,
        "report_file": report_file,
        "colleague_returned": colleague_returned,
        "sibling_session": sibling_session,
        "absence": absence,
        "clerk": clerk,
        "clerk_grant": clerk.grants.get(),
        "entry": entry,
        "colleague_entry": colleague_entry,
        "session_first": session_first,
        "spot_draw": spot_draw,
        "spot_check_open": spot_check_open,
        "spot_check_done": spot_check_done,
        "recommendation": recommendation,
    }
    for module in app_crawl_modules():
        world.objects.update(module.build(world))
    world.protected = {(table, row[0]) for table, rows in diff(before, fingerprint())[1].items() for row in rows}
    world.protected.add(("studygroup_organization", owner.pk))
    world.uppers = {role: user_with_role(role, upper) for role in ROLES}
    world.others = {role: user_with_role(role, neighbour) for role in ROLES}
    for user in [*world.uppers.values(), *world.others.values()]:
        user.person.name = f"{user.person.name}-{user.username}"
    return world


def app_crawl_modules() -> list:
    """The crawl modules of the apps above the core, one per app (``tests/crawl_<app>.py``): each offers
    ``build(world) -> dict`` (the owner's records it adds to ``World.objects``) and, where it has them, ``WRITES``
    (``Write`` fields by URL name), ``MATRIX`` (rows of the role matrix), ``DOWNLOADS`` and ``MARKERS`` (the
    download crawl's), ``build_other(objects, secret)`` and ``ACCESS_TARGETS`` (the access crawl's)."""
    from tests import crawl_assessments

    return [crawl_assessments]


def app_entries(attribute: str) -> list:
    """The ``attribute`` of every app crawl module that has it (see ``app_crawl_modules``)."""
    return [getattr(module, attribute) for module in app_crawl_modules() if hasattr(module, attribute)]


@pytest.fixture(scope="module", name="crawl_module_world")
def module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per test module inside a transaction rolled back at the end; each test runs in a
    savepoint of it (pytest-django's ``db``), so one test's writes never reach the next."""
    media = tmp_path_factory.mktemp("crawl-media")
    # Sessions in signed cookies: a request's only write is then what the view does, and a session's
    # last-seen time survives the rollback after each request. Passwords hashed as in every test (conftest's
    # settings come per test, after this world is built): quick, and the one the tests' checks know.
    crawl_settings = override_settings(
        MEDIA_ROOT=media,
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), crawl_settings, transaction.atomic():
        built = build_world()
        built.media_root = media
        built.clients = clients_for(
            {
                **{f"owner {role}": user for role, user in built.insiders.items()},
                **{f"upper {role}": user for role, user in built.uppers.items()},
                **{f"neighbour {role}": user for role, user in built.others.items()},
            }
        )
        yield built
        transaction.set_rollback(True)


@pytest.fixture(name="crawl_world")
def world_in_test(crawl_module_world, settings, db):
    """The module's world inside a test: files are read from the world's own media folder."""
    settings.MEDIA_ROOT = crawl_module_world.media_root
    return crawl_module_world


def attackers(world: World) -> list[tuple[str, object]]:
    """Every role of the neighbouring county and of the owner's upper level, as ``(label, user)``."""
    return [(f"neighbour {role}", world.others[role]) for role in ROLES] + [
        (f"upper {role}", world.uppers[role]) for role in ROLES
    ]


def clients_for(users: dict) -> dict:
    """One logged-in client per user, made before any fingerprint (logging in writes ``last_login``)."""
    clients = {}
    for key, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[key] = client
    return clients


# Fingerprint of the database ---------------------------------------------------------------------


def watched_tables() -> list[str]:
    return sorted(
        name
        for name in connection.introspection.table_names()
        if name not in UNWATCHED_TABLES and not name.startswith(UNWATCHED_PREFIXES)
    )


def fingerprint() -> dict[str, frozenset]:
    """Every row of every watched table, as a set of tuples per table."""
    result = {}
    with connection.cursor() as cursor:
        for table in watched_tables():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names come from introspection
            result[table] = frozenset(cursor.fetchall())
    return result


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Rows gone and rows new per table (a changed row is both)."""
    gone, new = {}, {}
    for table in set(before) | set(after):
        old, now = before.get(table, frozenset()), after.get(table, frozenset())
        if old - now:
            gone[table] = sorted(old - now, key=repr)
        if now - old:
            new[table] = sorted(now - old, key=repr)
    return gone, new


def describe_change(gone: dict, new: dict, limit: int = 3) -> str:
    lines = []
    for table in sorted(set(gone) | set(new)):
        old_ids = {row[0] for row in gone.get(table, [])}
        new_rows = new.get(table, [])
        changed = [row for row in new_rows if row[0] in old_ids]
        added = [row for row in new_rows if row[0] not in old_ids]
        removed = [row for row in gone.get(table, []) if row[0] not in {r[0] for r in new_rows}]
        for label, rows in (("changed", changed), ("added", added), ("deleted", removed)):
            if rows:
                shown = "; ".join(_short(row) for row in rows[:limit])
                lines.append(f"{table}: {len(rows)} {label} ({shown})")
    return "\n    ".join(lines)


def _short(row) -> str:
    text = repr(row)
    return text if len(text) < 240 else text[:237] + "..."


@functools.cache
def _foreign_keys() -> dict[str, list[tuple[int, str]]]:
    """Per table, (column index, target table) of its foreign keys."""
    keys: dict[str, list[tuple[int, str]]] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for model_field in model._meta.concrete_fields:
                if model_field.is_relation and model_field.column in columns:
                    keys.setdefault(table, []).append(
                        (columns.index(model_field.column), model_field.related_model._meta.db_table)
                    )
    return keys


def touches_protected(new: dict, gone: dict, protected: set) -> list[str]:
    """Name what a write of the user's own did to the owner's records: changed or deleted rows, or new rows
    pointing at them."""
    found = []
    keys = _foreign_keys()
    for table, rows in gone.items():
        for row in rows:
            if (table, row[0]) in protected:
                found.append(f"{table} #{row[0]} of the owner changed or deleted")
    for table, rows in new.items():
        for row in rows:
            for index, target in keys.get(table, []):
                if target not in SHARED_TABLES and (target, row[index]) in protected:
                    found.append(f"new {table} row points at the owner's {target} #{row[index]}: {_short(row)}")
    return found


# Requests that must leave no trace -------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    gone: dict
    new: dict
    form_errors: str
    error_message: bool
    location: str
    audited: list = field(default_factory=list)  # (action, object_type, object_id, user id) of entries written


def plain_error_pages():
    """Answer 403/404 without rendering the site's error page: the crawl reads only the status."""
    return mock.patch(
        "django.core.handlers.exception.get_exception_response",
        lambda request, resolver, status_code, exception: HttpResponse(status=status_code),
    )


def _rows_written() -> int | None:
    """SQLite's count of rows inserted, changed or deleted on this connection: when a request leaves it as it
    was, the request wrote nothing and the tables need not be read again (elsewhere, always read them)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_changes()")
        return cursor.fetchone()[0]


def post_and_roll_back(client: Client, url: str, body: dict, baseline: dict, *, run_jobs: bool = False) -> Outcome:
    """POST ``body``, note what changed in the database and undo it, so the next request starts clean (the
    client's cookies too: a password changed and rolled back would otherwise sign the client out). With
    ``run_jobs``, the jobs the request queues at commit run before the changes are read."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic(), plain_error_pages():
        written = _rows_written()
        last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with TestCase.captureOnCommitCallbacks(execute=run_jobs):
            response = client.post(url, _fresh_files(body))
        unchanged = written is not None and _rows_written() == written
        gone, new = ({}, {}) if unchanged else diff(baseline, fingerprint())
        audited = list(
            AuditEntry.objects.filter(pk__gt=last_entry).values_list("action", "object_type", "object_id", "user_id")
        )
        transaction.set_rollback(True)
    client.cookies = cookies
    return Outcome(
        status=response.status_code,
        gone=gone,
        new=new,
        form_errors=_form_errors(response),
        error_message=any(m.level >= message_levels.ERROR for m in get_messages(response.wsgi_request)),
        location=response.get("Location", ""),
        audited=audited,
    )


def audited_rows(gone: dict, new: dict) -> set[tuple[str, str]]:
    """The ``(object_type, id)`` of every row of a logged model that a request added, deleted or changed in a
    column the log keeps (a row whose only change is ``updated_at`` needs no entry)."""
    labels = {model._meta.db_table: model._meta.label_lower for model in audit.audited_models()}
    found = set()
    for table in (set(gone) | set(new)) & set(labels):
        before = {row[0]: row for row in gone.get(table, [])}
        after = {row[0]: row for row in new.get(table, [])}
        with connection.cursor() as cursor:
            columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
        for pk in set(before) | set(after):
            changed = {
                name
                for name, old, now in zip(columns, before.get(pk, ()), after.get(pk, ()), strict=False)
                if old != now
            }
            if pk not in before or pk not in after or changed - audit.IGNORED_FIELDS:
                found.add((labels[table], str(pk)))
    return found


def _fresh_files(body: dict) -> dict:
    return {
        key: SimpleUploadedFile(value.name, value.bytes, value.content_type) if isinstance(value, Upload) else value
        for key, value in body.items()
    }


def _form_errors(response) -> str:
    """The errors a page shows again with its form (or a refusal it names as ``error`` or lists as ``errors``), as
    text."""
    if response.status_code != 200 or response.context is None:
        return ""
    contexts = response.context if isinstance(response.context, ContextList) else [response.context]
    found = []
    for context in contexts:
        for key, value in context.flatten().items():
            if isinstance(value, BaseForm) and value.errors:
                found.append(f"{key}: {value.errors.as_text()}")
            elif key == "error" and value:
                found.append(str(value))
            elif key == "errors" and isinstance(value, list | tuple) and value:  # the records page's problems
                found.append("; ".join(str(v) for v in value))
    return "; ".join(dict.fromkeys(found))


# Forms harvested from pages ------------------------------------------------------------------


@dataclass
class Upload:
    name: str
    bytes: bytes
    content_type: str


FILLERS = {
    "date": lambda: timezone.localdate().isoformat(),
    "datetime-local": lambda: (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    "number": lambda: "1",
    "email": lambda: "crawl@example.com",
    "url": lambda: "https://example.com/crawl",
    "time": lambda: "09:00",
}
FILLER_TEXT = "越权写入测试"


def harvest(html: bytes, page_url: str, target_path: str) -> list[dict]:
    """The bodies of the POST forms on a page whose action is ``target_path``: every field filled with the
    value the page offers (the first choice where none is selected) and empty text with a filler."""
    document = lxml.html.fromstring(html)
    bodies = []
    for form in document.forms:
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urlsplit(form.get("action") or page_url).path or urlsplit(page_url).path
        if action != target_path:
            continue
        bodies.append(_form_body(form))
    return bodies


def _changed(text: str) -> str:
    """Text as the page shows it, changed so that saving it is a change (a filler where it is empty)."""
    if not text:
        return FILLER_TEXT
    return text if text.isdigit() else f"{text}改"


def _form_body(form) -> dict:
    body: dict = {}
    radios: dict = {}
    checkboxes: dict = {}
    button_done = False
    for element in form.xpath(".//input|.//select|.//textarea|.//button"):
        name = element.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        tag = element.tag
        kind = (element.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag == "select":
            options = element.xpath(".//option")
            values = [o.get("value", o.text or "") for o in options]
            chosen = [v for o, v in zip(options, values, strict=True) if o.get("selected") is not None and v]
            if not chosen:
                chosen = [v for v in values if v][:1]
            if chosen:
                body[name] = chosen if element.get("multiple") is not None else chosen[0]
        elif tag == "textarea":
            body[name] = _changed(element.text_content().strip())
        elif kind in ("submit", "button", "image"):
            if not button_done and element.get("value") is not None:
                body[name] = element.get("value")
                button_done = True
        elif kind == "radio":
            radios.setdefault(name, [])
            radios[name].append((element.get("checked") is not None, element.get("value", "on")))
        elif kind == "checkbox":
            checkboxes.setdefault(name, [])
            checkboxes[name].append((element.get("checked") is not None, element.get("value", "on")))
        elif kind == "file":
            body[name] = Upload("crawl.pdf", PDF_BYTES, "application/pdf")
        else:
            value = element.get("value") or ""
            if kind == "text":
                body[name] = _changed(value)
            else:
                body[name] = value or (FILLERS[kind]() if kind in FILLERS else FILLER_TEXT)
    for name, options in radios.items():
        checked = [value for is_checked, value in options if is_checked]
        body[name] = checked[0] if checked else options[0][1]
    for name, options in checkboxes.items():
        checked = [value for is_checked, value in options if is_checked]
        if checked:
            body[name] = checked
        elif len(options) > 1:
            body[name] = [options[0][1]]
    return body


# URLs ----------------------------------------------------------------------------------------


def accepts_post(callback) -> bool:
    """Whether a view may write on POST: a class with ``post``, or a function whose source handles POST."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    try:
        source = inspect.getsource(callback)
    except (OSError, TypeError):
        return True
    return "POST" in source


def named_urls() -> dict[str, object]:
    """Every named URL (admin left out) with its view."""
    callbacks = {}

    def visit(resolver, namespace=""):
        from django.urls import URLPattern, URLResolver

        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                visit(pattern, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                callbacks[f"{namespace}{pattern.name}"] = pattern.callback

    visit(get_resolver())
    return {name: callback for name, callback in callbacks.items() if not name.startswith("admin:")}


def post_url_names() -> list[str]:
    return sorted(name for name, callback in named_urls().items() if accepts_post(callback))


def records_bundle(world: World, user, takeover: bool) -> Upload:
    """A records bundle built from the owner's own export with every session title rewritten; with
    ``takeover``, also the owner's group moved to a new organization under the user's and every plan stored as
    approved,
    as ``staff.baisha`` tried on the demo."""
    from reports.bundle.exporter import export

    document = export(world.owner, None)
    for session in document["sessions"]:
        session["title"] = f"篡改{session['title']}"
    if takeover:
        home = Person.objects.select_related("organization").get(user=user).organization
        codes = {org["code"] for org in document["organizations"]}
        chain, current = [], home
        while current is not None and current.code not in codes:
            chain.append(current)
            current = current.parent
        for org in reversed(chain):
            parent = org.parent.code if org.parent else None
            document["organizations"].append({"code": org.code, "name": org.name, "parent": parent})
        document["organizations"].append({"code": "crawl-taken", "name": "新设单位", "parent": home.code})
        for group in document["groups"]:
            if group["org"] == world.owner.code:
                group["org"] = "crawl-taken"
        for plan in document["plans"]:
            plan["status"] = "approved"
    return Upload("bundle.json", json.dumps(document, ensure_ascii=False).encode(), "application/json")


def upper_records_bundle(world: World) -> Upload:
    """The owner's own export with its upper level's records rewritten: the county renamed and the county's
    group renamed, as a town's staff might try."""
    from reports.bundle.exporter import export

    document = export(world.owner, None)
    for organization in document["organizations"]:
        if organization["code"] == world.upper.code:
            organization["name"] = f"篡改{organization['name']}"
    upper_group = StudyGroup.objects.get(organization=world.upper)
    document["groups"].append(
        {"code": upper_group.code, "org": world.upper.code, "name": "篡改的县委中心组", "members": [], "rules": []}
    )
    return Upload("bundle.json", json.dumps(document, ensure_ascii=False).encode(), "application/json")


# Text inside downloaded files ------------------------------------------------------------------


def extract_text(content: bytes) -> str:
    """The text of an XLSX, DOCX, PDF, ZIP (every member, recursively), JSON or plain file."""
    if content.startswith(b"%PDF"):
        return _pdf_text(content)
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "word/document.xml" in names:
                return _docx_text(content)
            if "xl/workbook.xml" in names:
                return _xlsx_text(content)
            return "\n".join(f"{name}\n{extract_text(archive.read(name))}" for name in names)
    text = content.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def _pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-q", "-", "-"], input=content, capture_output=True, check=False, timeout=60)
    return result.stdout.decode("utf-8", errors="replace")


def _docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return (
        "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        + "\n"
        + "\n".join(workbook.sheetnames)
    )
