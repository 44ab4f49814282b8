"""Pages of the sessions themselves: the list, scheduling and editing, the detail page and its plan file."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from plans import selectors as plan_selectors
from plans.models import PlanTopic
from sessions import selectors, services
from sessions.forms import LeaveDecisionForm, SessionForm
from sessions.models import Attendance, StudySession
from sessions.views.common import _session
from studygroup import access, documents, formats, keyset
from studygroup import selectors as core_selectors
from studygroup.models import Organization, Person, StudyGroup
from studygroup.once import run_once
from studygroup.viewutils import active_filters, requested_year, run_service, year_choices


def _group_from_query(request) -> int | None:
    value = request.GET.get("group", "")
    return int(value) if value.isdigit() else None


SESSION_PAGE_SIZE = 50


@login_required
def session_list_view(request):
    """The sessions the user reads, a page at a time, latest first (cut at a cursor on the index of the sort,
    never counting every visible session); attendance counted for the page only."""
    year = requested_year(request)
    group_id = _group_from_query(request)
    organization = None
    if request.GET.get("org", "").isdigit():
        organization = access.get_visible_or_404(Organization.objects.all(), request.user, pk=request.GET["org"])
    held = request.GET.get("held") == "1"
    unregistered = request.GET.get("unregistered") == "1"
    month_value = request.GET.get("month", "")
    month = int(month_value) if month_value.isdigit() and 1 <= int(month_value) <= 12 else None
    sessions = selectors.session_list(
        user=request.user,
        year=year,
        group_id=group_id,
        organization=organization,
        held=held,
        unregistered=unregistered,
        month=month,
    )
    page = keyset.page_latest_first(
        sessions,
        key="starts_at",
        size=SESSION_PAGE_SIZE,
        before=request.GET.get("before"),
        after=request.GET.get("after"),
    )
    kept = {
        name: request.GET[name] for name in ("org", "group", "held", "unregistered", "month") if request.GET.get(name)
    }
    context = {
        "year": year,
        "years": year_choices(),
        "sessions": selectors.with_attendance_counts(list(page.object_list)),
        "page": page,
        "query": urlencode({**kept, "year": year}),
        "kept": kept,
        "filters": active_filters(
            request,
            {
                "org": organization.name if organization else "",
                "held": _("Held sessions") if held else "",
                "unregistered": _("Held without attendance recorded") if unregistered else "",
                "month": formats.month_zh(month) if month else "",
            },
        ),
        "staffed": selectors.groups_for_sessions(user=request.user),
        "now": timezone.now(),
    }
    return render(request, "sessions/session_list.html", context)


def _session_form(request, group: StudyGroup, session: StudySession | None = None):
    day = timezone.localdate(session.starts_at) if session else timezone.localdate()
    members = core_selectors.roster(group=group, on=day)
    others = (
        access.visible(Person.objects.all(), request.user)
        .exclude(pk__in=members.values("pk"))
        .select_related("organization")
        .order_by("organization__path", "name")
    )
    topics = PlanTopic.objects.filter(plan__group=group, plan__year__in=[day.year - 1, day.year, day.year + 1])
    initial = {}
    if session is not None:
        initial = {
            name: getattr(session, name)
            for name in ["kind", "title", "location", "is_online", "is_expanded", "lead", "plan_text", "agenda"]
        }
        initial["starts_at"] = timezone.localtime(session.starts_at)
        initial["ends_at"] = timezone.localtime(session.ends_at)
        initial["topics"] = list(session.topics.all())
        initial["speakers"] = list(session.speakers.all())
        initial["invited"] = list(session.invited.all())
        initial["guests"] = "\n".join(
            f"{g.name},{g.organization_name}" if g.organization_name else g.name for g in session.guests.all()
        )
    elif request.GET.get("topic", "").isdigit():
        topic = topics.filter(pk=request.GET["topic"]).first()
        if topic:
            initial = {"title": topic.title, "kind": topic.session_kind, "topics": [topic], "lead": topic.lead}
    return SessionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        topics=topics.order_by("-plan__year", "month"),
        members=members,
        others=others,
        record=session,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create_view(request, group_pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=group_pk)
    access.require(request.user, "change", group)
    form = _session_form(request, group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            session = services.session_create(
                group=group,
                by=request.user,
                topics=data["topics"],
                speakers=data["speakers"],
                invited=data["invited"],
                plan_upload=data.get("plan_upload"),
                **form.session_fields(),
            )
            services.guests_set(session=session, guests=form.guest_list(), by=request.user)
            return session.get_absolute_url()

        address = run_once(request, form, create)
        if address:
            messages.success(request, _("The session has been scheduled."))
            return redirect(address)
    return render(request, "sessions/session_form.html", {"form": form, "group": group})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit_view(request, pk):
    session = _session(request, pk)
    access.require(request.user, "change", session)
    form = _session_form(request, session.group, session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def update():
            services.session_update(
                session=session,
                by=request.user,
                topics=data["topics"],
                speakers=data["speakers"],
                invited=data["invited"],
                plan_upload=data.get("plan_upload"),
                **form.session_fields(),
            )
            services.guests_set(session=session, guests=form.guest_list(), by=request.user)

        if run_service(form, update):
            messages.success(request, _("The session has been saved."))
            return redirect(session)
    return render(request, "sessions/session_form.html", {"form": form, "group": session.group, "session": session})


@login_required
def session_detail_view(request, pk):
    session = _session(request, pk)
    person = access.person_of(request.user)
    can_change = access.can(request.user, "change", session)
    on_roster = access.can(request.user, "sessions.roster", session)
    attendances = list(session.attendances.all())
    can_decide_leave = access.can(request.user, "sessions.leave_decide", session)
    context = {
        "session": session,
        "can_change": can_change,
        "can_decide_leave": can_decide_leave,
        "on_roster": on_roster,
        "mine": next((a for a in attendances if person and a.person_id == person.pk), None),
        "my_leave": session.leave_requests.filter(person=person).first() if person else None,
        "rate": selectors.session_rate(session=session, rows=attendances),
        "counts": {status: sum(1 for a in attendances if a.status == status) for status in Attendance.Status.values},
        "roster_size": len(selectors.roster(session=session)),
        "leaves": selectors.leave_list(session=session, person=person, may_decide=can_decide_leave),
        "topics": session.topics.select_related("plan"),
        "speakers": session.speakers.all(),
        "invited": session.invited.select_related("organization"),
        "guests": session.guests.all(),
        "speeches": session.speeches.select_related("person"),
        "attachments": session.attachments.all(),
        "materials": plan_selectors.material_list(user=request.user, session_id=session.pk),
        "submissions": access.visible(session.submissions.select_related("person"), request.user),
        "decision_form": LeaveDecisionForm(),
        "makeup_due": selectors.makeup_due_on(session),
        "visits": access.visible(session.visits.select_related("observer__organization"), request.user),
    }
    return render(request, "sessions/session_detail.html", context)


@login_required
def session_plan_download_view(request, pk):
    session = _session(request, pk)
    if not session.plan_file:
        raise Http404
    return documents.download_stored(session.plan_file, session.plan_file_name or "plan")
