"""The practice app's year figures, exactly as ``records-format.md`` ("Year figures") defines them, and what the
dashboard, the monthly digest and the year summary show of them (registered in ``reports.extensions``).

* ``first_topic_actions`` / ``first_topic_actions_done``: actions raised in the year in the subtree whose source is
  a ``first_topic`` session; of them done.
* ``selfstudy_entries``: self-study kind → entries dated in the year by people seated in a group of the subtree on
  the entry's date, every kind present.
* ``selfstudy_on_target_rate``: of the seats (role other than ``secretary``) held on the judging day (the last day of
  the year; today, for the current year) in a group of the subtree whose plan of the year has targets, the share
  whose holder meets every target in every period of the year ended by then (a ``per: year`` target is judged only
  once the year has ended); 4 places, ``null`` when there is none. A person seated in two such groups is judged
  once per group, against each group's targets.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits.models import Action
from audits.selectors import awaiting_acceptance_q
from plans.models import SessionKind
from practice import ledger
from practice.models import KIND_ORDER, SelfStudyEntry, SelfStudyKind, SelfStudyTarget
from practice.periods import judging_day
from practice.selectors import month_counts
from reports import extensions
from reports.digest import month_bounds
from reports.subtrees import Subtrees
from sessions.models import StudySession
from studygroup import formats
from studygroup.models import Membership, Organization

KEYS = ["first_topic_actions", "first_topic_actions_done", "selfstudy_entries", "selfstudy_on_target_rate"]


def year_figures(organization: Organization, year: int) -> dict:
    """The four figures of ``organization``'s subtree for ``year``, in a fixed number of queries."""
    path = organization.path
    actions, done = first_topic_actions(path, year)
    return {
        "first_topic_actions": actions,
        "first_topic_actions_done": done,
        "selfstudy_entries": selfstudy_entries(path, year),
        "selfstudy_on_target_rate": on_target_rate(path, year, timezone.localdate()),
    }


def _first_topic_actions(path: str, year: int):
    return Action.objects.filter(
        group__organization__path__startswith=path, raised_on__year=year, session__kind=SessionKind.FIRST_TOPIC
    )


def first_topic_actions(path: str, year: int) -> tuple[int, int]:
    actions = _first_topic_actions(path, year).aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(status=Action.Status.DONE))
    )
    return actions["n"], actions["done"]


def first_topic_follow_through(path: str, year: int) -> tuple[int, int, int]:
    """The ``first_topic_actions`` of the subtree and year; of them done and accepted (已落实); of them done and
    awaiting acceptance by whoever raised them (待验收, ``audits.selectors.awaiting_acceptance_q``): one query."""
    actions = _first_topic_actions(path, year).aggregate(
        n=Count("pk"),
        done=Count("pk", filter=Q(status=Action.Status.DONE)),
        awaiting=Count("pk", filter=awaiting_acceptance_q()),
    )
    return actions["n"], actions["done"] - actions["awaiting"], actions["awaiting"]


def selfstudy_entries(path: str, year: int) -> dict[str, int]:
    counts = _entries_by_kind(path, on__year=year)
    return {kind: counts.get(kind, 0) for kind in SelfStudyKind.values}


def _entries_by_kind(path: str, **dated) -> dict[str, int]:
    """Self-study entries matching ``dated`` by people seated in a group of the subtree on the entry's date."""
    seated = Membership.objects.filter(
        person_id=OuterRef("person_id"),
        group__organization__path__startswith=path,
        start_on__lte=OuterRef("on"),
    ).filter(Q(end_on__isnull=True) | Q(end_on__gte=OuterRef("on")))
    return dict(
        SelfStudyEntry.objects.filter(**dated)
        .filter(Exists(seated))
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )


def on_target_rate(path: str, year: int, today: datetime.date) -> float | None:
    seat_day = today if year == today.year else datetime.date(year, 12, 31)
    targets: dict[int, list[SelfStudyTarget]] = {}
    for target in SelfStudyTarget.objects.filter(
        plan__year=year, plan__group__organization__path__startswith=path
    ).select_related("plan"):
        targets.setdefault(target.plan.group_id, []).append(target)
    seats = list(
        Membership.objects.filter(group_id__in=list(targets), start_on__lte=seat_day)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=seat_day))
        .exclude(role=Membership.Role.SECRETARY)
        .values_list("group_id", "person_id")
    )
    if not seats:
        return None
    counts = month_counts(person_ids={person_id for _group, person_id in seats}, year=year)
    day = judging_day(year, today)
    met = sum(
        1 for group_id, person_id in seats if ledger.on_target(targets[group_id], counts.get(person_id, {}), year, day)
    )
    return round(met / len(seats), 4)


# What the reports show ------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def dashboard_tiles_first_topic(organization: Organization, year: int, figures: dict) -> extensions.Tile:
    """Measures done and accepted (已落实) of those decided, and apart from them those awaiting acceptance (待验收),
    as the 第一议题 ledger shows them: one aggregate query (the year figure ``first_topic_actions_done`` counts both
    as done, so it is not what this tile shows)."""
    actions, accepted, awaiting = first_topic_follow_through(organization.path, year)
    return extensions.Tile(
        label=gettext_lazy("第一议题 measures done and accepted / decided"),
        value=f"{accepted}/{actions}",
        url=f"{reverse('practice:first-topic-ledger')}?org={organization.pk}&year={year}",
        detail=" · " + _("%(count)s awaiting acceptance") % {"count": awaiting} if awaiting else "",
    )


def dashboard_tiles_selfstudy(organization: Organization, year: int, figures: dict) -> extensions.Tile | None:
    """The share of members on their targets; not on a large subtree's dashboard, which reads rollups (judging
    every seat of a province is the year summary's job)."""
    if "selfstudy_on_target_rate" not in figures:
        return None
    return extensions.Tile(
        label=gettext_lazy("Members on their self-study targets"),
        value=_percent(figures["selfstudy_on_target_rate"]),
        url=f"{reverse('practice:selfstudy-groups')}?org={organization.pk}&year={year}",
    )


def _measures(sessions: list[StudySession]) -> dict[int, list[str]]:
    """The measures decided at each of ``sessions``, "problem(owner)", by session id, in one query."""
    measures: dict[int, list[str]] = {}
    for session_id, problem, owner in (
        Action.objects.filter(session__in=sessions).order_by("pk").values_list("session_id", "problem", "owner__name")
    ):
        measures.setdefault(session_id, []).append(f"{problem}({owner})")
    return measures


def _first_topic_studies(year: int, month: int, **where) -> list[StudySession]:
    """The 第一议题 studies held in the month, filtered by ``where`` (a subtree or a chunk's organizations)."""
    start, end = month_bounds(year, month)
    return list(
        StudySession.objects.held()
        .filter(kind=SessionKind.FIRST_TOPIC, starts_at__gte=start, starts_at__lt=end, **where)
        .select_related("group__organization")
        .order_by("starts_at", "pk")
    )


def _first_topic_line(session: StudySession, measures: dict[int, list[str]]) -> dict:
    return {
        "key": f"first-topic-{session.pk}",
        "org": session.group.organization.name,
        "title": session.title,
        "date": formats.month_day_zh(session.starts_at),
        "measures": measures.get(session.pk, []),
    }


def digest_first_topic(organization: Organization, year: int, month: int) -> list[dict]:
    """The month's 第一议题 studies held in the subtree, each with the measures decided there."""
    sessions = _first_topic_studies(year, month, group__organization__path__startswith=organization.path)
    measures = _measures(sessions)
    return [_first_topic_line(session, measures) for session in sessions]


def digest_first_topic_many(organizations: list[Organization], year: int, month: int) -> dict[int, list[dict]]:
    """``digest_first_topic`` of each of a chunk of organizations, by id, in three queries."""
    subtrees = Subtrees(organizations)
    sessions = _first_topic_studies(year, month, group__organization__in=subtrees.organization_ids)
    measures = _measures(sessions)
    spread = subtrees.spread(sessions, lambda session: session.group.organization.path)
    return {pk: [_first_topic_line(session, measures) for session in rows] for pk, rows in spread.items()}


def digest_selfstudy(organization: Organization, year: int, month: int) -> list[dict]:
    """The month's self-study entries of the subtree by kind (the ``selfstudy_entries`` figure for one month),
    kinds without an entry left out; counts only, never a person."""
    counts = _entries_by_kind(organization.path, on__year=year, on__month=month)
    return [
        {"key": f"selfstudy-{kind}", "kind": kind, "label": str(SelfStudyKind(kind).label), "count": counts[kind]}
        for kind in KIND_ORDER
        if counts.get(kind)
    ]


def digest_selfstudy_many(organizations: list[Organization], year: int, month: int) -> dict[int, list[dict]]:
    """``digest_selfstudy`` of each of a chunk of organizations, by id, in three queries: the month's entries of
    people seated in the chunk's subtrees, and their seats there; an entry counts for every organization with a
    group where its author was seated on its date."""
    subtrees = Subtrees(organizations)
    seats = Membership.objects.filter(group__organization__in=subtrees.organization_ids)
    seated = seats.filter(person_id=OuterRef("person_id"), start_on__lte=OuterRef("on")).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=OuterRef("on"))
    )
    entries = list(
        SelfStudyEntry.objects.filter(on__year=year, on__month=month)
        .filter(Exists(seated))
        .order_by()
        .values_list("person_id", "on", "kind")
    )
    seats_of: dict[int, list[tuple]] = {}
    for person_id, path, start_on, end_on in (
        seats.filter(person_id__in={person_id for person_id, _on, _kind in entries})
        .order_by()
        .values_list("person_id", "group__organization__path", "start_on", "end_on")
    ):
        seats_of.setdefault(person_id, []).append((path, start_on, end_on))
    counts: dict[int, dict[str, int]] = {organization.pk: {} for organization in organizations}
    for person_id, on, kind in entries:
        owners = {
            owner.pk
            for path, start_on, end_on in seats_of.get(person_id, [])
            if start_on <= on and (end_on is None or end_on >= on)
            for owner in subtrees.owners(path)
        }
        for pk in owners:
            counts[pk][kind] = counts[pk].get(kind, 0) + 1
    return {
        organization.pk: [
            {"key": f"selfstudy-{kind}", "kind": kind, "label": str(SelfStudyKind(kind).label), "count": count}
            for kind in KIND_ORDER
            if (count := counts[organization.pk].get(kind))
        ]
        for organization in organizations
    }


def summary_sentences(organization: Organization, year: int, figures: dict) -> list[str]:
    """What the year summary says of the 第一议题 follow-through and the self-study ledger (never of people)."""
    sentences = []
    studies = figures["sessions_by_kind"][SessionKind.FIRST_TOPIC]  # held in the year in the subtree
    if studies or figures["first_topic_actions"]:
        sentences.append(
            _(
                "%(studies)d 第一议题 studies were held; %(actions)d measures were decided there to put them into "
                "practice, of which %(done)d are done."
            )
            % {
                "studies": studies,
                "actions": figures["first_topic_actions"],
                "done": figures["first_topic_actions_done"],
            }
        )
    entries = figures["selfstudy_entries"]
    if any(entries.values()):
        sentence = _(
            "Members recorded their self-study: %(books)d books read, %(stays)d stays in villages for research and "
            "%(reports)d research reports."
        ) % {
            "books": entries[SelfStudyKind.BOOK],
            "stays": entries[SelfStudyKind.FIELD_STAY],
            "reports": entries[SelfStudyKind.REPORT],
        }
        if figures["selfstudy_on_target_rate"] is not None:
            sentence += _(" %(rate)s of the members met their self-study targets.") % {
                "rate": _percent(figures["selfstudy_on_target_rate"])
            }
        sentences.append(sentence)
    return sentences


def register() -> None:
    """Add the figures, tiles, digest section and summary sentences to what the reports show."""
    extensions.register_year_figures(name="practice", keys=KEYS, compute=year_figures)
    extensions.register_tile("practice-first-topic", build=dashboard_tiles_first_topic)
    extensions.register_tile("practice-selfstudy", build=dashboard_tiles_selfstudy)
    extensions.register_digest_section(
        "first_topic",
        title=gettext_lazy("第一议题 studies and the measures decided"),
        template="practice/digest_first_topic.html",
        build=digest_first_topic,
        build_many=digest_first_topic_many,
    )
    extensions.register_digest_section(
        "selfstudy",
        title=gettext_lazy("Self-study recorded this month"),
        template="practice/digest_selfstudy.html",
        build=digest_selfstudy,
        build_many=digest_selfstudy_many,
    )
    extensions.register_summary_sentences("practice", build=summary_sentences)
