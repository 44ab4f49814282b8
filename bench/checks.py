"""The fastest hand-written SQL for each page's figures, and what the page itself shows (read from the context the
view rendered). The benchmark times both and refuses to report a page whose figures differ from its SQL.

Every query here may read what the application keeps (rollups, stored 八有/七有 statuses, compiled digests):
that is what the pages read, so the fastest SQL reads it too. Year figures and lists are computed from the
records. Where a page has no figures (a list), its SQL is the query of its page of rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ATTENDED = ("present", "late", "made_up")


class FiguresDiffer(AssertionError):
    """A page shows figures its hand-written SQL does not give: the benchmark stops (never reports a ratio)."""


@dataclass
class Where:
    """What a page's SQL needs: the organization shown, the year and the time zone its dates are read in."""

    organization_id: int
    path: str
    depth: int
    year: int
    tz: str
    digest_id: int | None = None


def normal(value: Any) -> Any:
    """Figures as JSON would hold them (tuples as lists, numbers as numbers) so that SQL and page compare."""
    return json.loads(json.dumps(value, default=str))


# What a page may not show, left out of its SQL's figures then (a list cut at a cursor counts no total).
OPTIONAL = {"count"}


def compare(name: str, page: Any, sql: Any) -> None:
    page, sql = normal(page), normal(sql)
    if isinstance(page, dict) and isinstance(sql, dict):
        sql = {key: value for key, value in sql.items() if key in page or key not in OPTIONAL}
    if page != sql:
        raise FiguresDiffer(f"{name}: the page shows {_short(page)} but its SQL gives {_short(sql)}")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) < 600 else text[:600] + "…"


def _ratio(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def _rows(cursor, sql: str, params: list) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _year_bounds(where: Where) -> str:
    return (
        f"make_timestamptz({where.year}, 1, 1, 0, 0, 0, %(tz)s) AND {{col}} < "
        f"make_timestamptz({where.year + 1}, 1, 1, 0, 0, 0, %(tz)s)"
    )


# Dashboard (rollups) ---------------------------------------------------------------------------------------------

DASHBOARD_SQL = """
WITH total AS (
    SELECT r.* FROM reports_rollup r WHERE r.organization_id = %(org)s AND r.year = %(year)s AND r.month = 0
), acts AS (
    SELECT substr(o.path, 1, %(child_len)s) AS prefix, count(*) AS n,
           count(*) FILTER (WHERE a.due_on < %(judge)s AND NOT (a.status = 'done'
                            AND (a.done_on IS NULL OR a.done_on <= a.due_on))) AS overdue
    FROM audits_action a JOIN studygroup_studygroup g ON g.id = a.group_id
    JOIN studygroup_organization o ON o.id = g.organization_id
    WHERE o.path LIKE %(like)s AND a.raised_on >= make_date(%(year)s, 1, 1) AND a.raised_on < make_date(%(year)s + 1, 1, 1)
    GROUP BY 1
)
SELECT * FROM (
SELECT 'total' AS kind, NULL AS name, t.groups, t.sessions, t.topics_planned, t.attended, t.attendance_rows AS n,
       t.reflections, t.bayou_all_met, t.groups_observed, (SELECT sum(n) FROM acts), (SELECT sum(overdue) FROM acts),
       NULL
FROM total t
UNION ALL
SELECT 'child', o.name, r.groups, r.sessions, NULL, r.attended, r.attendance_rows, NULL, NULL, r.groups_observed,
       NULL, coalesce(acts.overdue, 0), o.path
FROM reports_rollup r JOIN studygroup_organization o ON o.id = r.organization_id
LEFT JOIN acts ON acts.prefix = o.path
WHERE o.parent_id = %(org)s AND r.year = %(year)s AND r.month = 0
) u
ORDER BY kind DESC, round(u.attended::numeric / nullif(u.n, 0), 4) DESC NULLS LAST, name COLLATE "C"
"""


def dashboard_sql(cursor, where: Where, judge) -> dict:
    from studygroup.models import Organization

    params = {
        "org": where.organization_id,
        "year": where.year,
        "like": where.path + "%",
        "child_len": Organization.path_length(where.depth + 1),
        "judge": judge,
    }
    rows = _rows(cursor, DASHBOARD_SQL, params)
    _kind, _name, groups, sessions, planned, attended, rows_, reflections, all_met, observed, acts, overdue, _p = rows[
        0
    ]
    figures = {
        "groups": groups,
        "sessions": sessions,
        "topics_planned": planned,
        "attendance_rate": _ratio(attended, rows_),
        "reflections": reflections,
        "bayou_all_met": all_met,
        "observation_coverage": _ratio(observed, groups),
        "actions": int(acts or 0),
        "actions_overdue": int(overdue or 0),
    }
    children = [
        [name, g, s, _ratio(att, n), _ratio(obs, g), int(od)]
        for _k, name, g, s, _t, att, n, _r, _b, obs, _a, od, _p in rows[1:]
    ]
    return {"figures": figures, "children": children}


DASHBOARD_KEYS = [
    "groups",
    "sessions",
    "topics_planned",
    "attendance_rate",
    "reflections",
    "bayou_all_met",
    "observation_coverage",
    "actions",
    "actions_overdue",
]


def dashboard_page(context) -> dict:
    """The headline figures (a subtree computed live shows every year figure: the rollup's nine are compared)
    and the ranking of the children."""
    children = [
        [c["name"], c["groups"], c["sessions"], c["attendance_rate"], c["coverage"], c["overdue"]]
        for c in context["children"]
    ]
    return {"figures": {key: context["figures"][key] for key in DASHBOARD_KEYS}, "children": children}


# The leader's and viewer's home: four figures at a glance ------------------------------------------------------

GLANCE_SQL = """
SELECT r.groups, r.sessions, r.topics_planned, r.attended, r.attendance_rows, r.reflections, r.bayou_all_met,
       r.groups_observed
FROM reports_rollup r WHERE r.organization_id = %(org)s AND r.year = %(year)s AND r.month = 0
"""


def glance_sql(cursor, where: Where) -> dict:
    groups, sessions, planned, attended, rows, reflections, all_met, observed = _rows(
        cursor, GLANCE_SQL, {"org": where.organization_id, "year": where.year}
    )[0]
    figures = {
        "groups": groups,
        "sessions": sessions,
        "topics_planned": planned,
        "attendance_rate": _ratio(attended, rows),
        "reflections": reflections,
        "bayou_all_met": all_met,
        "observation_coverage": _ratio(observed, groups),
    }
    return {key: figures[key] for key in GLANCE_KEYS}


GLANCE_KEYS = ["sessions", "attendance_rate", "observation_coverage"]


def glance_page(context) -> dict:
    """The figures every form of the panel shows (from the rollup it shows more; those are the dashboard's)."""
    for panel in context["panels"]:
        if panel["key"] == "dashboard-entry":
            return {key: panel["figures"][key] for key in GLANCE_KEYS}
    raise FiguresDiffer("the home page shows no 'This year at a glance' panel")


# Compliance (八有), first page: the page's groups in tree order with their statuses -------------------------

COMPLIANCE_SQL = """
SELECT g.id, s.statuses, (SELECT count(*) FROM studygroup_studygroup g2
                          JOIN studygroup_organization o2 ON o2.id = g2.organization_id
                          WHERE o2.path LIKE %(like)s AND g2.is_active)
FROM studygroup_studygroup g JOIN studygroup_organization o ON o.id = g.organization_id
LEFT JOIN audits_checkliststatus s ON s.group_id = g.id AND s.year = %(year)s AND s.checklist = 'bayou'
WHERE o.path LIKE %(like)s AND g.is_active
ORDER BY o.path, g.id
LIMIT %(size)s
"""


def compliance_sql(cursor, where: Where, size: int) -> dict:
    rows = _rows(cursor, COMPLIANCE_SQL, {"like": where.path + "%", "year": where.year, "size": size})
    return {
        "count": rows[0][2] if rows else 0,
        "rows": [[pk, json.loads(s) if isinstance(s, str) else s] for pk, s, _n in rows],
    }


def compliance_page(context) -> dict:
    return {
        "count": context["page"].paginator.count,
        "rows": [[row["group"].pk, row["statuses"]] for row in context["rows"]],
    }


# Session list, first page: the latest sessions the reader sees, with their attendance -------------------------

SESSIONS_SQL = """
WITH page AS (
    SELECT s.id, s.starts_at FROM study_sessions_studysession s
    JOIN studygroup_studygroup g ON g.id = s.group_id JOIN studygroup_organization o ON o.id = g.organization_id
    WHERE o.path LIKE %(like)s AND s.starts_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(tz)s)
      AND s.starts_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, %(tz)s)
    ORDER BY s.starts_at DESC, s.id DESC LIMIT %(size)s
)
SELECT p.id, count(a.id), count(a.id) FILTER (WHERE a.status IN ('present', 'late', 'made_up'))
FROM page p LEFT JOIN study_sessions_attendance a ON a.session_id = p.id
GROUP BY p.id, p.starts_at ORDER BY p.starts_at DESC, p.id DESC
"""
SESSIONS_COUNT_SQL = """
SELECT count(*) FROM study_sessions_studysession s
JOIN studygroup_studygroup g ON g.id = s.group_id JOIN studygroup_organization o ON o.id = g.organization_id
WHERE o.path LIKE %(like)s AND s.starts_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(tz)s)
  AND s.starts_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, %(tz)s)
"""


def sessions_sql(cursor, where: Where, size: int, count: bool = False) -> dict:
    """The first page's sessions; their count only with ``count`` (a page cut at a cursor, as a province's root
    reader gets, shows none, and the fastest SQL for it counts nothing either)."""
    params = {"like": where.path + "%", "year": where.year, "tz": where.tz, "size": size}
    figures = {"rows": [list(row) for row in _rows(cursor, SESSIONS_SQL, params)]}
    if count:
        figures["count"] = _rows(cursor, SESSIONS_COUNT_SQL, params)[0][0]
    return figures


def sessions_page(context) -> dict:
    """The page's sessions with their attendance, and the count of all when the page shows one (a page cut at a
    cursor counts nothing: ``compare`` then leaves the SQL's count out)."""
    shown = {"rows": [[s.pk, s.attendance_rows, s.attended_rows] for s in context["sessions"]]}
    paginator = getattr(context["page"], "paginator", None)
    if paginator is not None:
        shown["count"] = paginator.count
    return shown


# Observer coverage, first page: the subtree's totals per child and the page's groups with their visits --------

COVERAGE_PARTS_SQL = """
WITH parts AS (
    SELECT o.id, o.path, o.path = %(path)s AS own FROM studygroup_organization o
    WHERE o.id = %(org)s OR o.parent_id = %(org)s
), groups AS (
    SELECT g.id, o.path FROM studygroup_studygroup g JOIN studygroup_organization o ON o.id = g.organization_id
    WHERE o.path LIKE %(like)s
), visits AS (
    SELECT v.id, s.group_id, s.starts_at <= now() AS held, o.path FROM audits_observervisit v
    JOIN study_sessions_studysession s ON s.id = v.session_id JOIN studygroup_studygroup g ON g.id = s.group_id
    JOIN studygroup_organization o ON o.id = g.organization_id
    WHERE o.path LIKE %(like)s AND s.starts_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(tz)s)
      AND s.starts_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, %(tz)s)
)
SELECT p.id,
       (SELECT count(*) FROM groups x WHERE CASE WHEN p.own THEN x.path = p.path ELSE x.path LIKE p.path || '%%' END),
       (SELECT count(DISTINCT group_id) FROM visits x
        WHERE x.held AND CASE WHEN p.own THEN x.path = p.path ELSE x.path LIKE p.path || '%%' END),
       (SELECT count(*) FROM visits x
        WHERE NOT x.held AND CASE WHEN p.own THEN x.path = p.path ELSE x.path LIKE p.path || '%%' END)
FROM parts p ORDER BY p.own DESC, p.path
"""
COVERAGE_PAGE_SQL = """
WITH page AS (
    SELECT g.id, o.path FROM studygroup_studygroup g JOIN studygroup_organization o ON o.id = g.organization_id
    WHERE o.path LIKE %(like)s ORDER BY o.path, g.id LIMIT %(size)s
)
SELECT p.id, count(v.id) FILTER (WHERE s.starts_at <= now()), count(v.id) FILTER (WHERE s.starts_at > now())
FROM page p
LEFT JOIN study_sessions_studysession s ON s.group_id = p.id
     AND s.starts_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(tz)s)
     AND s.starts_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, %(tz)s)
LEFT JOIN audits_observervisit v ON v.session_id = s.id
GROUP BY p.id, p.path ORDER BY p.path, p.id
"""


def coverage_sql(cursor, where: Where, size: int) -> dict:
    params = {
        "org": where.organization_id,
        "path": where.path,
        "like": where.path + "%",
        "year": where.year,
        "tz": where.tz,
        "size": size,
    }
    parts = [list(row) for row in _rows(cursor, COVERAGE_PARTS_SQL, params) if row[1]]
    groups = sum(p[1] for p in parts)
    observed = sum(p[2] for p in parts)
    return {
        "total": [groups, observed, sum(p[3] for p in parts), _ratio(observed, groups)],
        "parts": parts if len(parts) > 1 else [],
        "groups": [list(row) for row in _rows(cursor, COVERAGE_PAGE_SQL, params)],
    }


def coverage_page(context) -> dict:
    total = context["total"]
    return {
        "total": [total.groups, total.observed, total.planned, context["ratio"]],
        "parts": [[p.organization.pk, p.groups, p.observed, p.planned] for p in context["parts"]],
        "groups": [[g.pk, g.visit_count, g.planned_count] for g in context["groups"]],
    }


# Digest detail: the compiled content as stored ---------------------------------------------------------------


def digest_sql(cursor, where: Where) -> dict:
    """The stored content without the lines staff left out (as a reader who cannot change it sees it)."""
    content, excluded = _rows(
        cursor, "SELECT content, excluded FROM reports_monthlydigest WHERE id = %(id)s", {"id": where.digest_id}
    )[0]
    content = json.loads(content) if isinstance(content, str) else content
    dropped = set(json.loads(excluded) if isinstance(excluded, str) else excluded)
    return {
        key: [line for line in value if not (isinstance(line, dict) and line.get("key") in dropped)]
        if isinstance(value, list)
        else value
        for key, value in content.items()
        if value != []
    }


def digest_page(context) -> dict:
    """The content the page shows (a link the page adds to a line is not a figure: left out)."""
    return {
        key: [{k: v for k, v in line.items() if k != "url"} if isinstance(line, dict) else line for line in value]
        if isinstance(value, list)
        else value
        for key, value in context["content"].items()
        if value != []  # the page lists every section, an empty one too
    }


# Year figures (the year summary page and ``year_summary --json``): the core keys, from the records -----------

BAYOU_ITEMS = ["rules", "plan", "attendance", "minutes", "notes", "reflections", "inspection", "summary"]
KINDS_SQL = "SELECT unnest(%(kinds)s::text[])"
YEAR_SQL = """
WITH sub AS (
    SELECT g.id FROM studygroup_studygroup g JOIN studygroup_organization o ON o.id = g.organization_id
    WHERE o.path LIKE %(like)s
), held AS (
    SELECT s.id, s.group_id, s.kind, s.is_expanded FROM study_sessions_studysession s
    WHERE s.group_id IN (SELECT id FROM sub) AND s.starts_at <= now()
      AND s.starts_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(tz)s)
      AND s.starts_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, %(tz)s)
), att AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE a.status IN ('present', 'late', 'made_up')) AS attended,
           count(*) FILTER (WHERE a.status = 'leave') AS leave, count(*) FILTER (WHERE a.status = 'absent') AS absent,
           count(*) FILTER (WHERE a.status = 'made_up') AS made_up
    FROM study_sessions_attendance a JOIN held h ON h.id = a.session_id
), subm AS (
    SELECT count(*) FILTER (WHERE kind = 'notes') AS notes, count(*) FILTER (WHERE kind = 'reflection') AS refl,
           count(*) FILTER (WHERE kind = 'discussion') AS disc
    FROM study_sessions_submission WHERE group_id IN (SELECT id FROM sub) AND status <> 'draft'
      AND submitted_on >= make_date(%(year)s, 1, 1) AND submitted_on < make_date(%(year)s + 1, 1, 1)
), vis AS (
    SELECT count(*) AS n, count(DISTINCT h.group_id) AS groups FROM audits_observervisit v JOIN held h ON h.id = v.session_id
), act AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE status = 'done') AS done,
           count(*) FILTER (WHERE due_on < %(judge)s AND NOT (status = 'done' AND (done_on IS NULL OR done_on <= due_on)))
             AS overdue
    FROM audits_action WHERE group_id IN (SELECT id FROM sub)
      AND raised_on >= make_date(%(year)s, 1, 1) AND raised_on < make_date(%(year)s + 1, 1, 1)
), top AS (
    SELECT count(*) AS planned, count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM study_sessions_studysession_topics l JOIN study_sessions_studysession s ON s.id = l.studysession_id
               WHERE l.plantopic_id = t.id AND s.starts_at <= now())) AS held
    FROM plans_plantopic t JOIN plans_studyplan p ON p.id = t.plan_id
    WHERE p.group_id IN (SELECT id FROM sub) AND p.year = %(year)s
), bay AS (
    SELECT {bayou}, count(*) FILTER (WHERE {all_met}) AS all_met
    FROM audits_checkliststatus WHERE group_id IN (SELECT id FROM sub) AND year = %(year)s AND checklist = 'bayou'
)
SELECT (SELECT count(*) FROM sub),
       (SELECT json_object_agg(kind, n) FROM (SELECT kind, count(*) AS n FROM held GROUP BY kind) k),
       (SELECT count(*) FILTER (WHERE is_expanded) FROM held),
       att.n, att.attended, att.leave, att.absent, att.made_up, subm.notes, subm.refl, subm.disc,
       (SELECT count(*) FROM plans_researchtopic WHERE group_id IN (SELECT id FROM sub) AND year = %(year)s),
       (SELECT count(*) FROM plans_researchreport r JOIN plans_researchtopic t ON t.id = r.topic_id
        WHERE t.group_id IN (SELECT id FROM sub)
          AND r.submitted_on >= make_date(%(year)s, 1, 1) AND r.submitted_on < make_date(%(year)s + 1, 1, 1)),
       l.n, l.audience, vis.n, vis.groups, act.n, act.done, act.overdue, top.planned, top.held, bay.*
FROM att, subm, vis, act, top, bay,
     (SELECT count(*) AS n, coalesce(sum(audience), 0) AS audience FROM study_sessions_lecture
      WHERE group_id IN (SELECT id FROM sub) AND "on" >= make_date(%(year)s, 1, 1) AND "on" < make_date(%(year)s + 1, 1, 1)) l
""".format(
    bayou=", ".join(f"count(*) FILTER (WHERE statuses->>'{item}' = 'met')" for item in BAYOU_ITEMS),
    all_met=" AND ".join(f"statuses->>'{item}' = 'met'" for item in BAYOU_ITEMS),
)
YEAR_KEYS = [
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


def year_sql(cursor, where: Where, judge, kinds: list[str]) -> dict:
    """The core year figures of the subtree in one statement (the 八有 counts from the stored statuses)."""
    params = {"like": where.path + "%", "year": where.year, "tz": where.tz, "judge": judge}
    row = _rows(cursor, YEAR_SQL, params)[0]
    groups, by_kind, expanded, rows, attended, leave, absent, made_up, notes, refl, disc = row[:11]
    topics, reports, lectures, audience, visits, observed, acts, done, overdue, planned, held = row[11:22]
    bayou, all_met = row[22:30], row[30]
    by_kind = json.loads(by_kind) if isinstance(by_kind, str) else (by_kind or {})
    return {
        "groups": groups,
        "sessions": sum(by_kind.values()),
        "sessions_by_kind": {kind: by_kind.get(kind, 0) for kind in kinds},
        "expanded_sessions": expanded,
        "attendance_rate": _ratio(attended, rows),
        "leave": leave,
        "absent": absent,
        "made_up": made_up,
        "notes": notes,
        "reflections": refl,
        "discussion_materials": disc,
        "research_topics": topics,
        "research_reports": reports,
        "lectures": lectures,
        "lecture_audience": int(audience),
        "observer_visits": visits,
        "groups_observed": observed,
        "observation_coverage": _ratio(observed, groups),
        "actions": acts,
        "actions_done": done,
        "actions_overdue": overdue,
        "topics_planned": planned,
        "topics_held": held,
        "bayou_met": dict(zip(BAYOU_ITEMS, bayou, strict=True)),
        "bayou_all_met": all_met,
    }


def year_page(context) -> dict:
    """The core keys of the figures the year summary page shows (the keys apps above reports add are not
    checked: their SQL is not written here)."""
    return {key: context["figures"][key] for key in YEAR_KEYS}
