"""The leader dashboard of a subtree and a year: figures, monthly sessions, and the children ranked.

A fixed number of aggregate queries whatever the size of the subtree: child
organizations are grouped by the prefix of their path in SQL, never looped
over in Python.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Action, ObserverVisit
from audits.selectors import overdue_in_year_q
from plans import selectors as plan_selectors
from reports.figures import year_figures
from sessions.models import ATTENDED, Attendance, StudySession
from studygroup import formats
from studygroup.models import Organization, StudyGroup

# The columns of the ranking a user may sort by; anything else gives the default.
SORT_KEYS = ("name", "groups", "sessions", "attendance_rate", "coverage", "overdue")
DEFAULT_SORT = "attendance_rate"


def sort_children(children: list[dict], sort: str | None) -> str:
    """Sort the ranking in place by a known column (names A→Z, figures highest first, no figure last).

    Return the key used: an unknown ``sort`` (e.g. ``organization``) falls back to the default.
    """
    key = sort if sort in SORT_KEYS else DEFAULT_SORT
    if key == "name":
        children.sort(key=lambda child: child["name"])
    else:
        children.sort(key=lambda child: (child[key] is None, -(child[key] or 0), child["name"]))
    return key


def _by_prefix(queryset, lookup: str, length: int, **aggregates) -> dict[str, dict]:
    rows = queryset.annotate(prefix=Substr(lookup, 1, length)).values("prefix").annotate(**aggregates)
    return {row.pop("prefix"): row for row in rows}


def build(*, organization: Organization, year: int) -> dict:
    """Live aggregates for a small subtree; the rollup tables for a large one."""
    from django.conf import settings

    size = StudyGroup.objects.filter(organization__path__startswith=organization.path).count()
    if size > settings.DASHBOARD_LIVE_LIMIT:
        from reports.models import Rollup

        if Rollup.objects.filter(organization=organization, year=year, month=0).exists():
            return build_from_rollups(organization=organization, year=year)
    return build_live(organization=organization, year=year)


def _actions(organization: Organization, year: int) -> dict[str, dict]:
    """Actions raised in ``year`` in the subtree (``n``) and of them overdue (``overdue``), per child's path.

    One grouped query. The organization's own groups count under its own path, so the rows add up to the
    subtree's ``actions`` and ``actions_overdue``.
    """
    raised = Action.objects.filter(group__organization__path__startswith=organization.path, raised_on__year=year)
    counts = {"n": Count("pk"), "overdue": Count("pk", filter=overdue_in_year_q(year))}
    return _by_prefix(raised, "group__organization__path", Organization.path_length(organization.depth + 1), **counts)


def build_from_rollups(*, organization: Organization, year: int) -> dict:
    """The same page from the rollups: a few indexed rows whatever the size of the subtree."""
    from reports.models import Rollup

    rows = {r.month: r for r in Rollup.objects.filter(organization=organization, year=year)}
    total = rows[0]
    figures = {
        "groups": total.groups,
        "sessions": total.sessions,
        "topics_planned": total.topics_planned,
        "attendance_rate": round(total.attended / total.attendance_rows, 4) if total.attendance_rows else None,
        "reflections": total.reflections,
        "bayou_all_met": total.bayou_all_met,
        "observation_coverage": round(total.groups_observed / total.groups, 4) if total.groups else None,
    }
    by_child = _actions(organization, year)
    figures.update(
        actions=sum(row["n"] for row in by_child.values()),
        actions_overdue=sum(row["overdue"] for row in by_child.values()),
    )
    ranking = []
    for child_row in (
        Rollup.objects.filter(organization__parent=organization, year=year, month=0)
        .select_related("organization")
        .order_by("organization__path")
    ):
        child = child_row.organization
        ranking.append(
            {
                "organization": child,
                "name": child.name,
                "groups": child_row.groups,
                "sessions": child_row.sessions,
                "attendance_rate": round(child_row.attended / child_row.attendance_rows, 4)
                if child_row.attendance_rows
                else None,
                "coverage": round(child_row.groups_observed / child_row.groups, 4) if child_row.groups else None,
                "overdue": by_child.get(child.path, {}).get("overdue", 0),
            }
        )
    return {
        "figures": figures,
        "prestudy": None,
        "from_rollups": total.built_at,
        "children": ranking,
        "chart": _chart([rows[m].sessions if m in rows else 0 for m in range(1, 13)], ranking),
    }


def _chart(per_month: list[int], ranking: list[dict]) -> dict:
    return {
        "labels": {"attendance": str(_("Attendance rate")), "coverage": str(_("Coverage"))},
        "months": [formats.month_zh(m) for m in range(1, 13)],
        "sessions": per_month,
        "children": [c["name"] for c in ranking],
        "attendance": [round((c["attendance_rate"] or 0) * 100, 1) for c in ranking],
        "coverage": [round((c["coverage"] or 0) * 100, 1) for c in ranking],
    }


def build_live(*, organization: Organization, year: int) -> dict:
    figures = year_figures(organization, year)
    path = organization.path
    sessions = StudySession.objects.held_in(year).filter(group__organization__path__startswith=path)
    per_month = dict(
        sessions.annotate(m=ExtractMonth("starts_at", tzinfo=timezone.get_current_timezone()))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    prestudy = plan_selectors.prestudy_count(sessions)
    length = Organization.path_length(organization.depth + 1)
    children = list(Organization.objects.filter(parent=organization).order_by("path"))
    groups = _by_prefix(
        StudyGroup.objects.filter(organization__path__startswith=path), "organization__path", length, n=Count("pk")
    )
    held = _by_prefix(sessions, "group__organization__path", length, n=Count("pk"))
    attendance = _by_prefix(
        Attendance.objects.filter(session__in=sessions),
        "session__group__organization__path",
        length,
        rows=Count("pk"),
        attended=Count("pk", filter=Q(status__in=ATTENDED)),
    )
    observed = _by_prefix(
        ObserverVisit.objects.filter(session__in=sessions),
        "session__group__organization__path",
        length,
        groups=Count("session__group", distinct=True),
    )
    actions = _actions(organization, year)  # the subtree's totals are in ``figures`` already
    ranking = []
    for child in children:
        key = child.path
        group_count = groups.get(key, {}).get("n", 0)
        rows = attendance.get(key, {}).get("rows", 0)
        ranking.append(
            {
                "organization": child,
                "name": child.name,
                "groups": group_count,
                "sessions": held.get(key, {}).get("n", 0),
                "attendance_rate": round(attendance[key]["attended"] / rows, 4) if rows else None,
                "coverage": round(observed.get(key, {}).get("groups", 0) / group_count, 4) if group_count else None,
                "overdue": actions.get(key, {}).get("overdue", 0),
            }
        )
    return {
        "figures": figures,
        "prestudy": prestudy,
        "children": ranking,
        "chart": _chart([per_month.get(m, 0) for m in range(1, 13)], ranking),
    }
