"""The monthly digests of a chunk of organizations, compiled together: each section's records are read once for
the whole chunk (grouped by organization, not a query set per organization) and shared out by subtree.

``build_many`` gives every organization exactly the content ``digest.build`` gives it alone. A large subtree (one
``digest.build`` summarises, over ``DIGEST_DETAIL_LIMIT`` groups: a city, a province) is still built alone: a
chunk holds few of them, and their records are not those of the rest.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Count, Q

from audits.models import ObserverVisit
from plans.models import Material, PlanMonth, PlanTopic
from reports import digest, extensions
from reports.subtrees import Subtrees
from sessions.models import ATTENDED, StudySession, Submission
from studygroup import formats
from studygroup.models import Organization, StudyGroup


def build_many(organizations: Sequence[Organization], year: int, month: int) -> dict[int, dict]:
    """The content of each organization's digest of the month, by organization id, in a fixed number of queries
    (and those of each large subtree's summary)."""
    detailed, summarised = split_by_size(organizations)
    contents = {organization.pk: digest.build_summary(organization, year, month) for organization in summarised}
    if detailed:
        contents.update(_build_detailed(Subtrees(detailed), year, month))
    return contents


def split_by_size(organizations: Sequence[Organization]) -> tuple[list[Organization], list[Organization]]:
    """The organizations whose digest lists every session (``digest.is_detailed``) and those summarised."""
    subtrees = Subtrees(organizations)
    groups: Counter[int] = Counter()
    paths = StudyGroup.objects.filter(subtrees.q("organization__path")).values_list("organization__path", flat=True)
    for path in paths.order_by():
        groups.update(owner.pk for owner in subtrees.owners(path))
    limit = settings.DIGEST_DETAIL_LIMIT
    detailed = [organization for organization in organizations if groups[organization.pk] <= limit]
    return detailed, [organization for organization in organizations if groups[organization.pk] > limit]


def _build_detailed(subtrees: Subtrees, year: int, month: int) -> dict[int, dict]:
    start, end = digest.month_bounds(year, month)
    ids = subtrees.organization_ids
    sessions = subtrees.spread(_held_sessions(ids, start, end), lambda s: s.group.organization.path)
    visits = subtrees.spread(
        ObserverVisit.objects.filter(session__in=_held(ids, start, end))
        .select_related("observer", "session__group__organization")
        .order_by(*ObserverVisit._meta.ordering),
        lambda v: v.session.group.organization.path,
    )
    themes = _themes(subtrees, year, month)
    speeches = _latest_speeches(subtrees, year, month)
    materials = _materials(subtrees, start, end)
    reflections = _reflections(subtrees, start, end)
    next_topics = _next_topics(subtrees, *digest.next_month(year, month))
    more = extensions.digest_content_many(subtrees.organizations, year, month)
    contents, kinds = {}, digest.session_kinds()
    for organization in subtrees.organizations:
        held = sessions[organization.pk]
        groups = digest._groups_studied(held, kinds)
        rows = sum(s.rows for s in held)
        attended = sum(s.attended for s in held)
        contents[organization.pk] = {
            "period": formats.month_zh(month, year),
            "figures": {
                "sessions": len(held),
                "groups_studied": len(groups),
                "attendance_rate": round(attended / rows, 4) if rows else None,
                "unregistered": sum(1 for s in held if not s.rows),
                "visits": len(visits[organization.pk]),
            },
            "themes": themes[organization.pk],
            "speeches": speeches[organization.pk],
            "materials": materials[organization.pk][: digest.MATERIALS_LISTED],
            "groups": groups,
            "visits": [digest._visit(v) for v in visits[organization.pk]],
            "reflections": reflections[organization.pk][: digest.REFLECTIONS_LISTED],
            "next_topics": next_topics[organization.pk],
            **more[organization.pk],
        }
    return contents


def _held(ids: list[int], start: datetime.datetime, end: datetime.datetime):
    return StudySession.objects.held().filter(starts_at__gte=start, starts_at__lt=end, group__organization__in=ids)


def _held_sessions(ids: list[int], start: datetime.datetime, end: datetime.datetime) -> list[StudySession]:
    return list(
        _held(ids, start, end)
        .select_related("group__organization")
        .annotate(rows=Count("attendances"), attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED)))
        .order_by("group__organization__path", "starts_at", "pk")
    )


def _themes(subtrees: Subtrees, year: int, month: int) -> dict[int, list[dict]]:
    themes = (
        PlanMonth.objects.filter(plan__group__organization__in=subtrees.organization_ids, plan__year=year, month=month)
        .exclude(theme="")
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path", "pk")
    )
    spread = subtrees.spread(themes, lambda m: m.plan.group.organization.path)
    return {
        pk: [{"key": f"theme-{m.pk}", "org": m.plan.group.organization.name, "theme": m.theme} for m in rows]
        for pk, rows in spread.items()
    }


def _latest_speeches(subtrees: Subtrees, year: int, month: int) -> dict[int, list[dict]]:
    """``digest.latest_speeches`` of every organization (without ``depth``): the materials and topics of the
    chunk's subtrees in two queries, each organization's topics those of its subtree planned or added in the
    month, or brought along by a material of its subtree."""
    start, end = digest.month_bounds(year, month)
    ids = subtrees.organization_ids
    materials = list(
        Material.objects.filter(
            group__organization__in=ids, topic__is_supplementary=True, published_at__gte=start, published_at__lt=end
        )
        .order_by("published_at", "pk")
        .values_list("title", "topic_id", "group__organization__path")
    )
    this_month = Q(plan__year=year, month=month) | Q(added_on__gte=start.date(), added_on__lt=end.date())
    topics = (
        PlanTopic.objects.filter(plan__group__organization__in=ids, is_supplementary=True)
        .filter(this_month | Q(pk__in={topic_id for _title, topic_id, _path in materials}))
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path", "month", "added_on", "pk")
    )
    materials_of = subtrees.spread(materials, lambda m: m[2])
    topics_of = subtrees.spread(topics, lambda t: t.plan.group.organization.path)

    def in_month(topic: PlanTopic) -> bool:
        added = topic.added_on is not None and start.date() <= topic.added_on < end.date()
        return (topic.plan.year == year and topic.month == month) or added

    speeches = {}
    for pk, own_topics in topics_of.items():
        titles: dict[int, list[str]] = {}
        for title, topic_id, _path in materials_of[pk]:
            titles.setdefault(topic_id, []).append(title)
        speeches[pk] = [
            {
                "key": f"topic-{topic.pk}",
                "org": topic.plan.group.organization.name,
                "title": topic.title,
                "materials": titles.get(topic.pk, []),
            }
            for topic in own_topics
            if in_month(topic) or topic.pk in titles
        ]
    return speeches


def _materials(subtrees: Subtrees, start: datetime.datetime, end: datetime.datetime) -> dict[int, list[dict]]:
    materials = (
        Material.objects.filter(
            published_at__gte=start, published_at__lt=end, group__organization__in=subtrees.organization_ids
        )
        .select_related("group__organization")
        .order_by("published_at", "pk")
    )
    spread = subtrees.spread(materials, lambda m: m.group.organization.path)
    return {
        pk: [{"key": f"material-{m.pk}", "org": m.group.organization.name, "title": m.title} for m in rows]
        for pk, rows in spread.items()
    }


def _reflections(subtrees: Subtrees, start: datetime.datetime, end: datetime.datetime) -> dict[int, list[dict]]:
    reflections = (
        Submission.objects.filter(
            is_recommended=True,
            status=Submission.Status.APPROVED,
            submitted_on__gte=start.date(),
            submitted_on__lt=end.date(),
            group__organization__in=subtrees.organization_ids,
        )
        .select_related("group__organization", "person")
        .order_by("submitted_on", "pk")
    )
    spread = subtrees.spread(reflections, lambda s: s.group.organization.path)
    return {
        pk: [
            {
                "key": f"reflection-{s.pk}",
                "org": s.group.organization.name,
                "author": s.person.name,
                "title": s.title,
                "excerpt": s.text[:300],
            }
            for s in rows
        ]
        for pk, rows in spread.items()
    }


def _next_topics(subtrees: Subtrees, year: int, month: int) -> dict[int, list[dict]]:
    topics = (
        PlanTopic.objects.filter(plan__group__organization__in=subtrees.organization_ids, plan__year=year, month=month)
        .select_related("plan__group__organization")
        .order_by("plan__group__organization__path", "id")
    )
    spread = subtrees.spread(topics, lambda t: t.plan.group.organization.path)
    return {
        pk: [{"key": f"next-{t.pk}", "org": t.plan.group.organization.name, "title": t.title} for t in rows]
        for pk, rows in spread.items()
    }
