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
    in_subtree = {"group__organization__path__startswith": path}
    sessions = list(
        StudySession.objects.held()
        .filter(starts_at__gte=start, starts_at__lt=end, **in_subtree)
        .select_related("group__organization")
        .annotate(rows=Count("attendances"), attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED)))
        .order_by("group__organization__path", "starts_at")
    )
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
                "date": f"{timezone.localtime(session.starts_at):%m月%d日}",
                "rate": round(session.attended / session.rows, 4) if session.rows else None,
            }
        )
    rows = sum(s.rows for s in sessions)
    attended = sum(s.attended for s in sessions)
    next_year, following = next_month(year, month)
    visits = list(
        ObserverVisit.objects.filter(session__in=[s.pk for s in sessions]).select_related(
            "observer", "session__group__organization"
        )
    )
    return {
        "period": f"{year}年{month}月",
        "figures": {
            "sessions": len(sessions),
            "groups_studied": len(groups),
            "attendance_rate": round(attended / rows, 4) if rows else None,
            "visits": len(visits),
        },
        "themes": [
            {"key": f"theme-{m.pk}", "org": m.plan.group.organization.name, "theme": m.theme}
            for m in PlanMonth.objects.filter(
                plan__group__organization__path__startswith=path, plan__year=year, month=month
            )
            .exclude(theme="")
            .select_related("plan__group__organization")
            .order_by("plan__group__organization__path")
        ],
        "speeches": latest_speeches(path, year, month),
        "materials": [
            {"key": f"material-{m.pk}", "org": m.group.organization.name, "title": m.title}
            for m in Material.objects.filter(published_at__gte=start, published_at__lt=end, **in_subtree)
            .select_related("group__organization")
            .order_by("published_at")[:50]
        ],
        "groups": list(groups.values()),
        "visits": [
            {
                "key": f"visit-{v.pk}",
                "org": v.session.group.organization.name,
                "observer": v.observer.name,
                "rating": str(v.get_rating_display()) if v.rating else "",
                "findings": v.finding_lines,
            }
            for v in visits
        ],
        "reflections": [
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
                **in_subtree,
            )
            .select_related("group__organization", "person")
            .order_by("submitted_on")[:20]
        ],
        "next_topics": [
            {"key": f"next-{t.pk}", "org": t.plan.group.organization.name, "title": t.title}
            for t in PlanTopic.objects.filter(
                plan__group__organization__path__startswith=path, plan__year=next_year, month=following
            )
            .select_related("plan__group__organization")
            .order_by("plan__group__organization__path", "id")
        ],
        **extensions.digest_content(organization, year, month),
    }


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
