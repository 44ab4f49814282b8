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
from reports.figures import year_figures_disclosed
from reports.models import YearSummary
from reports.pdf import render_pdf
from sessions.models import ATTENDED, Attendance, StudySession, Submission
from studygroup import access, documents
from studygroup.models import Organization, StudyGroup


def _sheet(workbook: Workbook, title: str, header: list[str], first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    documents.append_row(sheet, header)
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
    _ledger_sessions(workbook, sessions)
    _ledger_attendance(workbook, sessions)
    _ledger_members(workbook, sessions)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ledger_sessions(workbook: Workbook, sessions) -> None:
    """The first sheet: a session a row, with its attendance counted."""
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
        documents.append_row(
            sheet,
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
            ],
        )


def _ledger_attendance(workbook: Workbook, sessions) -> None:
    """The second sheet: an attendance record a row, session by session."""
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
        documents.append_row(
            sheet,
            [
                f"{timezone.localtime(row.session.starts_at):%Y-%m-%d}",
                row.session.group.organization.name,
                row.session.title,
                row.person.name,
                str(row.get_status_display()),
                f"{timezone.localtime(row.signed_at):%H:%M}" if row.signed_at else "",
                str(row.get_method_display()),
            ],
        )


def _ledger_members(workbook: Workbook, sessions) -> None:
    """The third sheet: a member a row, with the count of each attendance status and the member's rate."""
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
        documents.append_row(
            sheet,
            [
                row["person__name"],
                row["person__organization__name"],
                row["total"],
                *[row[s] for s in Attendance.Status.values],
                round(attended / row["total"], 4),
            ],
        )


def archive(group: StudyGroup, year: int, *, user) -> bytes:
    """学习档案 of a group's year as one ZIP: plan, sessions (minutes and attendance as PDF), submissions,
    visits, summary.

    Every record goes through ``access.visible`` for ``user``: the ZIP holds exactly what its reader may
    open as pages. Entry names are built from fixed folder names and ``documents.entry_name`` parts, so a
    person's name or a title never makes a path.
    """
    folders = {
        "plan": _("Study plan"),
        "sessions": _("Study sessions"),
        "submissions": _("Notes and reflections"),
        "visits": _("Observer visits"),
        "summary": _("Year-end summary"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        _archive_plan(archive_file, folders["plan"], group, year, user)
        _archive_sessions(archive_file, folders["sessions"], group, year, user)
        _archive_submissions(archive_file, folders["submissions"], group, year, user)
        _archive_visits(archive_file, folders["visits"], group, year, user)
        if access.organizations_reached(user).filter(pk=group.organization_id).exists():
            # The summary page is read through a reading grant; a leader's seat alone does not open it.
            saved = YearSummary.objects.filter(group=group, year=year, is_final=True).first()
            figures, _as_of, unregistered = year_figures_disclosed(group.organization, year)
            text = (
                saved.text
                if saved
                else narrative.draft(
                    organization=group.organization, year=year, figures=figures, unregistered=unregistered
                )
            )
            archive_file.writestr(
                f"05-{folders['summary']}.docx",
                summary_docs.docx(
                    organization=group.organization, year=year, figures=figures, text=text, unregistered=unregistered
                ),
            )
    return buffer.getvalue()


def _archive_plan(archive_file, folder: str, group: StudyGroup, year: int, user) -> None:
    plan = access.visible(StudyPlan.objects.filter(group=group, year=year), user).first()
    if plan is not None:
        archive_file.writestr(
            f"01-{folder}.docx", plan_docx.plan_document(plan=plan, rows=plan_selectors.plan_year(plan=plan))
        )


def _archive_sessions(archive_file, folder: str, group: StudyGroup, year: int, user) -> None:
    sessions = (
        access.visible(StudySession.objects.filter(group=group, starts_at__year=year), user)
        .select_related("lead", "group__organization")
        .order_by("starts_at")
    )
    for number, session in enumerate(sessions, start=1):
        attendances = access.visible(session.attendances.all(), user).select_related("person").order_by("person__name")
        speeches = access.visible(session.speeches.all(), user).select_related("person")
        pdf = render_pdf(
            "reports/session_pdf.html", {"session": session, "attendances": attendances, "speeches": speeches}
        )
        day = f"{timezone.localtime(session.starts_at):%m%d}"
        archive_file.writestr(f"02-{folder}/{number:02d}-{day}-{documents.entry_name(session.title)}.pdf", pdf)


def _archive_submissions(archive_file, folder: str, group: StudyGroup, year: int, user) -> None:
    submissions = (
        access.visible(Submission.objects.filter(group=group, submitted_on__year=year), user)
        .exclude(status=Submission.Status.DRAFT)
        .select_related("person")
        .order_by("submitted_on", "pk")
    )
    for submission in submissions:
        name = documents.entry_name(f"{submission.person.name}-{submission.get_kind_display()}")
        base = f"03-{folder}/{submission.pk}-{name}"
        archive_file.writestr(f"{base}.txt", f"{submission.title}\n\n{submission.text}")
        if submission.file:
            _archive_stored(
                archive_file, f"{base}-{documents.entry_name(submission.original_name or 'file')}", submission
            )


def _archive_stored(archive_file, entry: str, submission: Submission) -> None:
    """The submission's attachment, read through the storage; one the storage lost is named in a note, so the
    archive is still made and says what is missing."""
    try:
        with submission.file.open("rb") as handle:
            archive_file.writestr(entry, handle.read())
    except FileNotFoundError:
        note = _("The attached file %(name)s is missing from the file storage; ask the office to upload it again.")
        archive_file.writestr(f"{entry}.txt", note % {"name": submission.original_name or submission.file.name})


def _archive_visits(archive_file, folder: str, group: StudyGroup, year: int, user) -> None:
    visits = access.visible(
        ObserverVisit.objects.filter(session__group=group, session__starts_at__year=year), user
    ).select_related("observer", "session")
    for visit in visits:
        text = "\n".join(
            [
                str(visit.session),
                visit.observer.name,
                str(visit.get_rating_display() or ""),
                visit.report,
                visit.findings,
            ]
        )
        archive_file.writestr(f"04-{folder}/{visit.pk}-{documents.entry_name(visit.observer.name)}.txt", text)
