"""The year figures of an organization's subtree, exactly as ``records-format.md`` ("Year figures") lists them.

Sessions count only once held (started; ``sessions.models.held_q``): a session
scheduled for next week is neither held nor missing. One computation serves the ``year_summary`` command, the year summary and
the dashboard. It runs a fixed number of SQL aggregates whatever the size of
the subtree (the 八有 counts come from ``audits.checklists``). When the subtree's year rollup is current
(``reports.dashboard.current_rollup``), the sums it holds and the stored 八有 statuses are read instead of
counted again: the same figures, in a few milliseconds rather than seconds at a province's root.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum

from audits import checklists
from audits.models import Action, ObserverVisit
from audits.selectors import overdue_in_year_q
from plans.models import PlanTopic, ResearchReport, ResearchTopic, SessionKind
from reports import extensions
from reports.models import Rollup
from sessions.models import Attendance, Lecture, StudySession, Submission, held_q, unregistered_q
from studygroup.models import Organization, StudyGroup

KEYS = [
    "groups",
    "sessions",
    "sessions_by_kind",
    "expanded_sessions",
    "attendance_rate",
    "leave",
    "absent",
    "made_up",
    "notes",
    "reflections",
    "discussion_materials",
    "research_topics",
    "research_reports",
    "lectures",
    "lecture_audience",
    "observer_visits",
    "groups_observed",
    "observation_coverage",
    "actions",
    "actions_done",
    "actions_overdue",
    "topics_planned",
    "topics_held",
    "bayou_met",
    "bayou_all_met",
]
# Every key of records-format.md's table, in its order: the keys apps above add (``reports.extensions``) take
# their place among the core's.
FORMAT_ORDER = [
    *KEYS,
    "tests_held",
    "test_sittings",
    "test_people",
    "test_pass_rate",
    "first_topic_actions",
    "first_topic_actions_done",
    "selfstudy_entries",
    "selfstudy_on_target_rate",
]


def figure_keys() -> list[str]:
    """The keys ``year_figures`` returns: the core's and those of the registered contributors, in the format's
    order (a key the format does not list comes last)."""
    keys = [*KEYS, *extensions.figure_keys()]
    position = {key: index for index, key in enumerate(FORMAT_ORDER)}
    return sorted(keys, key=lambda key: position.get(key, len(FORMAT_ORDER)))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def year_figures(organization: Organization, year: int) -> dict:
    """Return the figures of ``organization``'s subtree for ``year`` with every key of the format."""
    return year_figures_as_of(organization, year)[0]


def year_figures_as_of(organization: Organization, year: int) -> tuple[dict, datetime.datetime | None]:
    """The figures of ``year_figures`` and, when they were read from the stored rollup, the time it is as of."""
    figures, as_of, _unregistered = year_figures_disclosed(organization, year)
    return figures, as_of


def year_figures_disclosed(organization: Organization, year: int) -> tuple[dict, datetime.datetime | None, int]:
    """The figures of ``year_figures``, the time they are as of when read from the stored rollup, and how many
    held sessions of the year have no attendance row at all (left out of ``attendance_rate``: pages show the
    number beside it). That number is not a key of the format's year figures, which stay exactly its table.

    Exact either way: the subtree's year rollup and its groups' stored 八有 statuses are read only when
    ``reports.dashboard.current_rollup`` says they are current (and every group has its status), with the figures
    they do not hold counted in a few cheap aggregates; otherwise everything is computed live (``None``).
    """
    from reports.dashboard import current_rollup, rollup_as_of  # the dashboard imports this module

    rollup = current_rollup(organization=organization, year=year)
    if rollup is not None:
        groups = StudyGroup.objects.filter(organization__path__startswith=organization.path)
        bayou = checklists.stored_bayou_met_counts(groups, year, rollup.groups)
        if bayou is not None:
            figures = _stored_figures(organization, year, rollup, bayou)
            return figures, rollup_as_of(rollup), rollup.unregistered_sessions
    figures = _live_figures(organization, year)
    return _in_order(figures), None, figures["unregistered_sessions"]


def live_year_figures(organization: Organization, year: int) -> dict:
    """The figures of ``year_figures``, every one computed from the records now."""
    return _in_order(_live_figures(organization, year))


def _live_figures(organization: Organization, year: int) -> dict:
    """Every figure of ``live_year_figures`` and ``unregistered_sessions``, in no particular order."""
    path = organization.path
    groups = StudyGroup.objects.filter(organization__path__startswith=path)
    group_count = groups.count()
    # ``order_by()`` in the aggregates: a model's ``Meta.ordering`` would add joins to them.
    sessions = _held(path, year)
    bayou_met, bayou_all_met = checklists.bayou_met_counts(groups, year)
    return {
        "groups": group_count,
        **_session_figures(sessions),
        **_submission_figures(path, year),
        **_visit_figures(sessions, group_count),
        **_topic_figures(path, year),
        "bayou_met": bayou_met,
        "bayou_all_met": bayou_all_met,
        **_unrolled_figures(organization, year),
    }


def _stored_figures(organization: Organization, year: int, rollup: Rollup, bayou: tuple[dict, int]) -> dict:
    """The figures from a current rollup (the sums it holds) and the stored 八有 statuses (``bayou``), the others
    counted from the records."""
    return _in_order(
        {
            "groups": rollup.groups,
            "sessions": rollup.sessions,
            "sessions_by_kind": _sessions_by_kind(_held(organization.path, year)),
            "expanded_sessions": rollup.expanded_sessions,
            "attendance_rate": _ratio(rollup.attended, rollup.attendance_rows),
            "leave": rollup.leave,
            "absent": rollup.absent,
            "made_up": rollup.made_up,
            "notes": rollup.notes,
            "reflections": rollup.reflections,
            "discussion_materials": rollup.discussion_materials,
            "observer_visits": rollup.observer_visits,
            "groups_observed": rollup.groups_observed,
            "observation_coverage": _ratio(rollup.groups_observed, rollup.groups),
            "topics_planned": rollup.topics_planned,
            "topics_held": rollup.topics_held,
            "bayou_met": bayou[0],
            "bayou_all_met": bayou[1],
            **_unrolled_figures(organization, year),
        }
    )


def _in_order(figures: dict) -> dict:
    return {key: figures[key] for key in figure_keys()}


def _held(path: str, year: int):
    return StudySession.objects.held_in(year).filter(group__organization__path__startswith=path).order_by()


def _unrolled_figures(organization: Organization, year: int) -> dict:
    """The figures no rollup holds: research, lectures, actions (overdue changes with the day) and those of the
    apps above reports."""
    path = organization.path
    return {
        "research_topics": ResearchTopic.objects.filter(group__organization__path__startswith=path, year=year).count(),
        "research_reports": ResearchReport.objects.filter(
            topic__group__organization__path__startswith=path, submitted_on__year=year
        ).count(),
        **_lecture_figures(path, year),
        **_action_figures(path, year),
        **extensions.year_figures(organization, year),
    }


def _sessions_by_kind(sessions) -> dict[str, int]:
    by_kind = dict(sessions.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {kind: by_kind.get(kind, 0) for kind in SessionKind.values}


def _session_figures(sessions) -> dict:
    """Sessions held, by kind and expanded, their attendance, and those without any attendance row."""
    by_kind = _sessions_by_kind(sessions)
    attendance = dict(
        Attendance.objects.filter(session__in=sessions)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    rows = sum(attendance.values())
    attended = sum(
        attendance.get(s, 0) for s in (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.MADE_UP)
    )
    counted = sessions.aggregate(
        expanded=Count("pk", filter=Q(is_expanded=True)), unregistered=Count("pk", filter=unregistered_q())
    )
    return {
        "sessions": sum(by_kind.values()),
        "sessions_by_kind": by_kind,
        "expanded_sessions": counted["expanded"],
        "unregistered_sessions": counted["unregistered"],
        "attendance_rate": _ratio(attended, rows),
        "leave": attendance.get(Attendance.Status.LEAVE, 0),
        "absent": attendance.get(Attendance.Status.ABSENT, 0),
        "made_up": attendance.get(Attendance.Status.MADE_UP, 0),
    }


def _submission_figures(path: str, year: int) -> dict:
    """Submissions handed in during the year (drafts are not), by kind."""
    submitted = dict(
        Submission.objects.filter(group__organization__path__startswith=path, submitted_on__year=year)
        .exclude(status=Submission.Status.DRAFT)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return {
        "notes": submitted.get(Submission.Kind.NOTES, 0),
        "reflections": submitted.get(Submission.Kind.REFLECTION, 0),
        "discussion_materials": submitted.get(Submission.Kind.DISCUSSION, 0),
    }


def _lecture_figures(path: str, year: int) -> dict:
    lectures = Lecture.objects.filter(group__organization__path__startswith=path, on__year=year).aggregate(
        n=Count("pk"), audience=Sum("audience")
    )
    return {"lectures": lectures["n"], "lecture_audience": lectures["audience"] or 0}


def _visit_figures(sessions, group_count: int) -> dict:
    """Observer visits to the held sessions, the groups they observed and the share of groups observed."""
    visits = ObserverVisit.objects.filter(session__in=sessions).aggregate(
        n=Count("pk"), groups=Count("session__group", distinct=True)
    )
    return {
        "observer_visits": visits["n"],
        "groups_observed": visits["groups"],
        "observation_coverage": _ratio(visits["groups"], group_count),
    }


def _action_figures(path: str, year: int) -> dict:
    actions = Action.objects.filter(group__organization__path__startswith=path, raised_on__year=year).aggregate(
        n=Count("pk"),
        done=Count("pk", filter=Q(status=Action.Status.DONE)),
        overdue=Count("pk", filter=overdue_in_year_q(year)),
    )
    return {"actions": actions["n"], "actions_done": actions["done"], "actions_overdue": actions["overdue"]}


def _topic_figures(path: str, year: int) -> dict:
    """Topics planned for the year and those a held session took up."""
    # Correlated EXISTS, so the database picks per subtree: a probe per topic for a small one, one hashed read of
    # the held sessions' topics for a large one (an uncorrelated IN would read them all for a county too).
    topics_covered = StudySession.topics.through.objects.filter(held_q("studysession__"))
    topics = PlanTopic.objects.filter(plan__group__organization__path__startswith=path, plan__year=year).aggregate(
        planned=Count("pk"),
        held=Count("pk", filter=Q(Exists(topics_covered.filter(plantopic_id=OuterRef("pk"))))),
    )
    return {"topics_planned": topics["planned"], "topics_held": topics["held"]}
