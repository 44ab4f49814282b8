"""What a monthly digest (学习专刊) says, compiled from the records of an organization's subtree.

The content is plain data (strings and numbers) stored on the digest, so the
page, the PDF and a later reader see the same thing even if records change;
every item has a key so staff can leave it out.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from audits.models import ObserverVisit
from plans.models import Material, PlanMonth, PlanTopic
from reports import extensions
from sessions.models import ATTENDED, Attendance, StudySession, Submission, unregistered_q
from studygroup import formats
from studygroup.models import Organization, StudyGroup

# How many of the month's materials and recommended reflections a digest lists (the earliest).
MATERIALS_LISTED = 50
REFLECTIONS_LISTED = 20
SECTIONS = ["themes", "speeches", "materials", "groups", "children", "visits", "reflections", "next_topics"]


def section_keys() -> list[str]:
    """Every section whose items staff may leave out: the core's and those apps register."""
    return [*SECTIONS, *extensions.digest_section_keys()]


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
    following = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.get_current_timezone())
    return start, following


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def is_detailed(organization: Organization) -> bool:
    """Whether the digest lists every session of the subtree (up to ``DIGEST_DETAIL_LIMIT`` groups: a town, a
    county) rather than summarising the organizations below (a city, a province)."""
    groups = StudyGroup.objects.filter(organization__path__startswith=organization.path)
    return groups.count() <= settings.DIGEST_DETAIL_LIMIT


def build(organization: Organization, year: int, month: int) -> dict:
    """Compile the sections of the digest in a fixed number of queries; a large subtree's is summarised."""
    if not is_detailed(organization):
        return build_summary(organization, year, month)
    path = organization.path
    start, end = month_bounds(year, month)
    sessions = _held_sessions(path, start, end)
    groups = _groups_studied(sessions)
    rows = sum(s.rows for s in sessions)
    attended = sum(s.attended for s in sessions)
    visits = list(
        ObserverVisit.objects.filter(session__in=[s.pk for s in sessions]).select_related(
            "observer", "session__group__organization"
        )
    )
    return {
        "period": formats.month_zh(month, year),
        "figures": {
            "sessions": len(sessions),
            "groups_studied": len(groups),
            "attendance_rate": round(attended / rows, 4) if rows else None,
            "unregistered": sum(1 for s in sessions if not s.rows),
            "visits": len(visits),
        },
        "themes": _themes(path, year, month),
        "speeches": latest_speeches(path, year, month),
        "materials": _materials(path, start, end),
        "groups": groups,
        "visits": [_visit(v) for v in visits],
        "reflections": _reflections(path, start, end),
        "next_topics": _next_topics(path, *next_month(year, month)),
        **extensions.digest_content(organization, year, month),
    }


def build_summary(organization: Organization, year: int, month: int) -> dict:
    """The digest of a large subtree: its figures, the organization's own group in detail, a line per
    organization below (sessions, groups that studied, attendance, visits), and the themes, speeches and next
    topics of the groups one level down; the visits its own observers made. Its size grows with the number of
    organizations directly below, never with the subtree."""
    path = organization.path
    start, end = month_bounds(year, month)
    held = StudySession.objects.held().filter(
        starts_at__gte=start, starts_at__lt=end, group__organization__path__startswith=path
    )
    children = _children(organization, held)
    visits = list(
        ObserverVisit.objects.filter(session__in=held, organization=organization)
        .select_related("observer", "session__group__organization")
        .order_by("session__starts_at", "pk")
    )
    near = organization.depth + 1
    return {
        "period": formats.month_zh(month, year),
        "figures": _month_figures(held),
        "themes": _themes(path, year, month, depth=near),
        "speeches": latest_speeches(path, year, month, depth=near),
        "materials": _materials(path, start, end),
        "groups": _groups_studied(_held_sessions(path, start, end, organization=organization)),
        "children": children,
        "visits": [_visit(v) for v in visits],
        "reflections": _reflections(path, start, end),
        "next_topics": _next_topics(path, *next_month(year, month), depth=near),
        **extensions.digest_content(organization, year, month),
    }


def _month_figures(held) -> dict:
    """The month's figures of the subtree in three aggregates (those ``build`` adds up from its lists)."""
    counted = held.order_by().aggregate(
        sessions=Count("pk"), groups=Count("group", distinct=True), unregistered=Count("pk", filter=unregistered_q())
    )
    attendance = (
        Attendance.objects.filter(session__in=held)
        .order_by()
        .aggregate(rows=Count("pk"), attended=Count("pk", filter=Q(status__in=ATTENDED)))
    )
    return {
        "sessions": counted["sessions"],
        "groups_studied": counted["groups"],
        "attendance_rate": round(attendance["attended"] / attendance["rows"], 4) if attendance["rows"] else None,
        "unregistered": counted["unregistered"],
        "visits": ObserverVisit.objects.filter(session__in=held).count(),
    }


def _children(organization: Organization, held) -> list[dict]:
    """A line per organization directly below with sessions held in the month: grouped by path prefix."""
    length = Organization.path_length(organization.depth + 1)

    def by_prefix(queryset, lookup: str, **aggregates) -> dict[str, dict]:
        rows = queryset.order_by().annotate(prefix=Substr(lookup, 1, length)).values("prefix").annotate(**aggregates)
        return {row.pop("prefix"): row for row in rows}

    below = held.filter(group__organization__depth__gt=organization.depth)
    sessions = by_prefix(
        below,
        "group__organization__path",
        n=Count("pk"),
        groups=Count("group", distinct=True),
        unregistered=Count("pk", filter=unregistered_q()),
    )
    attendance = by_prefix(
        Attendance.objects.filter(session__in=below),
        "session__group__organization__path",
        rows=Count("pk"),
        attended=Count("pk", filter=Q(status__in=ATTENDED)),
    )
    visits = by_prefix(
        ObserverVisit.objects.filter(session__in=below), "session__group__organization__path", n=Count("pk")
    )
    return [
        {
            "key": f"child-{child.pk}",
            "org": child.name,
            "sessions": sessions[child.path]["n"],
            "groups": sessions[child.path]["groups"],
            "rate": _rate(attendance.get(child.path, {})),
            "unregistered": sessions[child.path]["unregistered"],
            "visits": visits.get(child.path, {}).get("n", 0),
        }
        for child in Organization.objects.filter(parent=organization, path__in=list(sessions)).order_by("path")
    ]


def _rate(row: dict) -> float | None:
    return round(row["attended"] / row["rows"], 4) if row.get("rows") else None


def _held_sessions(
    path: str, start: datetime.datetime, end: datetime.datetime, *, organization: Organization | None = None
) -> list[StudySession]:
    """The month's held sessions of the subtree (of ``organization``'s own group only, when given), each with its
    attendance rows and how many of them attended."""
    sessions = StudySession.objects.held().filter(
        starts_at__gte=start, starts_at__lt=end, group__organization__path__startswith=path
    )
    if organization is not None:
        sessions = sessions.filter(group__organization=organization)
    return list(
        sessions.select_related("group__organization")
        .annotate(rows=Count("attendances"), attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED)))
        .order_by("group__organization__path", "starts_at", "pk")
    )


def session_kinds() -> dict[str, str]:
    """The label of each kind of session, in the active language (``get_kind_display`` without its cost)."""
    return {value: str(label) for value, label in StudySession._meta.get_field("kind").flatchoices}


def _groups_studied(sessions: list[StudySession], kinds: dict[str, str] | None = None) -> list[dict]:
    """A group an item, in the order of ``sessions``, with the sessions it held and their attendance rates
    (``kinds``: ``session_kinds()``, when the caller has them)."""
    kinds = kinds if kinds is not None else session_kinds()
    groups: dict[int, dict] = {}
    for session in sessions:
        entry = groups.setdefault(
            session.group_id,
            {"key": f"group-{session.group_id}", "org": session.group.organization.name, "sessions": []},
        )
        entry["sessions"].append(
            {
                "title": session.title,
                "kind": kinds.get(session.kind, session.kind),
                "date": formats.month_day_zh(session.starts_at),
                "rate": round(session.attended / session.rows, 4) if session.rows else None,
            }
        )
    return list(groups.values())


def _themes(path: str, year: int, month: int, *, depth: int | None = None) -> list[dict]:
    """The month's themes of the subtree's plans (of the groups down to ``depth``, when given)."""
    themes = PlanMonth.objects.filter(plan__group__organization__path__startswith=path, plan__year=year, month=month)
    if depth is not None:
        themes = themes.filter(plan__group__organization__depth__lte=depth)
    return [
        {"key": f"theme-{m.pk}", "org": m.plan.group.organization.name, "theme": m.theme}
        for m in themes.exclude(theme="")
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path", "pk")
    ]


def _materials(path: str, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    return [
        {"key": f"material-{m.pk}", "org": m.group.organization.name, "title": m.title}
        for m in Material.objects.filter(
            published_at__gte=start, published_at__lt=end, group__organization__path__startswith=path
        )
        .select_related("group__organization")
        .order_by("published_at", "pk")[:MATERIALS_LISTED]
    ]


def _visit(visit: ObserverVisit) -> dict:
    return {
        "key": f"visit-{visit.pk}",
        "org": visit.session.group.organization.name,
        "observer": visit.observer.name,
        "rating": str(visit.get_rating_display()) if visit.rating else "",
        "findings": visit.finding_lines,
    }


def _reflections(path: str, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    """The month's approved reflections recommended for the digest, with the start of their text."""
    return [
        {
            "key": f"reflection-{s.pk}",
            "org": s.group.organization.name,
            "author": s.person.name,
            "title": s.title,
            "excerpt": s.text[:300],
        }
        for s in Submission.objects.filter(
            is_recommended=True,
            status=Submission.Status.APPROVED,
            submitted_on__gte=start.date(),
            submitted_on__lt=end.date(),
            group__organization__path__startswith=path,
        )
        .select_related("group__organization", "person")
        .order_by("submitted_on", "pk")[:REFLECTIONS_LISTED]
    ]


def _next_topics(path: str, year: int, month: int, *, depth: int | None = None) -> list[dict]:
    """The topics planned for ``month`` of ``year`` (the month after the digest's), of the groups down to
    ``depth`` when given."""
    topics = PlanTopic.objects.filter(plan__group__organization__path__startswith=path, plan__year=year, month=month)
    if depth is not None:
        topics = topics.filter(plan__group__organization__depth__lte=depth)
    return [
        {"key": f"next-{t.pk}", "org": t.plan.group.organization.name, "title": t.title}
        for t in topics.select_related("plan__group__organization").order_by("plan__group__organization__path", "id")
    ]


def latest_speeches(path: str, year: int, month: int, *, depth: int | None = None) -> list[dict]:
    """最新重要讲话精神: the month's supplementary topics (当月补充计划, how plans take up the latest speeches)
    with the materials published for them this month, in two queries.

    A topic counts for the month it was planned into or the month it was added in; a material published
    this month for a supplementary topic of another month brings its topic along. With ``depth``, only the
    groups down to that depth (a summarised digest).
    """
    start, end = month_bounds(year, month)
    in_subtree = Q(plan__group__organization__path__startswith=path, is_supplementary=True)
    if depth is not None:
        in_subtree &= Q(plan__group__organization__depth__lte=depth)
    this_month = Q(plan__year=year, month=month) | Q(added_on__gte=start.date(), added_on__lt=end.date())
    materials = Material.objects.filter(
        group__organization__path__startswith=path,
        topic__is_supplementary=True,
        published_at__gte=start,
        published_at__lt=end,
    )
    if depth is not None:
        materials = materials.filter(topic__plan__group__organization__depth__lte=depth)
    materials = list(materials.only("pk", "title", "topic_id").order_by("published_at", "pk"))
    topics = (
        PlanTopic.objects.filter(in_subtree & (this_month | Q(pk__in={m.topic_id for m in materials})))
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path", "month", "added_on", "pk")
    )
    return [
        {
            "key": f"topic-{topic.pk}",
            "org": topic.plan.group.organization.name,
            "title": topic.title,
            "materials": [m.title for m in materials if m.topic_id == topic.pk],
        }
        for topic in topics
    ]


def visible_content(content: dict, excluded: list[str]) -> dict:
    """The content without the items staff left out."""
    dropped = set(excluded)
    shown = dict(content)
    for section in section_keys():
        shown[section] = [item for item in content.get(section, []) if item.get("key") not in dropped]
    return shown


def with_child_links(content: dict, *, item, user) -> dict:
    """The content with each line of ``children`` given the ``url`` of that organization's own digest of the
    same month, when it exists and ``user`` reads it (one query); a line without one keeps no link.

    The stored lines are unchanged (the PDF and older digests read them as they are): the organization is named
    by the line's key, ``child-<pk>``.
    """
    from reports.models import MonthlyDigest
    from studygroup import access

    children = content.get("children") or []
    ids = [int(line["key"].removeprefix("child-")) for line in children if line.get("key", "").startswith("child-")]
    if not ids:
        return content
    found = access.visible(MonthlyDigest.objects.all(), user).filter(
        organization_id__in=ids, year=item.year, month=item.month
    )
    urls = {digest.organization_id: digest.get_absolute_url() for digest in found.order_by()}
    linked = [{**line, "url": urls.get(int(line["key"].removeprefix("child-")), "")} for line in children]
    return {**content, "children": linked}
