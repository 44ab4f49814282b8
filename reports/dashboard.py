"""The leader dashboard of a subtree and a year: figures, monthly sessions, and the children ranked.

A fixed number of aggregate queries whatever the size of the subtree: child
organizations are grouped by the prefix of their path in SQL, never looped
over in Python.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Exists, Func, OuterRef, Q, Subquery
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Action, ObserverVisit
from audits.selectors import overdue_in_year_q
from plans import selectors as plan_selectors
from reports import disclosure
from reports.figures import year_figures_disclosed
from reports.models import Rollup
from sessions.models import ATTENDED, Attendance, StudySession, unregistered_q
from studygroup import formats
from studygroup.models import DirtyRollup, Organization, StudyGroup

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
    rows = queryset.order_by().annotate(prefix=Substr(lookup, 1, length)).values("prefix").annotate(**aggregates)
    return {row.pop("prefix"): row for row in rows}


def current_rollup(*, organization: Organization, year: int) -> Rollup | None:
    """The year's rollup of ``organization``'s subtree when it is current, else ``None`` (compute live).

    The one rule every reader of stored figures follows (the dashboard, the leader's and viewer's home page, the
    year figures of the summary page and of ``year_summary``). A rollup is current, and its figures equal the live
    ones, when all three hold:

    * it covers the groups the subtree has now (``groups`` equal; a subtree that gained or lost a group since);
    * no ``DirtyRollup`` mark of a group of the subtree for the year waits (a write changed a figure since);
    * no session that counts in the year's figures of the subtree started after the rollup's as-of time
      (``rollup_as_of``): a session becomes held, and counts, by time alone, with no write to mark it. Those are
      the subtree's sessions of the year, and any session taking up a topic of the subtree's plans of the year
      (``topics_held``).

    One query, the same for every size of subtree, each part bounded: the rollup by its unique index, the
    subtree's groups counted by path, the marks (a small table: the periodic job consumes them) and the sessions
    started since the as-of time (the ``starts_at`` index, a range of minutes): milliseconds at a province's root.
    """
    path = organization.path
    subtree = {"group__organization__path__startswith": path}
    groups = StudyGroup.objects.filter(organization__path__startswith=path).order_by()
    marks = DirtyRollup.objects.filter(year=year, **subtree)
    since = {"starts_at__gt": OuterRef(AS_OF_FIELD), "starts_at__lte": timezone.now()}
    started = StudySession.objects.filter(starts_at__year=year, **since, **subtree)
    took_up = StudySession.topics.through.objects.filter(
        plantopic__plan__year=year,
        plantopic__plan__group__organization__path__startswith=path,
        **{f"studysession__{name}": value for name, value in since.items()},
    )
    rollup = (
        Rollup.objects.filter(organization=organization, year=year, month=0)
        .annotate(
            groups_now=Subquery(groups.annotate(n=Func("pk", function="COUNT")).values("n")),
            is_marked=Exists(marks),
            has_started=Exists(started),
            took_up_topic=Exists(took_up),
        )
        .first()
    )
    if (
        rollup is None
        or rollup.groups != rollup.groups_now
        or rollup.is_marked
        or rollup.has_started
        or rollup.took_up_topic
    ):
        return None
    return rollup


# The time a rollup's figures are as of: a session that started after it may be missing from them. It must not be
# later than the moment the rebuild read its records (and the 八有 statuses it counts).
AS_OF_FIELD = "built_at"


def rollup_as_of(rollup: Rollup):
    """The time ``rollup``'s figures are as of (``AS_OF_FIELD``), as the pages show it."""
    return getattr(rollup, AS_OF_FIELD)


def dashboard_rollup(*, organization: Organization, year: int) -> Rollup | None:
    """The rollup a dashboard or a home page reads: ``current_rollup``, for subtrees of more than
    ``DASHBOARD_LIVE_LIMIT`` groups. Smaller ones are computed live: a few cheap aggregates, with pre-study
    completion. The same queries on either side of the limit."""
    rollup = current_rollup(organization=organization, year=year)
    if rollup is None or rollup.groups <= settings.DASHBOARD_LIVE_LIMIT:
        return None
    return rollup


def build(*, organization: Organization, year: int) -> dict:
    """The dashboard from the subtree's rollups when current (``dashboard_rollup``), otherwise live."""
    total = dashboard_rollup(organization=organization, year=year)
    if total is not None:
        data = build_from_rollups(organization=organization, year=year, total=total)
    else:
        data = build_live(organization=organization, year=year)
    data["unregistered_url"] = disclosure.list_url(organization_id=organization.pk, year=year)
    for child in data["children"]:
        child["unregistered_url"] = disclosure.list_url(organization_id=child["organization"].pk, year=year)
    return data


def glance(*, organization: Organization, year: int) -> dict:
    """The four figures of the leader's and viewer's home page (sessions held, attendance rate, observation
    coverage, pre-study completion), by the same rule as the dashboard: the rollup when current, otherwise
    live with only the aggregates these figures need (never the whole year figures)."""
    total = dashboard_rollup(organization=organization, year=year)
    if total is not None:
        return {
            "figures": _rollup_figures(total),
            "unregistered": total.unregistered_sessions,
            "prestudy": None,
            "from_rollups": rollup_as_of(total),
        }
    path = organization.path
    sessions = StudySession.objects.held_in(year).filter(group__organization__path__startswith=path).order_by()
    attendance = Attendance.objects.filter(session__in=sessions).aggregate(
        rows=Count("pk"), attended=Count("pk", filter=Q(status__in=ATTENDED))
    )
    groups = StudyGroup.objects.filter(organization__path__startswith=path).count()
    observed = ObserverVisit.objects.filter(session__in=sessions).aggregate(n=Count("session__group", distinct=True))
    held = sessions.aggregate(n=Count("pk"), unregistered=Count("pk", filter=unregistered_q()))
    figures = {
        "sessions": held["n"],
        "attendance_rate": _ratio(attendance["attended"], attendance["rows"]),
        "observation_coverage": _ratio(observed["n"], groups),
    }
    return {
        "figures": figures,
        "unregistered": held["unregistered"],
        "prestudy": plan_selectors.prestudy_count(sessions),
        "from_rollups": None,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rollup_figures(total: Rollup) -> dict:
    return {
        "groups": total.groups,
        "sessions": total.sessions,
        "topics_planned": total.topics_planned,
        "attendance_rate": _ratio(total.attended, total.attendance_rows),
        "reflections": total.reflections,
        "bayou_all_met": total.bayou_all_met,
        "observation_coverage": _ratio(total.groups_observed, total.groups),
    }


def _actions(organization: Organization, year: int) -> dict[str, dict]:
    """Actions raised in ``year`` in the subtree (``n``) and of them overdue (``overdue``), per child's path.

    One grouped query. The organization's own groups count under its own path, so the rows add up to the
    subtree's ``actions`` and ``actions_overdue``.
    """
    raised = Action.objects.filter(group__organization__path__startswith=organization.path, raised_on__year=year)
    counts = {"n": Count("pk"), "overdue": Count("pk", filter=overdue_in_year_q(year))}
    return _by_prefix(raised, "group__organization__path", Organization.path_length(organization.depth + 1), **counts)


def build_from_rollups(*, organization: Organization, year: int, total: Rollup | None = None) -> dict:
    """The same page from the rollups: a few indexed rows whatever the size of the subtree (``total``: the
    year's row, when the caller has it)."""
    total = total or Rollup.objects.get(organization=organization, year=year, month=0)
    rows = {r.month: r for r in Rollup.objects.filter(organization=organization, year=year, month__gt=0)}
    figures = _rollup_figures(total)
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
                "unregistered": child_row.unregistered_sessions,
                "coverage": round(child_row.groups_observed / child_row.groups, 4) if child_row.groups else None,
                "overdue": by_child.get(child.path, {}).get("overdue", 0),
            }
        )
    return {
        "figures": figures,
        "unregistered": total.unregistered_sessions,
        "prestudy": None,
        "from_rollups": rollup_as_of(total),
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
    figures, _as_of, unregistered = year_figures_disclosed(organization, year)
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
    held = _by_prefix(
        sessions, "group__organization__path", length, n=Count("pk"), unregistered=Count("pk", filter=unregistered_q())
    )
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
                "unregistered": held.get(key, {}).get("unregistered", 0),
                "coverage": round(observed.get(key, {}).get("groups", 0) / group_count, 4) if group_count else None,
                "overdue": actions.get(key, {}).get("overdue", 0),
            }
        )
    return {
        "figures": figures,
        "unregistered": unregistered,
        "prestudy": prestudy,
        "children": ranking,
        "chart": _chart([per_month.get(m, 0) for m in range(1, 13)], ranking),
    }
