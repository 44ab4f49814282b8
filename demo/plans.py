"""Demo records of the plans app: this year's plans and topics, research, and the materials of sessions.

Built straight on the models (no notifications are sent for demo records);
every record has a fixed code or hangs on one, so a second run finds it and
changes nothing. The sessions themselves are scheduled by ``demo.sessions``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from plans.models import (
    Material,
    PlanMonth,
    PlanTopic,
    ResearchReport,
    ResearchTopic,
    SessionKind,
    StudyConfirmation,
    StudyPlan,
)
from sessions.models import StudySession
from studygroup.models import Membership, StudyGroup

MAIN_LINE = (
    "深入学习贯彻习近平新时代中国特色社会主义思想,全面学习贯彻党的二十大和二十届历次全会精神,"
    "聚焦学习贯彻党的二十届四中全会精神、谋划推进“十五五”开局起步,以学铸魂、以学增智、以学正风、以学促干。"
)

S, K = PlanTopic.Source, SessionKind


@dataclass(frozen=True)
class Topic:
    """A topic of the year with what the minutes and the submissions say of it."""

    title: str
    short: str  # the theme as a reflection title names it
    reading: str  # what the lead reader read out
    focus: str  # what the members discussed
    demand: str  # what the leader asked for in the concluding speech
    source: str
    kind: str


# The months of a 2026 central group: the first topic of each month is studied by every group.
MONTHS: dict[int, tuple[str, list[Topic]]] = {
    1: (
        "学习贯彻党的二十届四中全会精神",
        [
            Topic(
                "深入学习贯彻党的二十届四中全会精神",
                "党的二十届四中全会精神",
                "党的二十届四中全会公报和《中共中央关于制定国民经济和社会发展第十五个五年规划的建议》",
                "围绕谋划“十五五”时期发展思路谈认识、找差距",
                "把全会精神转化为谋划“十五五”的具体思路和有力举措",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
            Topic(
                "学习《习近平谈治国理政》第五卷有关篇目",
                "《习近平谈治国理政》第五卷",
                "《习近平谈治国理政》第五卷有关篇目",
                "交流读原著、学原文、悟原理的收获",
                "坚持读原著学原文悟原理,做到学思用贯通、知信行统一",
                S.LEADER_SET,
                K.READING_CLASS,
            ),
        ],
    ),
    2: (
        "深化全面从严治党",
        [
            Topic(
                "学习习近平总书记在二十届中央纪委五次全会上的重要讲话精神",
                "全面从严治党",
                "习近平总书记在二十届中央纪委五次全会上的重要讲话",
                "对照全面从严治党新要求查摆分管领域的薄弱环节",
                "压紧压实管党治党政治责任,一体推进不敢腐、不能腐、不想腐",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
            Topic(
                "巩固拓展党纪学习教育成果",
                "党纪学习教育",
                "《中国共产党纪律处分条例》有关条款和本地违纪违法典型案例",
                "结合典型案例谈守纪律、讲规矩",
                "把纪律规矩内化于心、外化于行,做到知敬畏、存戒惧、守底线",
                S.WORK_NEED,
                K.CASE_REVIEW,
            ),
        ],
    ),
    3: (
        "学习贯彻全国两会精神",
        [
            Topic(
                "学习贯彻全国两会精神",
                "全国两会精神",
                "习近平总书记在全国两会期间的重要讲话和政府工作报告",
                "对照政府工作报告和“十五五”规划纲要谋划全年重点任务",
                "以两会精神统揽全年工作,确保“十五五”开好局、起好步",
                S.FROM_REPORT,
                K.COLLECTIVE,
            ),
        ],
    ),
    4: (
        "统筹发展和安全",
        [
            Topic(
                "学习贯彻总体国家安全观",
                "总体国家安全观",
                "习近平总书记关于总体国家安全观的重要论述摘编",
                "围绕防范化解重大风险谈认识、提举措",
                "统筹发展和安全,坚决守牢安全稳定底线",
                S.ASSIGNED,
                K.EXPERT_LECTURE,
            ),
            Topic(
                "学习习近平总书记关于安全生产的重要论述",
                "安全生产",
                "习近平总书记关于安全生产的重要论述和近期典型事故案例通报",
                "剖析典型事故案例,排查本地本领域风险隐患",
                "压实安全生产“三管三必须”责任,坚决遏制重特大事故",
                S.WORK_NEED,
                K.CASE_REVIEW,
            ),
        ],
    ),
    5: (
        "学习习近平文化思想",
        [
            Topic(
                "学习习近平文化思想",
                "习近平文化思想",
                "《习近平文化思想学习纲要》有关章节",
                "围绕繁荣发展社会主义文化、加强意识形态工作谈思路",
                "担负起新时代新的文化使命,牢牢掌握意识形态工作领导权",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
        ],
    ),
    6: (
        "铸牢中华民族共同体意识",
        [
            Topic(
                "以铸牢中华民族共同体意识为主线做好新时代民族工作",
                "铸牢中华民族共同体意识",
                "习近平总书记关于加强和改进民族工作的重要思想摘编",
                "结合本地实际谈促进各民族交往交流交融",
                "把铸牢中华民族共同体意识贯穿到各项工作之中",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
            Topic(
                "“安全生产月”专题学习暨隐患排查部署",
                "防范化解重大风险",
                "国务院安委会关于开展“安全生产月”活动的通知",
                "聚焦汛期、燃气、消防和道路交通安全排查风险",
                "以“时时放心不下”的责任感抓好安全生产各项工作",
                S.WORK_NEED,
                K.FIELD_TEACHING,
            ),
        ],
    ),
    7: (
        "庆祝建党105周年,加强党性修养",
        [
            Topic(
                "庆祝建党105周年 坚定理想信念",
                "党性修养",
                "习近平总书记关于党的建设的重要思想有关论述",
                "回顾党的光辉历程,交流坚定理想信念、锤炼党性的体会",
                "永葆共产党人政治本色,做到对党忠诚、为民担当",
                S.LEADER_SET,
                K.FIELD_TEACHING,
            ),
        ],
    ),
    8: (
        "学习习近平生态文明思想",
        [
            Topic(
                "学习习近平生态文明思想",
                "习近平生态文明思想",
                "《习近平生态文明思想学习纲要》有关章节",
                "围绕生态环境问题整改和绿色低碳发展谈举措",
                "坚定不移走生态优先、绿色发展之路",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
        ],
    ),
    9: (
        "推动高质量发展和乡村全面振兴",
        [
            Topic(
                "学习运用“千万工程”经验 推进乡村全面振兴",
                "乡村全面振兴",
                "习近平总书记关于“三农”工作的重要论述和“千万工程”经验材料",
                "结合调研成果研讨产业发展和农民增收",
                "学习运用“千万工程”经验,因地制宜推进乡村全面振兴",
                S.SOLICITED,
                K.RESEARCH_EXCHANGE,
            ),
            Topic(
                "因地制宜发展新质生产力 推动高质量发展",
                "高质量发展",
                "习近平经济思想有关论述和省委关于推动高质量发展的部署",
                "围绕培育新质生产力、优化营商环境找准发力点",
                "坚持以高质量发展为首要任务,因地制宜发展新质生产力",
                S.FROM_REPORT,
                K.EXPERT_LECTURE,
            ),
        ],
    ),
    10: (
        "学习习近平法治思想,提升基层治理效能",
        [
            Topic(
                "学习习近平法治思想",
                "习近平法治思想",
                "《习近平法治思想学习纲要》有关章节",
                "围绕法治政府建设和依法决策查找短板",
                "提高运用法治思维和法治方式推动工作、化解矛盾的能力",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
            Topic(
                "坚持和发展新时代“枫桥经验” 提升基层治理效能",
                "基层治理",
                "习近平总书记关于基层治理的重要论述和新时代“枫桥经验”典型材料",
                "研讨矛盾纠纷多元化解和网格化服务管理",
                "把矛盾纠纷化解在基层、解决在萌芽状态",
                S.WORK_NEED,
                K.RESEARCH_EXCHANGE,
            ),
        ],
    ),
    11: (
        "深入贯彻中央八项规定精神",
        [
            Topic(
                "深入贯彻中央八项规定精神 持续纠治“四风”",
                "中央八项规定精神",
                "中央八项规定及其实施细则精神和违规问题典型案例通报",
                "对照通报案例查摆“四风”问题特别是形式主义、官僚主义",
                "锲而不舍落实中央八项规定精神,为基层减负松绑",
                S.ASSIGNED,
                K.CASE_REVIEW,
            ),
            Topic(
                "学习习近平新时代中国特色社会主义思想的世界观和方法论",
                "习近平新时代中国特色社会主义思想",
                "《习近平新时代中国特色社会主义思想学习纲要(2023年版)》有关章节",
                "交流运用“六个必须坚持”指导工作的体会",
                "坚持好、运用好贯穿其中的立场观点方法",
                S.LEADER_SET,
                K.COLLECTIVE,
            ),
        ],
    ),
    12: (
        "年度学习总结与明年工作谋划",
        [
            Topic(
                "对标全会精神开展年度理论学习总结交流",
                "理论学习成果转化",
                "党的二十届四中全会《建议》有关部分和本年度中心组学习计划",
                "交流一年来的学习收获,查找学用结合方面的差距",
                "以学促干、以干践学,为明年工作打牢思想基础",
                S.LEADER_SET,
                K.RESEARCH_EXCHANGE,
            ),
            Topic(
                "学习贯彻中央经济工作会议精神",
                "中央经济工作会议精神",
                "中央经济工作会议公报",
                "对照会议部署谋划明年经济工作思路",
                "抓好明年经济工作各项任务落实",
                S.ASSIGNED,
                K.COLLECTIVE,
            ),
        ],
    ),
}
# Sessions of next year before its plan is approved study the first things a January brings.
NEXT_YEAR = Topic(
    "学习贯彻中央经济工作会议和中央农村工作会议精神",
    "中央经济工作会议精神",
    "中央经济工作会议公报和中央农村工作会议精神",
    "谋划新一年重点工作",
    "以会议精神统一思想,开好局、起好步",
    S.ASSIGNED,
    K.COLLECTIVE,
)
# A session with no plan topic left in its month studies the latest speeches (当月补充学习).
SUPPLEMENT = Topic(
    "学习习近平总书记最新重要讲话和重要指示精神",
    "习近平总书记重要讲话精神",
    "习近平总书记近期重要讲话和重要指示原文",
    "结合分管工作谈贯彻落实的思路和举措",
    "第一时间跟进学习、抓好贯彻落实",
    S.ASSIGNED,
    K.COLLECTIVE,
)
RESEARCH = [
    "推进基层治理现代化的实践路径",
    "优化营商环境的堵点难点与对策",
    "乡村全面振兴中的人才支撑",
    "以新时代“枫桥经验”化解信访积案的探索",
    "县域特色产业培育与村集体经济增收",
    "为基层减负松绑的落实情况与改进建议",
    "安全生产隐患排查整治长效机制研究",
    "铸牢中华民族共同体意识进社区的做法",
    "年轻干部理论学习与实践锻炼调研",
    "新就业群体党建工作的难点与对策",
]
DRAFT_GROUPS = {"lj-qh-bs-zxz"}
LATE_GROUPS = {"lj-jb-xg-zxz"}  # approved in April: 年初有计划 reads partial
PLACES = ["党委会议室", "三楼会议室", "党群服务中心会议室", "新时代文明实践中心", "常委会议室"]


def topic_of(topic: PlanTopic | None) -> Topic:
    """The bank entry of a plan topic (the next-year topic for a session without one)."""
    if topic is not None:
        for entry in MONTHS[topic.month][1]:
            if entry.title == topic.title:
                return entry
    return NEXT_YEAR


def _plan(group: StudyGroup, year: int) -> StudyPlan:
    plan = StudyPlan.objects.filter(group=group, year=year).first()
    if plan is not None:
        return plan
    rng = random.Random(f"plan-{group.code}")
    if group.code in DRAFT_GROUPS:
        status, approved_at = StudyPlan.Status.DRAFT, None
    else:
        status = StudyPlan.Status.APPROVED
        day = datetime.date(year, 4, 9) if group.code in LATE_GROUPS else datetime.date(year, 1, rng.randint(12, 26))
        approved_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(16, 30)))
    plan = StudyPlan.objects.create(
        group=group,
        year=year,
        main_line=MAIN_LINE,
        status=status,
        approved_at=approved_at,
        filed_at=approved_at,
        submitted_at=approved_at - datetime.timedelta(days=3) if approved_at else None,
    )
    PlanMonth.objects.bulk_create(PlanMonth(plan=plan, month=m, theme=MONTHS[m][0]) for m in range(1, 13))
    leads = list(
        Membership.objects.filter(group=group, role__in=["leader", "deputy", "member"]).values_list("person", flat=True)
    )
    topics = []
    for month, (_theme, entries) in MONTHS.items():
        # Every group studies the month's first topic; most also take up the second.
        chosen = entries[:1] + [e for e in entries[1:] if rng.random() < 0.75]
        for index, entry in enumerate(chosen):
            topics.append(
                PlanTopic(
                    plan=plan,
                    code=f"{group.code}-{year}-t{month:02d}{index}",
                    month=month,
                    title=entry.title,
                    source=entry.source,
                    session_kind=entry.kind,
                    lead_id=leads[0] if index == 0 and month in (1, 7) else rng.choice(leads) if leads else None,
                )
            )
    PlanTopic.objects.bulk_create(topics)
    return plan


def _research(group: StudyGroup, year: int, today: datetime.date) -> None:
    if group.organization.kind not in ("county", "city") or ResearchTopic.objects.filter(group=group).exists():
        return
    rng = random.Random(f"research-{group.code}")
    seats = list(
        Membership.objects.filter(group=group, role__in=["leader", "deputy", "member"])
        .order_by("id")
        .values_list("person", flat=True)
    )
    for index, title in enumerate(rng.sample(RESEARCH, 4)):
        owner = seats[(index + 1) % len(seats)] if index < 3 else None
        claimed = (
            datetime.datetime(year, 3, 10 + index, 10, 0, tzinfo=timezone.get_current_timezone()) if owner else None
        )
        topic = ResearchTopic.objects.create(
            group=group,
            code=f"{group.code}-{year}-r{index}",
            year=year,
            title=title,
            description=f"围绕{title}开展蹲点调研,形成问题清单和对策建议。",
            owner_id=owner,
            claimed_at=claimed,
        )
        submitted = datetime.date(year, 9, 10 + index * 5)
        if owner and index < 2 and submitted < today:
            ResearchReport.objects.create(
                topic=topic,
                title=f"关于{title}的调研报告",
                text=f"调研组深入镇村、企业和社区开展走访座谈,梳理出{title}方面的主要问题,提出了针对性的对策建议。",
                submitted_on=submitted,
                submitted_by_id=owner,
            )


def seed_plans() -> None:
    today = timezone.localdate()
    for group in StudyGroup.objects.select_related("organization"):
        _plan(group, today.year)
        _research(group, today.year, today)


MATERIAL_GUIDE = "请各位成员会前认真通读原文,结合分管工作准备3至5分钟的交流发言,重点谈认识、找差距、提举措。"


def _materials_of_held(group: StudyGroup, sessions: list[StudySession], seated: list[int]) -> None:
    rng = random.Random(f"materials-{group.code}")
    materials = []
    for session in sessions:
        topic = topic_of(next(iter(session.topics.all()), None))
        published = session.starts_at - datetime.timedelta(days=rng.randint(4, 9))
        materials.append(
            Material(
                group=group,
                session=session,
                kind=Material.Kind.TEXT,
                published_at=published,
                title=f"学习篇目:{topic.reading}",
                text=MATERIAL_GUIDE,
            )
        )
    Material.objects.bulk_create(materials)
    confirmations = [
        StudyConfirmation(material=material, person_id=person)
        for material in materials
        for person in seated
        if rng.random() < 0.9
    ]
    StudyConfirmation.objects.bulk_create(confirmations, batch_size=1000)


def _materials_of_next(group: StudyGroup, session: StudySession, seated: list[int]) -> None:
    """Next week's session: two published materials (half the members have studied one), one draft."""
    topic = topic_of(next(iter(session.topics.all()), None))
    published = timezone.now() - datetime.timedelta(days=1)
    first = Material.objects.create(
        group=group,
        session=session,
        topic=next(iter(session.topics.all()), None),
        kind=Material.Kind.TEXT,
        published_at=published,
        title=f"学习篇目:{topic.reading}",
        text=MATERIAL_GUIDE,
    )
    Material.objects.create(
        group=group,
        session=session,
        kind=Material.Kind.LINK,
        published_at=published,
        title=f"共产党员网专题:{topic.short}",
        url="https://www.12371.cn/",
    )
    Material.objects.create(
        group=group,
        session=session,
        kind=Material.Kind.TEXT,
        title="会议议程(草稿)",
        text="一、领学有关篇目;二、成员围绕学习主题作重点发言;三、主要负责同志作总结讲话。",
    )
    StudyConfirmation.objects.bulk_create(
        StudyConfirmation(material=first, person_id=p) for p in seated[: len(seated) // 2]
    )


def seed_materials() -> None:
    """Materials of every held session (most studied), and of each group's next session within a fortnight."""
    now = timezone.now()
    for group in StudyGroup.objects.all():
        if Material.objects.filter(group=group).exists():
            continue
        seated = list(Membership.objects.filter(group=group, end_on__isnull=True).values_list("person", flat=True))
        sessions = list(group.sessions.prefetch_related("topics").order_by("starts_at"))
        held = [s for s in sessions if s.starts_at <= now and s.kind != SessionKind.FIRST_TOPIC]
        _materials_of_held(group, held, seated)
        upcoming = [s for s in sessions if now < s.starts_at <= now + datetime.timedelta(days=14)]
        if upcoming:
            _materials_of_next(group, upcoming[0], seated)


# Latest speeches taken up during the month as supplementary topics (当月补充计划): (months before this one,
# day of the month added, topic, material published for it).
SUPPLEMENTS = [
    (
        1,
        12,
        "学习习近平总书记在中央政治局集体学习时的重要讲话精神",
        "习近平总书记在中央政治局集体学习时的重要讲话(学习原文)",
    ),
    (
        0,
        1,
        "学习习近平总书记关于做好岁末年初安全生产和民生保障工作的重要指示精神",
        "习近平总书记关于做好岁末年初安全生产和民生保障工作的重要指示(学习原文)",
    ),
]
SUPPLEMENT_GROUPS = ["lj-zxz", "lj-qh-zxz"]


def _months_before(today: datetime.date, months: int) -> datetime.date:
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first


def seed_supplements() -> None:
    """Last month's and this month's supplementary topics of the city and 清河县, each with its material studied."""
    today = timezone.localdate()
    for group in StudyGroup.objects.filter(code__in=SUPPLEMENT_GROUPS):
        plan = StudyPlan.objects.filter(group=group, year=today.year, status=StudyPlan.Status.APPROVED).first()
        if plan is None:
            continue
        seated = list(Membership.objects.filter(group=group, end_on__isnull=True).values_list("person", flat=True))
        for before, day, title, reading in SUPPLEMENTS:
            month = _months_before(today, before)
            code = f"{group.code}-{today.year}-s{month.month:02d}"
            if month.year != today.year or PlanTopic.objects.filter(code=code).exists():
                continue
            added = min(month.replace(day=day), today)
            topic = PlanTopic.objects.create(
                plan=plan,
                code=code,
                month=month.month,
                title=title,
                source=PlanTopic.Source.ASSIGNED,
                is_supplementary=True,
                added_on=added,
            )
            published = min(timezone.make_aware(datetime.datetime.combine(added, datetime.time(8, 30))), timezone.now())
            material = Material.objects.create(
                group=group,
                topic=topic,
                kind=Material.Kind.TEXT,
                published_at=published,
                title=reading,
                text="请各位成员第一时间认真学习原文,结合分管工作抓好贯彻落实。",
            )
            rng = random.Random(code)
            StudyConfirmation.objects.bulk_create(
                StudyConfirmation(material=material, person_id=p) for p in seated if rng.random() < 0.8
            )
