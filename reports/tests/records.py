"""Generated group-years for the tests that hold the SQL form of 八有/七有 to the per-group rules.

``group_year_spec`` (Hypothesis) draws what one group's year holds, each record placed on either side of the
rule's edges (held or not, in the year or not, blank or whitespace-only text, draft or not...); ``build``
creates it with the factories under a given parent organization. Everything happens in ``YEAR`` seen from
``NOW``.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from hypothesis import strategies as st

from audits.tests.factories import InspectionFactory, ObserverVisitFactory, RulesDocumentFactory
from plans.tests.factories import MaterialFactory, StudyPlanFactory
from reports.tests.factories import YearSummaryFactory
from sessions.tests.factories import AttendanceFactory, SpeechFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import StudyGroup
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory

YEAR = 2026
NOW = "2026-07-01 08:00:00"
WHEN = {
    "held": datetime.datetime(YEAR, 3, 10, 1, tzinfo=datetime.UTC),
    "ahead": datetime.datetime(YEAR, 10, 10, 1, tzinfo=datetime.UTC),
    "last_year": datetime.datetime(YEAR - 1, 5, 10, 1, tzinfo=datetime.UTC),
}
SEATED = {
    "whole_year": (datetime.date(YEAR - 1, 1, 1), None),
    "ended_before": (datetime.date(YEAR - 2, 1, 1), datetime.date(YEAR - 1, 12, 31)),
    "from_next_year": (datetime.date(YEAR + 1, 1, 1), None),
    "left_in_june": (datetime.date(YEAR, 2, 1), datetime.date(YEAR, 6, 30)),
}
WRITINGS = {
    "notes": ("notes", "submitted", datetime.date(YEAR, 4, 1)),
    "reflection": ("reflection", "approved", datetime.date(YEAR, 5, 1)),
    "draft_notes": ("notes", "draft", datetime.date(YEAR, 4, 1)),
    "old_reflection": ("reflection", "submitted", datetime.date(YEAR - 1, 11, 1)),
}
# When the plan was approved: 31 March at 23:30 UTC is still in time, 1 April at 00:30 UTC is not.
APPROVED = {
    "early": datetime.datetime(YEAR, 2, 1, 2, tzinfo=datetime.UTC),
    "last_minute": datetime.datetime(YEAR, 3, 31, 23, 30, tzinfo=datetime.UTC),
    "late": datetime.datetime(YEAR, 4, 1, 0, 30, tzinfo=datetime.UTC),
}
TEXTS = ["", " ", "\u3000\n", "\xa0", "记录", " 记录 "]
# What a session may have for 七有: a plan file, a speech, discussion material (draft or not), a circular, a
# published or unpublished material.
EXTRAS = ["plan_file", "speech", "discussion", "draft_discussion", "circular", "material", "unpublished_material"]

session_spec = st.tuples(
    st.sampled_from(list(WHEN)),
    st.sampled_from(TEXTS),  # minutes
    st.sampled_from(TEXTS),  # session plan text
    st.booleans(),  # attendance rows
    st.sets(st.sampled_from(EXTRAS)),
)
group_year_spec = st.fixed_dictionaries(
    {
        "rules": st.booleans(),
        "plan": st.sampled_from([None, "draft", "submitted", "approved"]),
        "approved": st.sampled_from([None, *APPROVED]),
        "filed": st.booleans(),
        "sessions": st.lists(session_spec, max_size=3),
        "seats": st.lists(
            st.tuples(
                st.sampled_from(["leader", "deputy", "member", "secretary"]),
                st.sampled_from(list(SEATED)),
                st.sets(st.sampled_from(list(WRITINGS))),
            ),
            max_size=3,
        ),
        "visit": st.sampled_from([None, "held", "ahead", "last_year"]),
        "inspection": st.sampled_from([None, YEAR, YEAR - 1]),
        "summary": st.sampled_from([None, "final", "draft"]),
    }
)
# A group meeting every item of 八有.
FULL = {
    "rules": True,
    "plan": "approved",
    "approved": "early",
    "filed": True,
    "sessions": [("held", "记录", "方案", True, set())],
    "seats": [("member", "whole_year", {"notes", "reflection"})],
    "visit": None,
    "inspection": YEAR,
    "summary": "final",
}


def build(parent, spec: dict) -> StudyGroup:
    """Create one group below ``parent`` with the records ``spec`` describes."""
    group = StudyGroupFactory(organization=OrganizationFactory(parent=parent))
    if spec["rules"]:
        RulesDocumentFactory(organization=group.organization)
    if spec["plan"]:
        StudyPlanFactory(
            group=group,
            year=YEAR,
            status=spec["plan"],
            approved_at=APPROVED.get(spec["approved"]),
            filed_at=WHEN["held"] if spec["filed"] else None,
        )
    for when, minutes, plan_text, attended, extras in spec["sessions"]:
        _session(group, WHEN[when], minutes, plan_text, attended, extras)
    for role, seated, writings in spec["seats"]:
        start_on, end_on = SEATED[seated]
        person = MembershipFactory(group=group, role=role, start_on=start_on, end_on=end_on).person
        for writing in writings:
            kind, status, on = WRITINGS[writing]
            SubmissionFactory(group=group, person=person, kind=kind, status=status, submitted_on=on)
    if spec["visit"]:
        starts = WHEN[spec["visit"]]
        ObserverVisitFactory(
            session=StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
        )
    if spec["inspection"]:
        InspectionFactory(group=group, year=spec["inspection"])
    if spec["summary"]:
        YearSummaryFactory(group=group, year=YEAR, is_final=spec["summary"] == "final")
    return group


def _session(group, starts, minutes, plan_text, attended, extras):
    session = StudySessionFactory(
        group=group,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        minutes=minutes,
        plan_text=plan_text,
        circular_sent_at=starts if "circular" in extras else None,
    )
    if "plan_file" in extras:
        session.plan_file.save("方案.pdf", ContentFile(b"%PDF-1.4"), save=True)
    if attended:
        AttendanceFactory(session=session)
    if "speech" in extras:
        SpeechFactory(session=session)
    for extra, status in (("discussion", "submitted"), ("draft_discussion", "draft")):
        if extra in extras:
            SubmissionFactory(group=group, session=session, kind="discussion", status=status)
    if "material" in extras:
        MaterialFactory(group=group, session=session)
    if "unpublished_material" in extras:
        MaterialFactory(group=group, session=session, published_at=None)
    return session
