"""The draft of a year summary in the four parts a party office writes (staff edit it before saving).

一、基本情况 / 二、主要做法和成效 / 三、存在的问题 / 四、下一步打算. Every sentence rests on records of
the organization's subtree: a figure, a title, a finding, an action, a plan. A sentence whose records are
missing is left out rather than written as a phrase true of any group, so an organization without
records gets a short draft that says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Exists, F, Min, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Action, ChecklistItem, ObserverVisit
from audits.selectors import awaiting_acceptance_q, judge_date
from plans.models import PlanMonth, PlanTopic, ResearchReport, SessionKind, StudyPlan
from reports import extensions
from sessions.models import StudySession, Submission, held_q
from studygroup.models import Organization

# How many titles, findings or actions a sentence names before it stops (the figures give the whole count).
NAMED = 5
# 有总结 is met by saving this very summary: it is never a problem the summary reports.
NOT_A_PROBLEM = {"summary"}


@dataclass
class Records:
    """What the draft says beyond the figures, read from the subtree's records."""

    main_lines: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    reflections: list[tuple[str, str]] = field(default_factory=list)
    reports: list[tuple[str, str]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    open_actions: list[str] = field(default_factory=list)
    open_count: int = 0
    overdue_count: int = 0
    # Actions of the year reported done whose raiser has not yet accepted them (``awaiting_acceptance``).
    awaiting_acceptance: int = 0
    # Plan topics not yet studied whose month is the current, unfinished one or later: not yet late.
    topics_not_yet_due: int = 0
    unmet: list[tuple[str, int]] = field(default_factory=list)
    has_plan: bool = False
    next_main_lines: list[str] = field(default_factory=list)
    next_themes: list[str] = field(default_factory=list)
    has_next_plan: bool = False


def _unique(values) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        # A quoted title or line ends inside the sentence that quotes it: no full stop of its own.
        value = re.sub(r"[。.;;,,、\s]+$", "", " ".join(str(value).split()))
        if value:
            seen.setdefault(value, None)
    return list(seen)


# How many more distinct values than needed ``_first_values`` reads, in case normalising merges a few.
SPARE = 20


def _first_values(queryset, field: str, order: list[str], limit: int) -> list[str]:
    """The first ``limit`` values of ``field`` in ``order``, as ``_unique`` gives them (normalised, deduplicated).

    The database keeps the first row of each distinct value (a window per value) and returns a few of them, so a
    subtree's thousands of rows are not all read; only if normalising merged enough values to leave fewer than
    ``limit`` is everything read, as before.
    """
    ordering = [F(name) for name in order]
    ranked = (
        queryset.annotate(rank=Window(RowNumber(), partition_by=[F(field)], order_by=ordering))
        .filter(rank=1)
        .order_by(*order)
        .values_list(field, flat=True)
    )
    raw = list(ranked[: limit + SPARE])
    values = _unique(raw)
    if len(values) < limit and len(raw) == limit + SPARE:
        values = _unique(queryset.order_by(*order).values_list(field, flat=True))
    return values[:limit]


# How many rows per title wanted ``_first_titles`` reads in order before it groups the sessions by title and start.
HEAD = 10


def _first_titles(sessions, limit: int) -> list[str]:
    """``_first_values(sessions, "title", ["starts_at", "pk"], limit)``, without sorting every session of a large
    subtree by title (seconds at a province's root).

    The first rows in order usually name enough titles (an index scan). Otherwise one grouped pass gives each
    (title, start) its first row; ranked per title, the first of each is the title's first session, as reading
    every row in order would find it, and only those pairs are sorted (many sessions share a title and a start).
    """
    head = list(sessions.order_by("starts_at", "pk").values_list("title", flat=True)[: limit * HEAD])
    values = _unique(head)
    if len(values) >= limit or len(head) < limit * HEAD:
        return values[:limit]
    firsts = (
        sessions.order_by()
        .values("title", "starts_at")
        .annotate(first_pk=Min("pk"))
        .annotate(rank=Window(RowNumber(), partition_by=[F("title")], order_by=[F("starts_at"), F("first_pk")]))
        .filter(rank=1)
        .order_by("starts_at", "first_pk")
        .values_list("title", flat=True)
    )
    raw = list(firsts[: limit + SPARE])
    values = _unique(raw)
    if len(values) < limit and len(raw) == limit + SPARE:  # normalising merged too many: read them all
        return _first_values(sessions, "title", ["starts_at", "pk"], limit)
    return values[:limit]


def _plans(path: str, year: int) -> tuple[bool, list[str], list[str]]:
    plans = StudyPlan.objects.filter(group__organization__path__startswith=path, year=year)
    themes = PlanMonth.objects.filter(plan__in=plans).exclude(theme="")
    return (
        plans.exists(),
        _first_values(plans, "main_line", ["pk"], 2),
        _first_values(themes, "theme", ["month", "plan__group__organization__path"], 6),
    )


def _first_lines(texts, limit: int) -> list[str]:
    """The first ``limit`` distinct lines (``_unique``) of ``texts``, read only as far as needed."""
    found: list[str] = []
    for text in texts.iterator(chunk_size=200):
        found = _unique([*found, *text.splitlines()])
        if len(found) >= limit:
            break
    return found[:limit]


def awaiting_acceptance_count(organization: Organization, year: int) -> int:
    """Actions raised in ``year`` in the subtree, reported done and awaiting acceptance by whoever raised them: the
    N of "(其中待提出人验收N项)", and what the action list filtered by organization, year and 待验收 lists."""
    return Action.objects.filter(
        awaiting_acceptance_q(), raised_on__year=year, group__organization__path__startswith=organization.path
    ).count()


def collect(organization: Organization, year: int, figures: dict, awaiting: int | None = None) -> Records:
    """Read the titles, findings, actions and plans the draft names, in a fixed number of queries; ``awaiting``,
    when the caller has counted it already, is ``awaiting_acceptance_count``."""
    path = organization.path
    in_subtree = {"group__organization__path__startswith": path}
    records = Records()
    records.has_plan, records.main_lines, records.themes = _plans(path, year)
    records.has_next_plan, records.next_main_lines, records.next_themes = _plans(path, year + 1)
    held = StudySession.objects.filter(starts_at__year=year, starts_at__lte=timezone.now(), **in_subtree)
    records.topics = _first_titles(held, NAMED)
    records.reflections = [
        (title, name)
        for title, name in Submission.objects.filter(
            kind=Submission.Kind.REFLECTION,
            status=Submission.Status.APPROVED,
            is_recommended=True,
            submitted_on__year=year,
            **in_subtree,
        )
        .order_by("submitted_on", "pk")
        .values_list("title", "person__name")[:NAMED]
    ]
    records.reports = list(
        ResearchReport.objects.filter(topic__group__organization__path__startswith=path, submitted_on__year=year)
        .order_by("submitted_on", "pk")
        .values_list("title", "submitted_by__name")[:NAMED]
    )
    findings = ObserverVisit.objects.filter(session__in=held).exclude(findings="").order_by("session__starts_at", "pk")
    records.findings = _first_lines(findings.values_list("findings", flat=True), NAMED)
    judged = judge_date(year)
    still_open = Action.objects.filter(raised_on__year__lte=year, **in_subtree).exclude(status=Action.Status.DONE)
    records.open_count = still_open.count()
    records.overdue_count = still_open.filter(due_on__lt=judged).count()
    records.open_actions = _unique(
        problem.splitlines()[0][:60] if problem.strip() else ""
        for problem in still_open.order_by("due_on", "pk").values_list("problem", flat=True)[:NAMED]
    )
    records.awaiting_acceptance = awaiting_acceptance_count(organization, year) if awaiting is None else awaiting
    records.topics_not_yet_due = _topics_not_yet_due(path, year)
    names = dict(ChecklistItem.objects.filter(checklist__code="bayou").values_list("code", "name"))
    records.unmet = [
        (names.get(code, code), figures["groups"] - met)
        for code, met in figures["bayou_met"].items()
        if code not in NOT_A_PROBLEM and met < figures["groups"]
    ]
    return records


def _topics_not_yet_due(path: str, year: int) -> int:
    """Plan topics of ``year`` not studied at a held session whose month is the current one or later."""
    today = timezone.localdate()
    if year < today.year:
        return 0
    later = PlanTopic.objects.filter(plan__group__organization__path__startswith=path, plan__year=year)
    if year == today.year:
        later = later.filter(month__gte=today.month)
    covered = StudySession.topics.through.objects.filter(held_q("studysession__"), plantopic_id=OuterRef("pk"))
    return later.exclude(Exists(covered)).count()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _quoted(values) -> str:
    # Quoted items in a row take no 顿号 between them (GB/T 15834).
    return "".join(f"“{value}”" for value in values)


def _by(pairs) -> str:
    return "、".join(_("“%(title)s” (%(name)s)") % {"title": title, "name": name} for title, name in pairs)


def draft(
    *, organization: Organization, year: int, figures: dict, awaiting: int | None = None, unregistered: int = 0
) -> str:
    """The four-part draft of ``organization``'s summary for ``year``, paragraphs separated by blank lines
    (``awaiting``: ``awaiting_acceptance_count``, when the caller has counted it already; ``unregistered``: held
    sessions without attendance, said beside the attendance rate)."""
    records = collect(organization, year, figures, awaiting)
    name = organization.name
    more = extensions.summary_sentences(organization, year, figures)
    if _is_empty(figures, records) and not more:
        parts = [
            (
                _("I. Overview"),
                [
                    _(
                        "No study records of %(name)s for %(year)d are in the system yet: no study plan, session, "
                        "submission, observer visit or action."
                    )
                    % {"name": name, "year": year}
                ],
            ),
            (_("IV. Next steps"), _next_plan(year, records)),
        ]
    else:
        parts = [
            (_("I. Overview"), [*_overview(name, year, figures, records), *_unregistered(unregistered)]),
            (_("II. What was done and achieved"), [*_achievements(figures, records), *more]),
            (_("III. Problems"), _problems(figures, records)),
            (_("IV. Next steps"), _next_steps(year, figures, records)),
        ]
    blocks = []
    for heading, sentences in parts:
        if sentences:
            blocks.append(str(heading))
            blocks.append("".join(str(sentence) for sentence in sentences))
    return "\n\n".join(blocks)


def _is_empty(figures: dict, records: Records) -> bool:
    counted = (
        "sessions",
        "notes",
        "reflections",
        "discussion_materials",
        "research_topics",
        "research_reports",
        "lectures",
        "observer_visits",
        "actions",
    )
    return not records.has_plan and not records.open_count and not any(figures[key] for key in counted)


def _unregistered(count: int) -> list[str]:
    from reports import disclosure

    return [disclosure.sentence(count)] if count else []


def _overview(name: str, year: int, figures: dict, records: Records) -> list[str]:
    sentences = []
    if figures["groups"] > 1:
        sentences.append(
            _("%(name)s and the units below it have %(groups)d theoretical study central groups.")
            % {"name": name, "groups": figures["groups"]}
        )
    if figures["sessions"]:
        kinds = "、".join(
            _("%(kind)s %(count)d") % {"kind": label, "count": figures["sessions_by_kind"][value]}
            for value, label in SessionKind.choices
            if figures["sessions_by_kind"][value]
        )
        sentences.append(
            _("In %(year)d, %(name)s held %(sessions)d study sessions in all: %(kinds)s.")
            % {"year": year, "name": name, "sessions": figures["sessions"], "kinds": kinds}
        )
        if figures["expanded_sessions"]:
            sentences.append(
                _("%(expanded)d of them were expanded sessions with invited attendees.")
                % {"expanded": figures["expanded_sessions"]}
            )
    else:
        sentences.append(_("In %(year)d, %(name)s recorded no study session.") % {"year": year, "name": name})
    if figures["topics_planned"]:
        sentences.append(
            _("The year's plan set %(planned)d topics, of which %(held)d were studied at a session.")
            % {"planned": figures["topics_planned"], "held": figures["topics_held"]}
        )
    if figures["attendance_rate"] is not None:
        sentences.append(
            _(
                "The attendance rate was %(rate)s; %(leave)d absences on leave and %(absent)d without leave were "
                "recorded, and %(made_up)d were made up afterwards."
            )
            % {
                "rate": _percent(figures["attendance_rate"]),
                "leave": figures["leave"],
                "absent": figures["absent"],
                "made_up": figures["made_up"],
            }
        )
    return sentences


def _achievements(figures: dict, records: Records) -> list[str]:
    return [*_what_was_studied(records), *_what_members_did(figures, records), *_oversight(figures, records)]


def _what_was_studied(records: Records) -> list[str]:
    sentences = []
    if records.main_lines:
        sentences.append(
            _("The year's study followed the main line %(lines)s.") % {"lines": _quoted(records.main_lines)}
        )
    if records.themes:
        sentences.append(_("The monthly themes were %(themes)s.") % {"themes": _quoted(records.themes)})
    if records.topics:
        sentences.append(_("Sessions studied %(topics)s, among others.") % {"topics": _quoted(records.topics)})
    return sentences


def _what_members_did(figures: dict, records: Records) -> list[str]:
    sentences = []
    if figures["notes"] or figures["reflections"] or figures["discussion_materials"]:
        sentences.append(
            _(
                "Members handed in %(notes)d study notes, %(reflections)d reflections and %(discussion)d discussion "
                "materials."
            )
            % {
                "notes": figures["notes"],
                "reflections": figures["reflections"],
                "discussion": figures["discussion_materials"],
            }
        )
    if records.reflections:
        sentences.append(
            _("Reflections approved and recommended for the digest include %(items)s.")
            % {"items": _by(records.reflections)}
        )
    if figures["research_topics"] or figures["research_reports"]:
        sentences.append(
            _("%(topics)d research topics were set and %(reports)d research reports handed in.")
            % {"topics": figures["research_topics"], "reports": figures["research_reports"]}
        )
    if records.reports:
        sentences.append(_("Research reports include %(items)s.") % {"items": _by(records.reports)})
    if figures["lectures"]:
        sentences.append(
            _("Members gave %(lectures)d lectures to %(audience)d listeners.")
            % {"lectures": figures["lectures"], "audience": figures["lecture_audience"]}
        )
    return sentences


def _oversight(figures: dict, records: Records) -> list[str]:
    sentences = []
    if figures["observer_visits"] and figures["groups"] == 1:
        sentences.append(
            _("Observers from above attended %(visits)d sessions.") % {"visits": figures["observer_visits"]}
        )
    elif figures["observer_visits"]:
        sentences.append(
            _("Observers from above attended %(visits)d sessions; %(observed)d of %(groups)d groups were observed.")
            % {
                "visits": figures["observer_visits"],
                "observed": figures["groups_observed"],
                "groups": figures["groups"],
            }
        )
    if figures["actions_done"] and records.awaiting_acceptance:
        # ``actions_done`` counts every action reported done, accepted by its raiser or not.
        sentences.append(
            _(
                "%(done)d of the %(actions)d actions raised during the year were reported done, %(awaiting)d of "
                "them still awaiting acceptance by whoever raised them."
            )
            % {"done": figures["actions_done"], "actions": figures["actions"], "awaiting": records.awaiting_acceptance}
        )
    elif figures["actions_done"]:
        sentences.append(
            _("%(done)d of the %(actions)d actions raised during the year were completed.")
            % {"done": figures["actions_done"], "actions": figures["actions"]}
        )
    if figures["bayou_all_met"]:
        sentences.append(
            _("%(all_met)d of %(groups)d groups met every item of 八有.")
            % {"all_met": figures["bayou_all_met"], "groups": figures["groups"]}
        )
    return sentences


def _unmet_items(figures: dict, records: Records) -> str:
    if figures["groups"] == 1:
        return "、".join(item for item, _count in records.unmet)
    return "、".join(_("%(item)s (%(count)d groups)") % {"item": item, "count": count} for item, count in records.unmet)


def _problems(figures: dict, records: Records) -> list[str]:
    sentences = []
    missing_topics = figures["topics_planned"] - figures["topics_held"] - records.topics_not_yet_due
    if missing_topics > 0:
        sentences.append(_("%(missing)d planned topics were not studied at any session.") % {"missing": missing_topics})
    if records.topics_not_yet_due:
        sentences.append(
            _("%(later)d more topics are planned for this month or later.") % {"later": records.topics_not_yet_due}
        )
    if figures["absent"]:
        sentences.append(_("%(absent)d absences without leave were recorded.") % {"absent": figures["absent"]})
    if records.open_count:
        sentences.append(
            _("%(open)d actions are still open, %(overdue)d of them past their deadline, among them %(items)s.")
            % {"open": records.open_count, "overdue": records.overdue_count, "items": _quoted(records.open_actions)}
        )
    if records.findings:
        sentences.append(_("Observers found: %(items)s.") % {"items": _quoted(records.findings)})
    if records.unmet:
        sentences.append(_("Items of 八有 not yet met: %(items)s.") % {"items": _unmet_items(figures, records)})
    return sentences


def _next_plan(year: int, records: Records) -> list[str]:
    sentences = []
    if records.next_main_lines:
        sentences.append(
            _("The study plan for %(year)d takes %(lines)s as its main line.")
            % {"year": year + 1, "lines": _quoted(records.next_main_lines)}
        )
    if records.next_themes:
        sentences.append(_("Its monthly themes include %(themes)s.") % {"themes": _quoted(records.next_themes)})
    if records.has_next_plan and not (records.next_main_lines or records.next_themes):
        sentences.append(_("The study plan for %(year)d has been drafted.") % {"year": year + 1})
    if not records.has_next_plan:
        sentences.append(_("The study plan for %(year)d is still to be drafted.") % {"year": year + 1})
    return sentences


def _next_steps(year: int, figures: dict, records: Records) -> list[str]:
    sentences = _next_plan(year, records)
    if records.open_count:
        sentences.append(
            _("The %(open)d open actions are to be closed, the overdue ones first.") % {"open": records.open_count}
        )
    if records.unmet:
        sentences.append(
            _("The items of 八有 not yet met (%(items)s) are to be made good.")
            % {"items": _unmet_items(figures, records)}
        )
    return sentences


# Headings of an official text as people type them: "一、基本情况" (level 1) and "(一)强化理论武装" (level 2).
_LEVEL_1 = re.compile(r"^[一二三四五六七八九十]{1,3}、")
_LEVEL_2 = re.compile(r"^[((][一二三四五六七八九十]{1,3}[))]")
# A longer line is a paragraph that merely starts with a number, not a heading.
HEADING_MAX_LENGTH = 30


def heading_level(line: str) -> int:
    """The heading level of a line of a summary (1 or 2), or 0 for a body paragraph."""
    line = line.strip()
    if len(line) > HEADING_MAX_LENGTH or line.endswith("。"):
        return 0
    if _LEVEL_1.match(line):
        return 1
    if _LEVEL_2.match(line):
        return 2
    return 0
