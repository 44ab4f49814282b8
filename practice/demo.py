"""Demo records of the practice app, written by ``seed_practice`` (called by ``demo.seed.seed_demo``).

Dates are relative to ``timezone.localdate()``, as the rest of the demo's: the year so far. What it shows:

* the three towns of 清河县 keep the "1112" targets; their members' self-study ledgers fill the year so far, most
  on target, a few behind (member.chengguan missed a village stay two months ago and has this month's to do);
* 城关镇 recorded measures at its 第一议题 studies: the latest under way, the one before half done (the other
  open, overdue once its day has passed), older ones done;
* every session of a group with an organization above was reported upward, a few of them late;
* 清河县 drew its towns' sessions for records checks last month (one found wanting, its finding an action) and
  one of this month that staff.qinghe checks once it has been held;
* 城关镇's members recommended readings: one read with the group, one picked for a coming session with
  member.chengguan as lead reader, one waiting.

Deterministic and idempotent: each part looks for what it wrote before and adds nothing the second time.
"""

from __future__ import annotations

import contextlib
import datetime
import random

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from audits.models import Action
from plans.models import Material, SessionKind, StudyPlan
from practice import services
from practice.models import (
    Per,
    Recommendation,
    SelfStudyEntry,
    SelfStudyKind,
    SelfStudyTarget,
    SessionReport,
    SpotCheck,
    SpotCheckAction,
    SpotCheckDraw,
)
from sessions.models import StudySession
from studygroup.models import Membership, Organization, Person, StudyGroup, User

TARGET_TOWNS = ["lj-qh-cg", "lj-qh-bs", "lj-qh-sq"]
COUNTY = "lj-qh"
TARGETS = [
    (SelfStudyKind.BOOK, Per.QUARTER, 1),
    (SelfStudyKind.FIELD_STAY, Per.MONTH, 1),
    (SelfStudyKind.REPORT, Per.YEAR, 2),
]
BOOKS = [
    "《习近平谈治国理政》第五卷",
    "《习近平新时代中国特色社会主义思想学习纲要(2023年版)》",
    "《之江新语》",
    "《论党的自我革命》",
    "《习近平关于“三农”工作论述摘编》",
    "《中国共产党简史》",
    "《乡土中国》",
    "《习近平在福建》",
]
VILLAGES = ["东河村", "西岭村", "河湾村", "石门村", "柳树屯", "新庄村", "桃园村", "前进村"]
SUBJECTS = ["村集体经济增收", "人居环境整治", "特色产业发展", "基层治理网格化", "养老服务站运行", "高标准农田建设"]
REPORTS = ["关于{subject}情况的调研报告", "{village}{subject}的做法与思考"]
# One member in this many falls behind: a month or two of the year without a village stay.
BEHIND = 4
MEASURES = [
    ("制定贯彻落实工作方案,明确责任分工", "两周内印发方案"),
    ("围绕讲话要求开展一次专题调研", "形成调研报告"),
    ("在全镇干部大会上传达学习", "召开专题会议"),
    ("梳理群众急难愁盼问题清单并逐项销号", "每月通报进度"),
]
RECOMMENDATIONS = [
    (
        "《习近平关于“三农”工作论述摘编》第三专题",
        "中央文献出版社",
        "",
        "紧扣乡村全面振兴,对镇里产业发展有直接指导意义。",
    ),
    (
        "《求是》文章:以学铸魂、以学增智",
        "《求是》2026年第10期",
        "http://www.qstheory.cn/",
        "讲清了学用结合的方法,适合领学。",
    ),
    ("《论党的自我革命》选读", "党建读物出版社", "", "结合作风建设学习,有针对性。"),
]


def seed_practice() -> None:
    today = timezone.localdate()
    _targets(today.year)
    _entries(today)
    _first_topic_measures(today)
    _reports()
    _spot_checks(today)
    _readings()


def _target_groups() -> list[StudyGroup]:
    return list(StudyGroup.objects.filter(organization__code__in=TARGET_TOWNS).order_by("organization__path"))


def _targets(year: int) -> None:
    for plan in StudyPlan.objects.filter(group__in=_target_groups(), year=year):
        if not plan.selfstudy_targets.exists():
            SelfStudyTarget.objects.bulk_create(
                SelfStudyTarget(plan=plan, kind=kind, per=per, count=count) for kind, per, count in TARGETS
            )


def _entries(today: datetime.date) -> None:
    seats = Membership.objects.filter(group__in=_target_groups(), end_on__isnull=True).select_related("person")
    people = {seat.person for seat in seats}
    done = set(SelfStudyEntry.objects.filter(person__in=people).values_list("person_id", flat=True))
    entries = []
    for seat in sorted(seats, key=lambda seat: seat.person.code):
        if seat.person_id not in done:
            entries += _ledger_of(seat.person, today)
    SelfStudyEntry.objects.bulk_create(entries)


def _ledger_of(person: Person, today: datetime.date) -> list[SelfStudyEntry]:
    """A member's year so far: a village stay most months, a book a quarter, a research report or two."""
    rng = random.Random(person.code)
    is_chengguan = person.code == "demo-member.chengguan"
    ended = list(range(1, today.month))
    if is_chengguan:
        skipped = {today.month - 2}
    elif rng.randrange(BEHIND) == 0 and ended:
        skipped = set(rng.sample(ended, min(len(ended), rng.randint(1, 2))))
    else:
        skipped = set()
    entries = []
    for month in range(1, today.month + 1):
        day = datetime.date(today.year, month, rng.randint(3, 26))
        missed = month in skipped
        if day < today and not missed and not (is_chengguan and month == today.month):
            village, subject = rng.choice(VILLAGES), rng.choice(SUBJECTS)
            entries.append(
                SelfStudyEntry(
                    person=person,
                    kind=SelfStudyKind.FIELD_STAY,
                    on=day,
                    title=f"到{village}蹲点,了解{subject}",
                    note=f"走访农户{rng.randint(4, 12)}户,召开座谈会1次,梳理问题{rng.randint(2, 5)}条。",
                )
            )
        if month % 3 == 2 and day < today:
            entries.append(
                SelfStudyEntry(
                    person=person, kind=SelfStudyKind.BOOK, on=day, title=rng.choice(BOOKS), note="读后有感。"
                )
            )
        if month in (6, 11) and day < today:
            subject, village = rng.choice(SUBJECTS), rng.choice(VILLAGES)
            title = rng.choice(REPORTS).format(subject=subject, village=village)
            entries.append(SelfStudyEntry(person=person, kind=SelfStudyKind.REPORT, on=day, title=title))
    return entries


def _first_topic_measures(today: datetime.date) -> None:
    """城关镇's last (up to three) 第一议题 studies decided two measures each: the latest under way, the one before
    half done, older ones done."""
    group = StudyGroup.objects.filter(organization__code="lj-qh-cg").first()
    if group is None:
        return
    studies = list(
        StudySession.objects.held().filter(group=group, kind=SessionKind.FIRST_TOPIC).order_by("-starts_at")[:3]
    )
    owners = list(
        Membership.objects.filter(group=group, end_on__isnull=True)
        .exclude(role=Membership.Role.SECRETARY)
        .select_related("person")
        .order_by("person__code")
    )
    existing = set(Action.objects.filter(session__in=studies).values_list("code", flat=True))
    staff = User.objects.filter(username="staff.chengguan").first()
    actions = []
    for recency, study in enumerate(studies):  # the latest first
        held_on = timezone.localdate(study.starts_at)
        for number in range(2):
            code = f"demo-ft-{study.code}-{number}"
            if code in existing or not owners:
                continue
            problem, measure = MEASURES[(recency * 2 + number) % len(MEASURES)]
            due = held_on + datetime.timedelta(days=20 + 10 * number)
            # The latest study's measures are under way; of the one before, the first is done and the second
            # open (overdue once its day has passed); older ones are done.
            done = recency == 2 or (recency == 1 and number == 0)
            status = Action.Status.DONE if done else Action.Status.IN_PROGRESS if recency == 0 else Action.Status.OPEN
            actions.append(
                Action(
                    code=code,
                    group=group,
                    session=study,
                    problem=problem,
                    measure=measure,
                    owner=owners[(recency + number) % len(owners)].person,
                    raised_on=held_on,
                    raised_by=staff,
                    due_on=due,
                    status=status,
                    done_on=min(due - datetime.timedelta(days=3), today) if done else None,
                    evidence="已按要求完成,材料已归档。" if done else "",
                )
            )
    Action.objects.bulk_create(actions)


def _reports() -> None:
    """Every session of a group with an organization above it was reported upward; about one in ten late."""
    now = timezone.now()
    sessions = (
        StudySession.objects.filter(group__organization__parent__isnull=False, upward_report__isnull=True)
        .select_related("group")
        .order_by("pk")
    )
    reports = []
    for session in sessions:
        rng = random.Random(session.code)
        ahead = (
            datetime.timedelta(days=rng.choice([1, 2]))
            if rng.randrange(10) == 0
            else datetime.timedelta(days=rng.randint(4, 15))
        )
        reported_at = min(session.starts_at - ahead, now - datetime.timedelta(hours=rng.randint(1, 48)))
        late = reported_at > session.starts_at - datetime.timedelta(days=settings.REPORT_DAYS)
        reports.append(
            SessionReport(session=session, reported_at=reported_at, starts_at=session.starts_at, is_late=late)
        )
    SessionReport.objects.bulk_create(reports, batch_size=500)


def _spot_checks(today: datetime.date) -> None:
    """清河县's records checks: two drawn last month (one wanting, its finding raised as an action), one this month."""
    county = Organization.objects.filter(code=COUNTY).first()
    staff = User.objects.filter(username="staff.qinghe").first()
    if county is None or staff is None or SpotCheckDraw.objects.filter(organization=county).exists():
        return
    first = today.replace(day=1)
    last_month = (first - datetime.timedelta(days=1)).replace(day=1)
    try:
        earlier = services.spot_draw(
            organization=county,
            date_from=last_month,
            date_to=first - datetime.timedelta(days=1),
            count=2,
            seed="清河-上月",
            by=staff,
        )
    except ValidationError:
        return
    checks = list(earlier.checks.select_related("session__group__organization").order_by("pk"))
    inspector = Person.objects.filter(user=staff).first()
    for index, check in enumerate(checks):
        wanting = index == 0
        SpotCheck.objects.filter(pk=check.pk).update(
            verdict=SpotCheck.Verdict.NEEDS_WORK if wanting else SpotCheck.Verdict.PASS,
            findings="会议记录未记录发言要点\n请假成员未按时补学" if wanting else "",
            comment="请对照学习档案管理制度整改。" if wanting else "考勤、记录、笔记齐全。",
            inspector=inspector,
            checked_on=min(timezone.localdate(check.session.starts_at) + datetime.timedelta(days=5), today),
        )
        if wanting:
            secretary = Membership.objects.filter(group=check.session.group, role=Membership.Role.SECRETARY).first()
            owner = secretary.person if secretary else inspector
            action = Action.objects.create(
                code=f"demo-sc-{check.pk}",
                group=check.session.group,
                problem="会议记录未记录发言要点",
                finding="",
                measure="补齐本次学习会发言要点,今后按模板记录。",
                owner=owner,
                raised_on=today - datetime.timedelta(days=min(today.day, 20)),
                raised_by=staff,
                due_on=today + datetime.timedelta(days=10),
            )
            SpotCheckAction.objects.create(spot_check=check, finding="会议记录未记录发言要点", action=action)
    # This month's: checked once its session has been held. Should nothing of the month be reported, none waits.
    month_end = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    with contextlib.suppress(ValidationError):
        services.spot_draw(organization=county, date_from=first, date_to=month_end, count=1, seed="清河-本月", by=staff)


def _readings() -> None:
    group = StudyGroup.objects.filter(organization__code="lj-qh-cg").first()
    member = Person.objects.filter(code="demo-member.chengguan").first()
    if group is None or member is None or Recommendation.objects.filter(group=group).exists():
        return
    now = timezone.now()
    past = StudySession.objects.filter(group=group, starts_at__lt=now).order_by("-starts_at").first()
    # Not next week's session (its materials are the README's walk-through): the one after it, if scheduled.
    upcoming = list(StudySession.objects.filter(group=group, starts_at__gt=now).order_by("starts_at")[:2])
    coming = upcoming[-1] if upcoming else None
    members = list(
        Membership.objects.filter(group=group, end_on__isnull=True, role=Membership.Role.MEMBER).order_by(
            "person__code"
        )
    )
    for index, (title, source, url, why) in enumerate(RECOMMENDATIONS):
        by = members[index % len(members)].person if members else member
        recommendation = Recommendation.objects.create(
            group=group, recommended_by=by, title=title, source=source, url=url, why=why
        )
        session = past if index == 0 else coming if index == 1 else None
        if session is None:
            continue
        lead = member if index == 1 else by
        material = Material.objects.create(
            group=group,
            title=title,
            kind=Material.Kind.LINK if url else Material.Kind.TEXT,
            url=url,
            text="" if url else f"{source}\n{why}",
            session=session,
            published_at=min(now, session.starts_at - datetime.timedelta(days=3)),
        )
        StudySession.objects.filter(pk=session.pk).update(lead=lead)
        Recommendation.objects.filter(pk=recommendation.pk).update(
            session=session, material=material, lead=lead, picked_at=material.published_at
        )
