"""Exports: the XLSX ledgers (学习台账, attendance per session and per member) and a group-year archive ZIP."""

from __future__ import annotations

import io
import zipfile

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from audits.models import ObserverVisit
from plans import docx as plan_docx
from plans import selectors as plan_selectors
from plans.models import StudyPlan
from reports import narrative, summary_docs
from reports.figures import year_figures
from reports.models import YearSummary
from reports.pdf import render_pdf
from sessions.models import ATTENDED, Attendance, StudySession, Submission
from studygroup.models import Organization, StudyGroup


def _sheet(workbook: Workbook, title: str, header: list[str], first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def ledger(organization: Organization, year: int) -> bytes:
    """学习台账 of a subtree and year: sessions, attendance per session, attendance per member."""
    sessions = (
        StudySession.objects.filter(group__organization__path__startswith=organization.path, starts_at__year=year)
        .select_related("group__organization", "lead")
        .annotate(rows=Count("attendances"), attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED)))
        .order_by("group__organization__path", "starts_at")
    )
    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Sessions"),
        [
            _("Date"),
            _("Organization"),
            _("Kind"),
            _("Title"),
            _("Place"),
            _("Lead reader"),
            _("Expanded"),
            _("Attendance rows"),
            _("Attended"),
            _("Attendance rate"),
            _("Minutes"),
        ],
        first=True,
    )
    for s in sessions:
        sheet.append(
            [
                f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}",
                s.group.organization.name,
                str(s.get_kind_display()),
                s.title,
                s.location,
                s.lead.name if s.lead else "",
                _("Yes") if s.is_expanded else _("No"),
                s.rows,
                s.attended,
                round(s.attended / s.rows, 4) if s.rows else None,
                _("Yes") if s.minutes.strip() else _("No"),
            ]
        )
    rows = (
        Attendance.objects.filter(session__in=sessions)
        .select_related("session__group__organization", "person")
        .order_by("session__starts_at", "person__name")
    )
    sheet = _sheet(
        workbook,
        _("Attendance per session"),
        [
            _("Date"),
            _("Organization"),
            _("Session"),
            _("Name"),
            _("Status"),
            _("Signed in at"),
            _("Recorded by way of"),
        ],
    )
    for row in rows:
        sheet.append(
            [
                f"{timezone.localtime(row.session.starts_at):%Y-%m-%d}",
                row.session.group.organization.name,
                row.session.title,
                row.person.name,
                str(row.get_status_display()),
                f"{timezone.localtime(row.signed_at):%H:%M}" if row.signed_at else "",
                str(row.get_method_display()),
            ]
        )
    per_member = (
        Attendance.objects.filter(session__in=sessions)
        .values("person__name", "person__organization__name")
        .annotate(
            total=Count("pk"), **{status: Count("pk", filter=Q(status=status)) for status in Attendance.Status.values}
        )
        .order_by("person__organization__name", "person__name")
    )
    labels = [str(label) for _value, label in Attendance.Status.choices]
    sheet = _sheet(
        workbook,
        _("Attendance per member"),
        [_("Name"), _("Organization"), _("Sessions"), *labels, _("Attendance rate")],
    )
    for row in per_member:
        attended = sum(row[s] for s in ATTENDED)
        sheet.append(
            [
                row["person__name"],
                row["person__organization__name"],
                row["total"],
                *[row[s] for s in Attendance.Status.values],
                round(attended / row["total"], 4),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def archive(group: StudyGroup, year: int) -> bytes:
    """学习档案 of a group's year as one ZIP: plan, sessions (minutes and attendance as PDF), submissions,
    visits, summary."""
    folders = {
        "plan": _("Study plan"),
        "sessions": _("Study sessions"),
        "submissions": _("Notes and reflections"),
        "visits": _("Observer visits"),
        "summary": _("Year-end summary"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        plan = StudyPlan.objects.filter(group=group, year=year).first()
        if plan is not None:
            archive_file.writestr(
                f"01-{folders['plan']}.docx",
                plan_docx.plan_document(plan=plan, rows=plan_selectors.plan_year(plan=plan)),
            )
        sessions = group.sessions.filter(starts_at__year=year).select_related("lead").order_by("starts_at")
        for number, session in enumerate(sessions, start=1):
            attendances = session.attendances.select_related("person").order_by("person__name")
            pdf = render_pdf(
                "reports/session_pdf.html",
                {"session": session, "attendances": attendances, "speeches": session.speeches.select_related("person")},
            )
            archive_file.writestr(
                f"02-{folders['sessions']}/{number:02d}-{timezone.localtime(session.starts_at):%m%d}.pdf", pdf
            )
        for submission in (
            Submission.objects.filter(group=group, submitted_on__year=year)
            .exclude(status=Submission.Status.DRAFT)
            .select_related("person")
        ):
            base = (
                f"03-{folders['submissions']}/{submission.pk}-{submission.person.name}-{submission.get_kind_display()}"
            )
            archive_file.writestr(f"{base}.txt", f"{submission.title}\n\n{submission.text}")
            if submission.file:
                with submission.file.open("rb") as handle:
                    archive_file.writestr(f"{base}-{submission.original_name}", handle.read())
        for visit in ObserverVisit.objects.filter(session__group=group, session__starts_at__year=year).select_related(
            "observer", "session"
        ):
            text = "\n".join(
                [
                    str(visit.session),
                    visit.observer.name,
                    str(visit.get_rating_display() or ""),
                    visit.report,
                    visit.findings,
                ]
            )
            archive_file.writestr(f"04-{folders['visits']}/{visit.pk}-{visit.observer.name}.txt", text)
        saved = YearSummary.objects.filter(group=group, year=year, is_final=True).first()
        figures = year_figures(group.organization, year)
        text = saved.text if saved else narrative.draft(name=group.organization.name, year=year, figures=figures)
        archive_file.writestr(
            f"05-{folders['summary']}.docx",
            summary_docs.docx(organization=group.organization, year=year, figures=figures, text=text),
        )
    return buffer.getvalue()
