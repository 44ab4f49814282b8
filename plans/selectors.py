"""Every read of the plans app, starting from the visibility rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from plans import hooks
from plans.hooks import Session
from plans.models import Material, PlanMonth, PlanTopic, ResearchTopic, StudyConfirmation, StudyPlan
from studygroup import access
from studygroup import selectors as core_selectors
from studygroup.models import Membership, Organization, Person, StudyGroup, User


def materials_url() -> str:
    return reverse("plans:material-list")


def plan_list(*, user: User, year: int | None = None) -> QuerySet[StudyPlan]:
    queryset = access.visible(StudyPlan.objects.all(), user).select_related("group__organization")
    if year:
        queryset = queryset.filter(year=year)
    return queryset.annotate(
        topic_count=Count("topics", distinct=True),
        held_count=Count("topics", filter=hooks.held_q("topics__sessions__"), distinct=True),
    ).order_by("-year", "group__organization__path")


def plan_rows(*, user: User, year: int) -> list[tuple[Organization, StudyPlan | None]]:
    """Every group the user reads for ``year`` in tree order, with its plan, or ``None`` when the user reads none:
    the page of a user without a reading role (their own groups). Two queries.

    A plan below one's own organization shows once filed (``StudyPlan.access_restrict_q``); until then the
    group is listed without it, so an upper level sees who is behind without reading a draft.
    """
    plans = list(plan_list(user=user, year=year))
    groups = (
        access.visible(StudyGroup.objects.all(), user)
        .exclude(pk__in=[plan.group_id for plan in plans])
        .select_related("organization")
    )
    rows = [(plan.group.organization, plan) for plan in plans] + [(group.organization, None) for group in groups]
    return sorted(rows, key=lambda row: row[0].path)


def groups_within(*, organization: Organization, user: User) -> QuerySet[StudyGroup]:
    """The groups of ``organization``'s subtree that the user reads, in tree order (the plan list's rows)."""
    return (
        access.visible(StudyGroup.objects.filter(organization__path__startswith=organization.path), user)
        .select_related("organization")
        .order_by("organization__path")
    )


def plan_page_rows(groups: list[StudyGroup], *, user: User, year: int) -> list[tuple[Organization, StudyPlan | None]]:
    """``groups`` (a page of the list) each with its plan of ``year``, or ``None`` when the user reads none; the
    topics counted for that page's plans only. One query."""
    plans = {plan.group_id: plan for plan in plan_list(user=user, year=year).filter(group__in=[g.pk for g in groups])}
    return [(group.organization, plans.get(group.pk)) for group in groups]


@dataclass
class PlanFigures:
    """The plans of part of a subtree: a child organization's subtree, or the organization's own group."""

    organization: Organization
    groups: int = 0
    plans: int = 0  # the plans of the year the user reads
    approved: int = 0
    is_own: bool = False

    @property
    def not_filed(self) -> int:
        """Groups listed without a plan: none filed yet, or a draft the user does not read."""
        return self.groups - self.plans


def plan_summary(*, organization: Organization, year: int, user: User) -> tuple[PlanFigures, list[PlanFigures]]:
    """The year's plans in all and per child organization (a drill-down): three queries whatever the size of the
    subtree (the children, the groups and the plans each counted per child in SQL)."""
    within = organization.path
    groups = core_selectors.counts_by_child(
        groups_within(organization=organization, user=user), "organization__path", organization, n=Count("pk")
    )
    plans = core_selectors.counts_by_child(
        access.visible(StudyPlan.objects.filter(year=year, group__organization__path__startswith=within), user),
        "group__organization__path",
        organization,
        n=Count("pk"),
        approved=Count("pk", filter=Q(status=StudyPlan.Status.APPROVED)),
    )
    parts = [organization, *Organization.objects.filter(parent=organization).order_by("path")]
    rows = [
        PlanFigures(
            organization=part,
            groups=groups.get(part.path, {}).get("n", 0),
            plans=plans.get(part.path, {}).get("n", 0),
            approved=plans.get(part.path, {}).get("approved", 0),
            is_own=part == organization,
        )
        for part in parts
    ]
    total = PlanFigures(
        organization=organization,
        groups=sum(row.groups for row in rows),
        plans=sum(row.plans for row in rows),
        approved=sum(row.approved for row in rows),
    )
    return total, [row for row in rows if row.groups]


def groups_without_plan(*, user: User, year: int) -> QuerySet[StudyGroup]:
    """Return the groups the user keeps as staff that have no plan for ``year`` yet."""
    return core_selectors.groups_staffed(user=user).exclude(plans__year=year)


@dataclass
class MonthRow:
    month: PlanMonth
    topics: list[PlanTopic] = field(default_factory=list)


def plan_year(*, plan: StudyPlan) -> list[MonthRow]:
    """Return the twelve months with their topics; each topic knows the sessions that covered it.

    A fixed number of queries whatever the number of topics.
    """
    held = hooks.sessions().filter(hooks.held_q(), topics=OuterRef("pk"))
    topics = (
        plan.topics.select_related("lead")
        .annotate(is_held=Exists(held))
        .prefetch_related(Prefetch("sessions", queryset=hooks.sessions().order_by("starts_at")))
        .order_by("month", "is_supplementary", "id")
    )
    rows = {month.month: MonthRow(month) for month in plan.months.all()}
    for topic in topics:
        rows[topic.month].topics.append(topic)
    return [rows[month] for month in sorted(rows)]


def plan_figures(rows: list[MonthRow]) -> dict:
    topics = [topic for row in rows for topic in row.topics]
    return {
        "topics": len(topics),
        "held": sum(1 for topic in topics if topic.is_held),  # type: ignore[attr-defined, misc]
        "supplementary": sum(1 for topic in topics if topic.is_supplementary),
        "themes_missing": sum(1 for row in rows if not row.month.theme),
    }


def lead_readers(*, plan: StudyPlan) -> QuerySet[Person]:
    return Person.objects.filter(organization__path__startswith=plan.group.organization.path).order_by(
        "organization__path", "name"
    )


# Pre-study -----------------------------------------------------------------------------------


def lead_time() -> datetime.timedelta:
    return datetime.timedelta(days=settings.PRESTUDY_LEAD_DAYS)


def is_published_late(material: Material, session: Session | None = None) -> bool:
    """A material published less than the lead time before its session is flagged."""
    session = session or material.session
    if session is None or material.published_at is None:
        return False
    return material.published_at > session.starts_at - lead_time()


@dataclass(frozen=True)
class PrestudyCount:
    """Pre-study completion (会前自学完成率): confirmations ÷ members expected to study each published material.

    ``expected`` counts, for every published material of a session, each person on the session's roster (seated
    in its group on the session's date); ``confirmed`` counts those of them who confirmed that material. A
    confirmation by anyone else is not counted, so ``confirmed <= expected`` and the rate never exceeds 1.
    """

    confirmed: int
    expected: int

    @property
    def rate(self) -> float | None:
        return round(self.confirmed / self.expected, 4) if self.expected else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"


def _seated(group: str, person: str | None, day: str) -> QuerySet[Membership]:
    """Seats of the outer row's group active on the outer row's ``day`` (the roster rule of ``core.roster``)."""
    seats = Membership.objects.filter(group=OuterRef(group), start_on__lte=OuterRef(day)).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=OuterRef(day))
    )
    return seats.filter(person=OuterRef(person)) if person else seats


def prestudy_count(sessions: QuerySet) -> PrestudyCount:
    """Pre-study completion over ``sessions`` (the dashboard passes the held sessions of a subtree and year).

    Two queries whatever the number of sessions.
    """
    tz = timezone.get_current_timezone()
    materials = (
        Material.objects.filter(session=OuterRef("pk"), published_at__isnull=False)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    seats = (
        _seated("group", None, "day").order_by().values("group").annotate(n=Count("person", distinct=True)).values("n")
    )
    expected = (
        sessions.order_by()
        .annotate(
            day=TruncDate("starts_at", tzinfo=tz),
            n_materials=Coalesce(Subquery(materials), 0),
            n_seated=Coalesce(Subquery(seats), 0),
        )
        .aggregate(total=Sum(F("n_materials") * F("n_seated")))["total"]
    )
    confirmed = (
        StudyConfirmation.objects.filter(material__session__in=sessions, material__published_at__isnull=False)
        .annotate(day=TruncDate("material__session__starts_at", tzinfo=tz))
        .filter(Exists(_seated("material__session__group", "person", "day")))
        .count()
    )
    return PrestudyCount(confirmed=confirmed, expected=expected or 0)


@dataclass
class PrestudyRow:
    person: Person
    confirmed: int
    is_complete: bool


@dataclass
class PrestudyStatus:
    session: Session
    materials: list[Material]
    rows: list[PrestudyRow]

    @property
    def completed(self) -> int:
        return sum(1 for row in self.rows if row.is_complete)

    @property
    def count(self) -> PrestudyCount:
        """The completion of this session by the one definition (``PrestudyCount``)."""
        return PrestudyCount(
            confirmed=sum(row.confirmed for row in self.rows), expected=len(self.materials) * len(self.rows)
        )

    @property
    def rate(self) -> float | None:
        return self.count.rate

    @property
    def percent(self) -> str:
        return self.count.percent

    @property
    def late_materials(self) -> list[Material]:
        return [m for m in self.materials if is_published_late(m, self.session)]


def prestudy_status(*, session: Session) -> PrestudyStatus:
    """Return who on the session's roster has studied its published materials (three queries)."""
    materials = list(session.materials.filter(published_at__isnull=False).order_by("published_at"))
    people = list(core_selectors.roster(group=session.group, on=timezone.localdate(session.starts_at)))
    counts = (
        dict(
            StudyConfirmation.objects.filter(material__in=materials, person__in=people)
            .values("person")
            .annotate(n=Count("material", distinct=True))
            .values_list("person", "n")
        )
        if materials and people
        else {}
    )
    rows = [
        PrestudyRow(
            person=p,
            confirmed=counts.get(p.pk, 0),
            is_complete=bool(materials) and counts.get(p.pk, 0) == len(materials),
        )
        for p in people
    ]
    return PrestudyStatus(session=session, materials=materials, rows=rows)


def material_list(*, user: User, session_id: int | None = None, group_id: int | None = None) -> QuerySet[Material]:
    """Return the materials the user reads, newest first, each knowing whether the user confirmed it."""
    person = access.person_of(user)
    queryset = access.visible(Material.objects.all(), user).select_related("group__organization", "session", "topic")
    if session_id:
        queryset = queryset.filter(session_id=session_id)
    if group_id:
        queryset = queryset.filter(group_id=group_id)
    confirmed = StudyConfirmation.objects.filter(material=OuterRef("pk"), person=person)
    return queryset.annotate(is_confirmed=Exists(confirmed)).order_by("-published_at", "-id")


def my_upcoming_materials(*, user: User) -> QuerySet[Material]:
    """Published materials of the upcoming sessions of the member's groups."""
    scope = access.scope_for(user)
    return (
        material_list(user=user)
        .filter(group_id__in=scope.member_group_ids, published_at__isnull=False, session__starts_at__gte=timezone.now())
        .order_by("session__starts_at", "id")
    )


def sessions_for_materials(*, group: StudyGroup) -> QuerySet:
    return group.sessions.filter(starts_at__gte=timezone.now() - datetime.timedelta(days=60)).order_by("starts_at")


# Research ------------------------------------------------------------------------------------


def research_list(*, user: User, year: int | None = None, group_id: int | None = None) -> QuerySet[ResearchTopic]:
    queryset = access.visible(ResearchTopic.objects.all(), user).select_related("group__organization", "owner")
    if year:
        queryset = queryset.filter(year=year)
    if group_id:
        queryset = queryset.filter(group_id=group_id)
    return queryset.annotate(report_count=Count("reports")).order_by("group__organization__path", "id")


def research_groups(*, user: User, year: int) -> QuerySet[StudyGroup]:
    """Return the groups with research topics in ``year`` that the user reads."""
    topics = access.visible(ResearchTopic.objects.filter(year=year), user)
    return (
        StudyGroup.objects.filter(pk__in=topics.values("group"))
        .select_related("organization")
        .order_by("organization__path")
    )
