"""Demo records of the plans app: this year's plans, the sessions that covered them, materials, research.

Built straight on the models (no notifications are sent for demo records);
every record has a fixed code so a second run finds it and changes nothing.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from plans.models import Material, PlanMonth, PlanTopic, ResearchTopic, StudyConfirmation, StudyPlan
from sessions.models import SessionKind, StudySession
from studygroup.models import Membership, StudyGroup

MAIN_LINE = (
    "深入学习贯彻习近平新时代中国特色社会主义思想,全面学习贯彻党的二十大和二十届历次全会精神,"
    "以学铸魂、以学增智、以学正风、以学促干。"
)
THEMES = [
    "学习贯彻全国两会精神与新年度工作部署",
    "学习习近平总书记关于党的建设的重要思想",
    "学习贯彻中央八项规定精神",
    "学习习近平经济思想,推动高质量发展",
    "学习习近平文化思想,建设文化强市",
    "庆祝建党105周年,加强党性教育",
    "学习习近平生态文明思想",
    "学习总体国家安全观",
    "学习习近平法治思想",
    "学习党的二十届四中全会精神",
    "学习全面从严治党新要求",
    "开展年度学习总结与理论研讨",
]
TOPICS = [
    ("深入学习习近平总书记在全国两会期间的重要讲话精神", PlanTopic.Source.ASSIGNED, SessionKind.COLLECTIVE),
    ("学习《习近平谈治国理政》第五卷有关篇目", PlanTopic.Source.LEADER_SET, SessionKind.READING_CLASS),
    ("对照政府工作报告谈贯彻落实思路", PlanTopic.Source.FROM_REPORT, SessionKind.COLLECTIVE),
    ("结合基层治理重点任务开展专题研讨", PlanTopic.Source.WORK_NEED, SessionKind.RESEARCH_EXCHANGE),
    ("邀请党校专家作专题辅导", PlanTopic.Source.SOLICITED, SessionKind.EXPERT_LECTURE),
]
RESEARCH = ["推进基层治理现代化的实践路径", "优化营商环境的堵点难点与对策", "乡村全面振兴中的人才支撑"]
DRAFT_GROUPS = {"lj-qh-bs-zxz"}
SUBMITTED_GROUPS = {"lj-jb-xg-zxz"}


def _plan(group: StudyGroup, year: int) -> StudyPlan:
    plan = StudyPlan.objects.filter(group=group, year=year).first()
    if plan is not None:
        return plan
    status = (
        StudyPlan.Status.DRAFT
        if group.code in DRAFT_GROUPS
        else StudyPlan.Status.SUBMITTED
        if group.code in SUBMITTED_GROUPS
        else StudyPlan.Status.APPROVED
    )
    approved_at = timezone.make_aware(datetime.datetime(year, 1, 20, 10, 0))
    plan = StudyPlan.objects.create(
        group=group,
        year=year,
        main_line=MAIN_LINE,
        status=status,
        approved_at=approved_at if status == StudyPlan.Status.APPROVED else None,
        filed_at=approved_at if status == StudyPlan.Status.APPROVED else None,
        submitted_at=approved_at if status != StudyPlan.Status.DRAFT else None,
    )
    PlanMonth.objects.bulk_create(PlanMonth(plan=plan, month=m, theme=THEMES[m - 1]) for m in range(1, 13))
    rng = random.Random(group.code)
    leads = list(
        Membership.objects.filter(group=group, role__in=["leader", "deputy", "member"]).values_list("person", flat=True)
    )
    for month in range(1, 13):
        for index, (title, source, kind) in enumerate(rng.sample(TOPICS, rng.choice((1, 2)))):
            PlanTopic.objects.create(
                plan=plan,
                code=f"{group.code}-{year}-t{month:02d}{index}",
                month=month,
                title=title,
                source=source,
                session_kind=kind,
                lead_id=rng.choice(leads) if leads else None,
            )
    return plan


def _sessions(group: StudyGroup, plan: StudyPlan, today: datetime.date) -> None:
    if plan.status != StudyPlan.Status.APPROVED:
        return
    for topic in plan.topics.filter(month__lt=today.month).order_by("month", "id"):
        code = f"{topic.code}-s"
        if StudySession.objects.filter(code=code).exists():
            continue
        starts = timezone.make_aware(datetime.datetime(plan.year, topic.month, 15, 9, 0))
        session = StudySession.objects.create(
            group=group,
            code=code,
            kind=topic.session_kind,
            title=topic.title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2, minutes=30),
            location="党委会议室",
        )
        session.topics.add(topic)


def _upcoming(group: StudyGroup, plan: StudyPlan, today: datetime.date) -> None:
    """One session next week with published materials, some already studied."""
    if plan.status != StudyPlan.Status.APPROVED or group.sessions.filter(starts_at__gte=timezone.now()).exists():
        return
    day = today + datetime.timedelta(days=7)
    starts = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9, 0))
    topic = plan.topics.filter(month=today.month).first()
    session = StudySession.objects.create(
        group=group,
        code=f"{group.code}-next-{day:%Y%m%d}",
        kind=SessionKind.COLLECTIVE,
        title=topic.title if topic else THEMES[today.month - 1],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2, minutes=30),
        location="党委会议室",
    )
    if topic:
        session.topics.add(topic)
    published = timezone.now() - datetime.timedelta(days=1)
    first = Material.objects.create(
        group=group,
        session=session,
        topic=topic,
        kind=Material.Kind.TEXT,
        published_at=published,
        title="学习篇目:习近平总书记关于本月主题的重要论述摘编",
        text="请各位成员会前认真通读原文,结合分管工作准备3至5分钟的交流发言。",
    )
    Material.objects.create(
        group=group,
        session=session,
        kind=Material.Kind.LINK,
        published_at=published,
        title="共产党员网专题:学习贯彻全会精神",
        url="https://www.12371.cn/",
    )
    Material.objects.create(
        group=group,
        session=session,
        kind=Material.Kind.TEXT,
        title="会议议程(草稿)",
        text="一、领学;二、重点发言;三、主要负责同志总结讲话。",
    )
    seated = list(Membership.objects.filter(group=group, end_on__isnull=True).values_list("person", flat=True))
    StudyConfirmation.objects.bulk_create(
        StudyConfirmation(material=first, person_id=p) for p in seated[: len(seated) // 2]
    )


def _research(group: StudyGroup, year: int) -> None:
    if group.organization.kind not in ("county", "city"):
        return
    owner = Membership.objects.filter(group=group, role="deputy").values_list("person", flat=True).first()
    for index, title in enumerate(RESEARCH):
        code = f"{group.code}-{year}-r{index}"
        if not ResearchTopic.objects.filter(code=code).exists():
            ResearchTopic.objects.create(
                group=group,
                code=code,
                year=year,
                title=title,
                owner_id=owner if index == 0 else None,
                claimed_at=timezone.now() if index == 0 else None,
            )


def seed_plans() -> None:
    today = timezone.localdate()
    for group in StudyGroup.objects.select_related("organization"):
        plan = _plan(group, today.year)
        _sessions(group, plan, today)
        _upcoming(group, plan, today)
        _research(group, today.year)
