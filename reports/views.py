"""Pages of the reports app: monthly digests, job runs, year summaries, the leader dashboard."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits.selectors import AWAITING
from reports import dashboard, digest, disclosure, exports, extensions, narrative, services, summary_docs
from reports.figures import year_figures_disclosed
from reports.forms import CompileForm, SummaryForm
from reports.models import MonthlyDigest, TaskRun, YearSummary
from reports.pdf import render_pdf
from reports.tasks import previous_month
from sessions.models import StudySession, held_q
from studygroup import access, audit, documents, versions
from studygroup.dbrouter import use_replica
from studygroup.models import AuditEntry, Organization
from studygroup.viewutils import (
    add_errors,
    chosen_organization,
    post_action,
    reach_trail,
    requested_year,
    run_service,
    year_choices,
)


def _staff_organizations(user) -> list[Organization]:
    return list(access.organizations_held(user, [access.STAFF]))


def _reading_organizations(user) -> list[Organization]:
    return list(access.organizations_held(user, access.READING_ROLES))


# Years a group's records can have: the archive URL answers 404 outside them, an export's ``?year=`` 400.
ARCHIVE_YEARS = range(2000, 2101)
LARGEST_ID = 2**63 - 1


def export_year(request) -> int:
    """The ``?year=`` of a download (this year when absent); anything but a year we keep records of is 400."""
    value = request.GET.get("year")
    if value is None:
        return timezone.localdate().year
    if not (value.isascii() and value.isdigit() and len(value) == 4 and int(value) in ARCHIVE_YEARS):
        raise BadRequest
    return int(value)


# Digests -------------------------------------------------------------------------------------


@login_required
def digest_list_view(request):
    year, month = previous_month()
    return _digest_list(request, CompileForm(initial={"year": year, "month": month}))


def _digest_list(request, form: CompileForm, organization: Organization | None = None):
    digests = access.visible(MonthlyDigest.objects.select_related("organization"), request.user)
    staff_orgs = _staff_organizations(request.user)
    context = {
        "digests": digests.order_by("-year", "-month", "organization__path")[:200],
        "staff_orgs": staff_orgs,
        "form": form,
        "chosen_org": organization,
        "this_year": timezone.localdate().year,
        "runs": _with_restart(
            request.user, access.visible(TaskRun.objects.select_related("organization"), request.user)[:20]
        )
        if staff_orgs
        else [],
    }
    return render(request, "reports/digest_list.html", context)


@login_required
@require_POST
def digest_compile_view(request):
    organization = chosen_organization(request, _staff_organizations(request.user))
    form = CompileForm(request.POST)
    if form.is_valid():
        year, month = form.cleaned_data["year"], form.cleaned_data["month"]
        try:
            run = services.digest_compile_start(organization=organization, year=year, month=month, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            _say_started(request, run)
            return redirect(f"{reverse('reports:run-list')}#run-{run.pk}")
    return _digest_list(request, form, organization)


def _say_started(request, run: TaskRun) -> None:
    if run.started_now:
        messages.success(
            request, _("Compiling has started; its progress shows in its row below (%(job)s).") % {"job": run.label}
        )
    else:
        messages.info(
            request,
            _("This job is already running; its progress shows in its row below (%(job)s).") % {"job": run.label},
        )


def _digest(request, pk) -> MonthlyDigest:
    return access.get_visible_or_404(MonthlyDigest.objects.select_related("organization"), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def digest_detail_view(request, pk):
    item = _digest(request, pk)
    can_change = access.can(request.user, "change", item)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        keys = [
            key
            for section in digest.section_keys()
            for entry in item.content.get(section, [])
            for key in [entry.get("key")]
            if key and request.POST.get(f"keep-{key}") != "1"
        ]

        def save():
            versions.check(item, request.POST.get(versions.FIELD))
            services.digest_update(
                digest=item, foreword=request.POST.get("foreword", ""), excluded=keys, by=request.user
            )

        post_action(request, save, _("The digest has been saved."))
        return redirect(item)
    content = digest.visible_content(item.content, item.excluded if not can_change else [])
    content = digest.with_child_links(content, item=item, user=request.user)
    context = {
        "digest": item,
        "content": content,
        "unregistered_url": _digest_unregistered_url(request.user, item, content),
        "excluded": set(item.excluded),
        "more_sections": extensions.digest_sections(content),
        "can_change": can_change and item.status == "draft",
    }
    return render(request, "reports/digest_detail.html", context)


def _digest_unregistered_url(user, item: MonthlyDigest, content: dict) -> str:
    """The session list behind the digest's count of held sessions without attendance, when there are some and
    ``user`` reads the digest's organization (a member reading a county's digest does not: the count is said
    without a link)."""
    if not (content.get("figures") or {}).get("unregistered"):
        return ""
    if not access.visible(Organization.objects.filter(pk=item.organization_id), user).exists():
        return ""
    return disclosure.list_url(organization_id=item.organization_id, year=item.year, month=item.month)


@login_required
@require_http_methods(["GET", "POST"])
def digest_publish_view(request, pk):
    """Ask first (how many members will be notified), then publish on the confirming POST."""
    item = _digest(request, pk)
    access.require(request.user, "change", item)
    if item.status == MonthlyDigest.Status.PUBLISHED:
        messages.info(request, _("The digest has already been published."))
        return redirect(item)
    if request.method == "GET":
        readers = services.digest_readers(item).values("pk").count()
        return render(request, "reports/digest_publish.html", {"digest": item, "readers": readers})
    post_action(
        request,
        lambda: services.digest_publish(digest=item, by=request.user),
        _("The digest has been published and the members notified."),
    )
    return redirect(item)


@login_required
@use_replica()
def digest_pdf_view(request, pk):
    item = _digest(request, pk)
    content = digest.visible_content(item.content, item.excluded)
    more = extensions.digest_sections(content)
    pdf = render_pdf("reports/digest_pdf.html", {"digest": item, "content": content, "more_sections": more})
    return documents.download(pdf, "application/pdf", f"{item}.pdf")


@login_required
def run_list_view(request):
    if not _staff_organizations(request.user):
        raise PermissionDenied
    runs = access.visible(TaskRun.objects.select_related("organization", "triggered_by__person"), request.user)[:100]
    return render(request, "reports/run_list.html", {"runs": _with_restart(request.user, runs)})


def _with_restart(user, runs) -> list[TaskRun]:
    """The runs, each marked whether this user may run it again (an interrupted compile of their organization)."""
    runs = list(runs)
    for run in runs:
        run.can_restart = (
            run.name == "compile_digests"
            and run.organization_id is not None
            and bool(run.params.get("year"))
            and access.can(user, "change", run)
        )
    return runs


@login_required
@require_POST
def run_restart_view(request, pk):
    """Run an interrupted (or finished) compile again: the same record carries on, nothing is compiled twice."""
    run = access.get_visible_or_404(TaskRun.objects.select_related("organization"), request.user, pk=pk)
    if run.name != "compile_digests" or run.organization is None or not run.params.get("year"):
        raise PermissionDenied
    access.require(request.user, "change", run)
    params = run.params
    try:
        again = services.digest_compile_start(
            organization=run.organization, year=params["year"], month=params["month"], by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        _say_started(request, again)
    return redirect("reports:run-list")


# Year summaries ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def summary_view(request):
    organizations = _reading_organizations(request.user)
    organization = chosen_organization(request, organizations, reach_below=True)
    year, this_year = _summary_year(request)
    figures, as_of, unregistered = year_figures_disclosed(organization, year)
    group = getattr(organization, "study_group", None)
    saved = YearSummary.objects.filter(group=group, year=year).first() if group else None
    can_save = group is not None and access.can(request.user, "change", group)
    # Counted once, for the draft's "(其中待提出人验收N项)" and for the figures' link to those very actions.
    awaiting = narrative.awaiting_acceptance_count(organization, year)
    text = (
        saved.text
        if saved
        else narrative.draft(
            organization=organization, year=year, figures=figures, awaiting=awaiting, unregistered=unregistered
        )
    )
    form = SummaryForm(request.POST or None, initial={"text": text}, record=saved)
    # Saving makes the summary final (定稿); before the year is over the page asks first, saying what is still to come.
    confirm_early, still_planned = False, 0
    if request.method == "POST":
        if not can_save:
            raise PermissionDenied
        if year == this_year and request.POST.get("early") != "1":
            confirm_early = form.is_valid()
            still_planned = _sessions_still_planned(organization, year)
        elif form.is_valid() and run_service(
            form, lambda: services.summary_save(group=group, year=year, text=form.cleaned_data["text"], by=request.user)
        ):
            messages.success(request, _("The year-end summary has been saved."))
            return redirect(f"{request.path}?org={organization.pk}&year={year}")
    context = {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "year": year,
        "this_year": this_year,
        "figures": figures,
        "figures_as_of": as_of,
        "awaiting": awaiting,
        "awaiting_url": (
            f"{reverse('audits:action-list')}?{urlencode({'org': organization.pk, 'year': year, 'status': AWAITING})}"
        ),
        "unregistered": unregistered,
        "unregistered_url": disclosure.list_url(organization_id=organization.pk, year=year),
        "form": form,
        "saved": saved,
        "can_save": can_save,
        "text": text,
        "confirm_early": confirm_early,
        "still_planned": still_planned,
    }
    return render(request, "reports/summary.html", context)


def _summary_year(request) -> tuple[int, int]:
    """The year asked for and this year; a year still to come has no records to sum up: this year's summary
    instead, saying so."""
    year = requested_year(request)
    this_year = timezone.localdate().year
    if year > this_year:
        messages.info(
            request,
            _("%(year)d has not begun: there is nothing to sum up yet. This is the summary of %(this)d.")
            % {"year": year, "this": this_year},
        )
        year = this_year
    return year, this_year


def _sessions_still_planned(organization: Organization, year: int) -> int:
    """Sessions of the subtree scheduled later in ``year`` that have not started: what a summary saved now leaves
    out."""
    return (
        StudySession.objects.filter(group__organization__path__startswith=organization.path, starts_at__year=year)
        .exclude(held_q())
        .count()
    )


def _summary_parts(request):
    year = export_year(request)
    if year > timezone.localdate().year:
        raise BadRequest  # a year still to come has nothing to sum up
    organization = chosen_organization(request, _reading_organizations(request.user), reach_below=True, strict=True)
    figures, _as_of, unregistered = year_figures_disclosed(organization, year)
    group = getattr(organization, "study_group", None)
    saved = YearSummary.objects.filter(group=group, year=year, is_final=True).first() if group else None
    text = (
        saved.text
        if saved
        else narrative.draft(organization=organization, year=year, figures=figures, unregistered=unregistered)
    )
    return organization, year, figures, unregistered, text


@login_required
@use_replica()
def summary_docx_view(request):
    organization, year, figures, unregistered, text = _summary_parts(request)
    content = summary_docs.docx(
        organization=organization, year=year, figures=figures, text=text, unregistered=unregistered
    )
    return documents.download(content, documents.DOCX, f"{organization.name}{year}年理论学习中心组学习情况总结.docx")


@login_required
@use_replica()
def summary_pdf_view(request):
    organization, year, figures, unregistered, text = _summary_parts(request)
    pdf = render_pdf(
        "reports/summary_pdf.html",
        {
            "organization": organization,
            "year": year,
            "figures": figures,
            "paragraphs": [(narrative.heading_level(p), p.strip()) for p in text.split("\n") if p.strip()],
            "rows": summary_docs.figure_rows(figures, unregistered),
        },
    )
    return documents.download(pdf, "application/pdf", f"{organization.name}{year}年理论学习中心组学习情况总结.pdf")


# Dashboard -----------------------------------------------------------------------------------


@login_required
@use_replica()
def dashboard_view(request):
    organizations = _reading_organizations(request.user)
    organization = chosen_organization(request, organizations, reach_below=True)
    year = requested_year(request)
    data = dashboard.build(organization=organization, year=year)
    sort = dashboard.sort_children(data["children"], request.GET.get("sort"))
    context = {
        "organization": organization,
        "trail": reach_trail(organization, organizations),
        "organizations": organizations,
        "year": year,
        "sort": sort,
        "years": year_choices(ahead=0),
        **data,
        "more_tiles": extensions.dashboard_tiles(organization, year, data["figures"]),
    }
    return render(request, "reports/dashboard.html", context)


# Exports -------------------------------------------------------------------------------------


@login_required
@use_replica()
def ledger_view(request):
    year = export_year(request)
    organization = chosen_organization(request, _reading_organizations(request.user), reach_below=True, strict=True)
    return documents.download(
        exports.ledger(organization, year), documents.XLSX, f"{organization.name}{year}年学习台账.xlsx"
    )


@login_required
@use_replica()
def archive_view(request, pk, year):
    """The group-year archive ZIP, for the readers ``download_archive`` names (members and observers: 404)."""
    from studygroup.models import StudyGroup

    if year not in ARCHIVE_YEARS or pk > LARGEST_ID:
        raise Http404
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    if not access.can(request.user, "download_archive", group):
        raise Http404
    return documents.download(
        exports.archive(group, year, user=request.user),
        "application/zip",
        f"{group.organization.name}{year}年学习档案.zip",
    )


# Records bundle ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def records_view(request):
    """Staff download their organization's records and import a bundle into its subtree.

    A small bundle is checked at once (every problem listed on this page, nothing stored); a bundle without
    problems, or a large one, is stored and imported by a job whose page shows its progress and result."""
    from reports import records_import

    organizations = _staff_organizations(request.user)
    organization = chosen_organization(request, organizations)
    errors = []
    if request.method == "GET" and request.GET.get("download"):
        year, valid = _bundle_year(request.GET.get("year", ""))
        if valid:
            return _records_download(request, organization, year)
        errors = [_("Choose a year from the list to download.")]
    if request.method == "POST":
        upload = request.FILES.get("bundle")
        if upload is None:
            errors = [_("Choose the bundle file (.json) to import.")]
        elif upload.size > 200 * 1024 * 1024:
            errors = [_("The file is larger than 200 MB; ask the system administrator to import it on the server.")]
        elif records_import.check_now(upload):
            errors = records_import.records_import_check(raw=upload.read(), organization=organization, by=request.user)
        if request.method == "POST" and upload is not None and not errors:
            started = records_import.records_import_start(
                upload=upload, organization=organization, by=request.user, ip_address=audit.client_address(request)
            )
            messages.success(request, _("The bundle has been received; it is being imported."))
            return redirect(started)
    return render(
        request,
        "reports/records.html",
        {
            "organization": organization,
            "organizations": organizations,
            "errors": errors,
            "problems": records_import.by_part(errors[:500]),
            "imports": access.visible(organization.records_imports.select_related("run"), request.user)[:5],
            "year": timezone.localdate().year,
        },
        status=400 if errors and request.method == "GET" else 200,
    )


def _bundle_year(value: str) -> tuple[int | None, bool]:
    """The year asked for a download (empty: every year) and whether it is one the page offers."""
    if not value:
        return None, True
    if value.isascii() and value.isdigit() and len(value) == 4 and 2000 <= int(value) <= 2100:
        return int(value), True
    return None, False


def _records_download(request, organization: Organization, year: int | None):
    from django.http import StreamingHttpResponse

    from reports.bundle.exporter import counts, write

    audit.write(
        action=AuditEntry.Action.EXPORT,
        user=request.user,
        ip_address=audit.client_address(request),
        organization_path=organization.path,
        changes={"year": year, "records": counts(organization, year)},
    )
    name = f"{organization.code}{'-' + str(year) if year else ''}.json"
    response = StreamingHttpResponse(_encoded(write(organization, year)), content_type="application/json")
    response = documents.private_attachment(response, name)
    response.audit_logged = True
    return response


def _encoded(pieces):
    """The document's pieces as UTF-8, read from the replica like the rest of the download (after the view)."""
    with use_replica():
        for piece in pieces:
            yield piece.encode()
