"""Demo records of the audits app: the city's observer pool, a year of visits, actions, rules and summaries."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audits.models import Action, ActionChange, ObserverPoolMember, ObserverVisit, RulesDocument, VisitInvitation
from demo.seed import MODEL_GROUPS, RECENT_GROUP
from reports.models import YearSummary
from studygroup.models import Membership, Organization, Person, RoleGrant, StudyGroup, User

RULES = ["理论学习中心组学习制度", "列席旁听制度", "学习档案管理制度"]
WITHOUT_RULES = {"lj-qh-sq", "lj-ds-ty"}
# Observers of the city's pool besides observer.city: members of the organization and propaganda departments.
POOL = ["lj-zzb-p03", "lj-xcb-p04"]
# The county of 清河's pool: members of its own central group, who observe the towns below it.
COUNTY_POOLS = {"lj-qh": ["lj-qh-p03", "lj-qh-p04", "lj-qh-p05"]}
INVITATION_NOTE = "本次学习会邀请县委中心组派员列席旁听,请对学习研讨质量进行指导。"
# (organization, observer code, months before today, mode, rating, findings, action status)
VISITS = [
    ("lj-jb", "lj-zzb-p03", 8, "fixed", "excellent", "", ""),
    ("lj-qh", "lj-xcb-p04", 6, "random", "good", "研讨发言中谈认识多、提举措少", "done"),
    ("lj-ds", "lj-zzb-p03", 5, "cross", "good", "", ""),
    ("lj-jyj", "lj-xcb-p04", 4, "random", "fair", "会前自学不够充分,个别成员未完成预学", "in_progress"),
    ("lj-jb-xg", "lj-zzb-p03", 3, "random", "fair", "会议记录过于简略,未记录发言要点", "overdue"),
    ("lj-qh-sq", "lj-xcb-p04", 2, "invited", "good", "", ""),
    ("lj-ds-ty", "lj-zzb-p03", 7, "random", "good", "", ""),
]
REPORT = (
    "学习会主题明确、准备充分,会前印发了学习篇目和研讨提纲。领学人逐段领读原文,重点发言的同志结合分管工作谈认识、"
    "找差距、提措施,主要负责同志的总结讲话联系本地实际,对下一步贯彻落实作了具体部署。"
)
SUMMARY = (
    "一、基本情况。本年度中心组坚持“全年有主线、月月有主题”,按照年度学习计划开展集中学习,"
    "做到会前有方案、学中有研讨、会后有记录,成员全部提交学习笔记和心得体会。\n"
    "二、主要做法和成效。围绕学习贯彻党的二十届四中全会精神,结合推进“十五五”开局、乡村全面振兴和基层治理开展专题研讨,"
    "组织班子成员开展蹲点调研,形成调研报告,推动解决了一批群众急难愁盼问题。\n"
    "三、存在的问题。学用结合还不够紧密,个别专题研讨深度不够。\n"
    "四、下一步打算。持续深化理论武装,完善学习制度,推动学习成果转化为发展实效。"
)


def _pool(city: Organization) -> list[Person]:
    observers = [Person.objects.get(code="demo-observer.city")]
    observers += list(Person.objects.filter(code__in=POOL).order_by("code"))
    for person in observers:
        ObserverPoolMember.objects.get_or_create(organization=city, person=person)
        RoleGrant.objects.get_or_create(organization=city, person=person, role="observer")
    return observers


def _county_pools() -> None:
    """Each county's pool, and 城关镇's invitation to 清河县 to observe its session next week (应邀式)."""
    for code, people in COUNTY_POOLS.items():
        county = Organization.objects.get(code=code)
        for person in Person.objects.filter(code__in=people):
            ObserverPoolMember.objects.get_or_create(organization=county, person=person)
            RoleGrant.objects.get_or_create(organization=county, person=person, role="observer")
    county = Organization.objects.get(code="lj-qh")
    upcoming = (
        Organization.objects.get(code="lj-qh-cg")
        .study_group.sessions.filter(starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if upcoming is not None:
        VisitInvitation.objects.get_or_create(session=upcoming, organization=county, defaults={"note": INVITATION_NOTE})


def _rules() -> None:
    for organization in Organization.objects.exclude(code__in=WITHOUT_RULES):
        for title in RULES[: 1 + organization.pk % 3]:
            RulesDocument.objects.get_or_create(
                organization=organization,
                title=title,
                defaults={"adopted_on": datetime.date(timezone.localdate().year - 1, 12, 28)},
            )


def _visit(*, code, city, session, observer, mode, rating, report, findings, focused=True) -> ObserverVisit:
    reported = min(timezone.localdate(session.ends_at) + datetime.timedelta(days=3), timezone.localdate())
    return ObserverVisit.objects.create(
        code=code,
        organization=city,
        session=session,
        observer=observer,
        mode=mode,
        pre_review="approved",
        pre_review_on=timezone.localdate(session.starts_at) - datetime.timedelta(days=15),
        discussion_focused=focused,
        summary_deep=True,
        rating=rating,
        report=report,
        findings=findings,
        reported_on=reported,
    )


def _action(*, code, visit, problem, measure, staff, status) -> None:
    """An action raised from the visit's finding ``problem``: done in time, in progress, or open past its deadline.

    The action records the finding it answers, so the visit page does not offer to raise it again.
    """
    owner = Membership.objects.filter(group=visit.session.group, role="secretary").first().person
    due = visit.reported_on + datetime.timedelta(days=30)
    action = Action.objects.create(
        code=code,
        group=visit.session.group,
        visit=visit,
        problem=problem,
        finding=problem,
        measure=measure,
        owner=owner,
        raised_on=visit.reported_on,
        raised_by=staff,
        due_on=due,
        status="done" if status == "done" else "in_progress" if status == "in_progress" else "open",
        done_on=due - datetime.timedelta(days=6) if status == "done" else None,
        evidence="已修订研讨提纲模板,下次学习会按新要求执行。" if status == "done" else "",
    )
    ActionChange.objects.create(action=action, by=staff, from_status="", to_status="open")
    if action.status != "open":
        ActionChange.objects.create(action=action, by=staff, from_status="open", to_status=action.status)


def _session_months_ago(code: str, months: int):
    since = timezone.now() - datetime.timedelta(days=30 * months)
    group = Organization.objects.get(code=code).study_group
    return group.sessions.filter(starts_at__lte=since, kind__in=["collective", "research_exchange"]).first()


def _year_visits(city: Organization, pool: list[Person], staff: User | None) -> None:
    observers = {p.code: p for p in pool}
    for org, observer, months, mode, rating, findings, status in VISITS:
        code = f"demo-v-{org}"
        session = _session_months_ago(org, months)
        if session is None or ObserverVisit.objects.filter(code=code).exists():
            continue
        visit = _visit(
            code=code,
            city=city,
            session=session,
            observer=observers[observer],
            mode=mode,
            rating=rating,
            report=REPORT,
            findings=findings,
            focused=not findings,
        )
        if findings and staff is not None:
            _action(
                code=f"demo-a-{org}",
                visit=visit,
                problem=findings,
                measure="会前印发研讨提纲,明确发言要求,会后由学习秘书整理记录报中心组办公室备案",
                staff=staff,
                status=status,
            )


def _observer_city(city: Organization, observer: Person, staff: User | None) -> None:
    """observer.city's visits: three filed reports (one with findings) and next week's 城关镇 session."""
    now = timezone.now()
    for index, code in enumerate(["lj-qh-cg", "lj-jb-lw", "lj-ds-yl"]):
        session = (
            Organization.objects.get(code=code)
            .study_group.sessions.filter(ends_at__lt=now)
            .exclude(kind="first_topic")
            .order_by("-starts_at")
            .first()
        )
        if session is None or ObserverVisit.objects.filter(code=f"demo-v-{code}").exists():
            continue
        visit = _visit(
            code=f"demo-v-{code}",
            city=city,
            session=session,
            observer=observer,
            mode="fixed",
            rating=["good", "fair", "excellent"][index],
            report=REPORT,
            findings="个别成员发言联系实际不够紧密\n会前方案报备不够及时" if index == 1 else "",
            focused=index != 1,
        )
        if index == 1 and staff is not None:
            _action(
                code=f"demo-a-{code}",
                visit=visit,
                problem="个别成员发言联系实际不够紧密",
                measure="会前印发研讨提纲,要求结合分管领域准备发言",
                staff=staff,
                status="open",
            )
    _report_to_write(city, observer)
    upcoming = (
        Organization.objects.get(code="lj-qh-cg").study_group.sessions.filter(starts_at__gt=now).order_by("starts_at")
    ).first()
    if upcoming and not ObserverVisit.objects.filter(code="demo-v-next").exists():
        ObserverVisit.objects.create(
            code="demo-v-next", organization=city, session=upcoming, observer=observer, mode="random"
        )


def _report_to_write(city: Organization, observer: Person) -> None:
    """observer.city attended 桃源镇's session three days ago and listened; the report is still to write."""
    session = (
        StudyGroup.objects.get(code=RECENT_GROUP)
        .sessions.filter(ends_at__lt=timezone.now())
        .exclude(kind="first_topic")
        .order_by("-starts_at")
        .first()
    )
    if session is None or ObserverVisit.objects.filter(code="demo-v-recent").exists():
        return
    ObserverVisit.objects.create(
        code="demo-v-recent",
        organization=city,
        session=session,
        observer=observer,
        mode="random",
        pre_review="approved",
        pre_review_on=timezone.localdate(session.starts_at) - datetime.timedelta(days=15),
        discussion_focused=True,
        summary_deep=True,
        listening_notes="领学篇目紧扣主题;重点发言4人,均联系分管工作;总结讲话提出了三条贯彻落实措施。",
    )


def _summaries() -> None:
    """The model groups have saved their year summary; the others write theirs later in December."""
    year = timezone.localdate().year
    for group in StudyGroup.objects.filter(code__in=MODEL_GROUPS):
        YearSummary.objects.get_or_create(group=group, year=year, defaults={"text": SUMMARY, "is_final": True})


def seed_audits() -> None:
    city = Organization.objects.get(code="lj")
    pool = _pool(city)
    _county_pools()
    _rules()
    staff = User.objects.filter(username="staff.city").first()
    _observer_city(city, pool[0], staff)
    _year_visits(city, pool, staff)
    _summaries()
