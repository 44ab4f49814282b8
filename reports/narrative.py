"""The narrative draft of a year summary, written from the year figures (staff edit it before saving)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sessions.models import SessionKind


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def draft(*, name: str, year: int, figures: dict) -> str:
    kinds = "、".join(
        _("%(kind)s %(count)d") % {"kind": label, "count": figures["sessions_by_kind"][value]}
        for value, label in SessionKind.choices
        if figures["sessions_by_kind"][value]
    )
    paragraphs = [
        _(
            "In %(year)d, %(name)s held %(sessions)d study sessions in all (%(kinds)s), of which %(expanded)d were "
            "expanded sessions; %(held)d of the %(planned)d planned topics were studied."
        )
        % {
            "year": year,
            "name": name,
            "sessions": figures["sessions"],
            "kinds": kinds or "—",
            "expanded": figures["expanded_sessions"],
            "held": figures["topics_held"],
            "planned": figures["topics_planned"],
        },
        _(
            "The attendance rate was %(rate)s; %(leave)d absences on leave and %(absent)d without leave were recorded, "
            "and %(made_up)d study sessions were made up."
        )
        % {
            "rate": _percent(figures["attendance_rate"]),
            "leave": figures["leave"],
            "absent": figures["absent"],
            "made_up": figures["made_up"],
        },
        _(
            "Members submitted %(notes)d study notes, %(reflections)d reflections and %(discussion)d discussion "
            "materials; %(topics)d research topics were set and %(reports)d research reports submitted; members gave "
            "%(lectures)d lectures to %(audience)d listeners."
        )
        % {
            "notes": figures["notes"],
            "reflections": figures["reflections"],
            "discussion": figures["discussion_materials"],
            "topics": figures["research_topics"],
            "reports": figures["research_reports"],
            "lectures": figures["lectures"],
            "audience": figures["lecture_audience"],
        },
        _(
            "Observers from above attended %(visits)d sessions; %(observed)d of %(groups)d groups were observed "
            "(coverage %(coverage)s). %(actions)d actions were raised, %(done)d of them done and %(overdue)d "
            "overdue."
        )
        % {
            "visits": figures["observer_visits"],
            "observed": figures["groups_observed"],
            "groups": figures["groups"],
            "coverage": _percent(figures["observation_coverage"]),
            "actions": figures["actions"],
            "done": figures["actions_done"],
            "overdue": figures["actions_overdue"],
        },
        _("%(all_met)d of %(groups)d groups met all eight items of the 八有 standard.")
        % {"all_met": figures["bayou_all_met"], "groups": figures["groups"]},
    ]
    return "\n\n".join(paragraphs)
