"""What a monthly digest (学习专刊) says, compiled from the records of an organization's subtree.

The content is plain data (strings and numbers) stored on the digest, so the
page, the PDF and a later reader see the same thing even if records change;
every item has a key so staff can leave it out.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from audits.models import ObserverVisit
from plans.models import Material, PlanMonth, PlanTopic
from reports import extensions
from sessions.models import ATTENDED, StudySession, Submission
from studygroup import formats
from studygroup.models import Organization

SECTIONS = ["themes", "speeches", "materials", "groups", "visits", "reflections", "next_topics"]


def section_keys() -> list[str]:
    """Every section whose items staff may leave out: the core's and those apps register."""
    return [*SECTIONS, *extensions.digest_section_keys()]


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(year, month, 1))
    following = datetime.datetime(year + (month == 12), month % 12 + 1, 1)
    return start, timezone.make_aware(following)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def build(organization: Organization, year: int, month: int) -> dict:
    """Compile the sections of the digest in a fixed number of queries."""
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


def _held_sessions(path: str, start: datetime.datetime, end: datetime.datetime) -> list[StudySession]:
    """The month's held sessions of the subtree, each with its attendance rows and how many of them attended."""
    return list(
        StudySession.objects.held()
        .filter(starts_at__gte=start, starts_at__lt=end, group__organization__path__startswith=path)
        .select_related("group__organization")
        .annotate(rows=Count("attendances"), attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED)))
        .order_by("group__organization__path", "starts_at")
    )


def _groups_studied(sessions: list[StudySession]) -> list[dict]:
    """A group an item, in the order of ``sessions``, with the sessions it held and their attendance rates."""
    groups: dict[int, dict] = {}
    for session in sessions:
        entry = groups.setdefault(
            session.group_id,
            {"key": f"group-{session.group_id}", "org": session.group.organization.name, "sessions": []},
        )
        entry["sessions"].append(
            {
                "title": session.title,
                "kind": str(session.get_kind_display()),
                "date": formats.month_day_zh(session.starts_at),
                "rate": round(session.attended / session.rows, 4) if session.rows else None,
            }
        )
    return list(groups.values())


def _themes(path: str, year: int, month: int) -> list[dict]:
    return [
        {"key": f"theme-{m.pk}", "org": m.plan.group.organization.name, "theme": m.theme}
        for m in PlanMonth.objects.filter(
            plan__group__organization__path__startswith=path, plan__year=year, month=month
        )
        .exclude(theme="")
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path")
    ]


def _materials(path: str, start: datetime.datetime, end: datetime.datetime) -> list[dict]:
    return [
        {"key": f"material-{m.pk}", "org": m.group.organization.name, "title": m.title}
        for m in Material.objects.filter(
            published_at__gte=start, published_at__lt=end, group__organization__path__startswith=path
        )
        .select_related("group__organization")
        .order_by("published_at")[:50]
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
        .order_by("submitted_on")[:20]
    ]


def _next_topics(path: str, year: int, month: int) -> list[dict]:
    """The topics planned for ``month`` of ``year`` (the month after the digest's)."""
    return [
        {"key": f"next-{t.pk}", "org": t.plan.group.organization.name, "title": t.title}
        for t in PlanTopic.objects.filter(
            plan__group__organization__path__startswith=path, plan__year=year, month=month
        )
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path", "id")
    ]


def latest_speeches(path: str, year: int, month: int) -> list[dict]:
    """最新重要讲话精神: the month's supplementary topics (当月补充计划, how plans take up the latest speeches)
    with the materials published for them this month, in two queries.

    A topic counts for the month it was planned into or the month it was added in; a material published
    this month for a supplementary topic of another month brings its topic along.
    """
    start, end = month_bounds(year, month)
    in_subtree = Q(plan__group__organization__path__startswith=path, is_supplementary=True)
    this_month = Q(plan__year=year, month=month) | Q(added_on__gte=start.date(), added_on__lt=end.date())
    materials = list(
        Material.objects.filter(
            group__organization__path__startswith=path,
            topic__is_supplementary=True,
            published_at__gte=start,
            published_at__lt=end,
        )
        .only("pk", "title", "topic_id")
        .order_by("published_at", "pk")
    )
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
