"""Pages of the sessions app: sessions, sign-in, attendance, leave and make-up, minutes, submissions, lectures."""

from __future__ import annotations

import datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from plans import selectors as plan_selectors
from plans.models import PlanTopic
from sessions import selectors, services, signin
from sessions.forms import (
    AttachmentForm,
    CircularForm,
    LeaveDecisionForm,
    LeaveForm,
    LectureForm,
    MakeUpForm,
    ManualSignInForm,
    MinutesForm,
    ReviewerForm,
    ReviewForm,
    SessionForm,
    SubmissionForm,
)
from sessions.models import Attendance, LeaveRequest, MinutesAttachment, StudySession, Submission
from sessions.once import run_once
from studygroup import access, documents
from studygroup import selectors as core_selectors
from studygroup.models import Organization, Person, StudyGroup
from studygroup.viewutils import active_filters, post_action, requested_year, run_service, year_choices

# How far back the session list of the notes form reaches.
SUBMISSION_SESSION_DAYS = 400


def _session(request, pk) -> StudySession:
    return access.get_visible_or_404(StudySession.objects.select_related("group__organization"), request.user, pk=pk)


def _group_from_query(request) -> int | None:
    value = request.GET.get("group", "")
    return int(value) if value.isdigit() else None


# Sessions ------------------------------------------------------------------------------------


@login_required
def session_list_view(request):
    year = requested_year(request)
    group_id = _group_from_query(request)
    organization = None
    if request.GET.get("org", "").isdigit():
        organization = access.get_visible_or_404(Organization.objects.all(), request.user, pk=request.GET["org"])
    held = request.GET.get("held") == "1"
    sessions = list(
        selectors.session_list(user=request.user, year=year, group_id=group_id, organization=organization, held=held)[
            :300
        ]
    )
    context = {
        "year": year,
        "years": year_choices(),
        "sessions": sessions,
        "kept": {name: request.GET[name] for name in ("org", "group", "held") if request.GET.get(name)},
        "filters": active_filters(
            request,
            {"org": organization.name if organization else "", "held": _("Held sessions") if held else ""},
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


# Sign-in -------------------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff", omitsize=True)


@login_required
@require_http_methods(["GET", "POST"])
def signin_screen_view(request, pk):
    """The screen staff show in the room: a QR code that changes every minute, and sign-in by hand."""
    session = _session(request, pk)
    access.require(request.user, "change", session)
    roster = selectors.roster(session=session)
    people = (
        Person.objects.filter(pk__in=[p.pk for p in roster])
        .exclude(attendances__session=session, attendances__status__in=["present", "late"])
        .order_by("name")
    )
    if request.method == "POST" and request.POST.get("send_link"):
        link_path = reverse("sessions:signin", args=[session.pk, signin.make_token(session, signin.LINK)])
        post_action(
            request,
            lambda: services.signin_link_send(session=session, url=link_path, by=request.user),
            _("The sign-in link has been sent to those not signed in yet."),
        )
        return redirect("sessions:signin-screen", pk=session.pk)
    form = ManualSignInForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: services.sign_in_by_staff(session=session, person=form.cleaned_data["person"], by=request.user),
        ):
            messages.success(request, _("%(name)s has been signed in.") % {"name": form.cleaned_data["person"].name})
            return redirect("sessions:signin-screen", pk=session.pk)
    qr_url = request.build_absolute_uri(reverse("sessions:signin", args=[session.pk, signin.make_token(session)]))
    context = {
        "session": session,
        "qr_svg": mark_safe(_qr_svg(qr_url)),  # noqa: S308 - SVG generated by segno from our own URL
        "refresh_seconds": settings.SIGNIN_QR_SECONDS,
        "form": form,
        "signed": session.attendances.filter(status__in=["present", "late"])
        .select_related("person")
        .order_by("-signed_at"),
        "roster_size": len(roster),
    }
    return render(request, "sessions/signin_screen.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def signin_view(request, pk, token):
    """What a member sees after scanning: one tap to sign in."""
    session = _session(request, pk)
    error, attendance, created = None, None, False
    person = access.person_of(request.user)
    try:
        signin.read_token(token, session)
        signin.check_window(session)
    except signin.SignInRefused as exc:
        error = str(exc)
    if request.method == "POST" and error is None:
        try:
            attendance, created = services.sign_in(session=session, token=token, by=request.user)
        except signin.SignInRefused as exc:
            error = str(exc)
    elif person is not None:
        attendance = session.attendances.filter(person=person, status__in=["present", "late"]).first()
    return render(
        request,
        "sessions/signin.html",
        {"session": session, "error": error, "attendance": attendance, "created": created, "token": token},
    )


# Attendance ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attendance_view(request, pk):
    session = _session(request, pk)
    can_change = access.can(request.user, "change", session)
    rows = selectors.attendance_grid(session=session)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        marks = {}
        for row in rows:
            value = request.POST.get(f"status-{row.person.pk}", "")
            if value:
                marks[row.person.pk] = value
        try:
            count = services.attendance_mark(session=session, marks=marks, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attendance saved: %(count)d changes.") % {"count": count})
            return redirect("sessions:attendance", pk=session.pk)
    context = {
        "session": session,
        "rows": rows,
        "statuses": Attendance.Status.choices,
        "can_change": can_change,
        "rate": selectors.session_rate(session=session, rows=[r.attendance for r in rows if r.attendance]),
        "default_status": Attendance.Status.ABSENT if session.has_started else "",
    }
    return render(request, "sessions/attendance.html", context)


# Leave and make-up ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def leave_ask_view(request, pk):
    session = _session(request, pk)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def ask() -> str:
            services.leave_ask(session=session, reason=form.cleaned_data["reason"], by=request.user)
            return session.get_absolute_url()

        address = run_once(request, form, ask)
        if address:
            messages.success(request, _("Your leave request has been sent."))
            return redirect(address)
    context = {"session": session, "form": form, "makeup_days": settings.MAKEUP_DAYS}
    return render(request, "sessions/leave_form.html", context)


@login_required
@require_POST
def leave_decide_view(request, pk):
    leave = access.get_visible_or_404(
        LeaveRequest.objects.select_related("session__group", "person"), request.user, pk=pk
    )
    approve = request.POST.get("decision") == "approve"
    post_action(
        request,
        lambda: services.leave_decide(
            request=leave, approve=approve, comment=request.POST.get("comment", ""), by=request.user
        ),
        _("The leave has been approved.") if approve else _("The leave has been refused."),
    )
    return redirect(leave.session.get_absolute_url() + "#leave")


@login_required
def makeup_list_view(request):
    rows = [
        (
            row,
            selectors.makeup_due_on(row.session),
            selectors.overdue(row),
            access.can(request.user, "change", row.session),
        )
        for row in selectors.makeups_open(user=request.user)[:500]
    ]
    context = {
        "rows": rows,
        "overdue_count": sum(1 for r in rows if r[2]),
        "recorded": selectors.makeups_recorded(user=request.user)[:50],
    }
    return render(request, "sessions/makeup_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def makeup_record_view(request, pk):
    """Staff record a make-up given in person (送学上门) or otherwise; the attendance becomes made up."""
    attendance = access.get_visible_or_404(
        Attendance.objects.select_related("session__group__organization", "person"), request.user, pk=pk
    )
    access.require(request.user, "change", attendance.session)
    form = MakeUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def record() -> str:
            services.makeup_record(
                attendance=attendance,
                on=data["on"],
                method=data["method"],
                given_by=data["given_by"],
                note=data["note"],
                by=request.user,
            )
            return reverse("sessions:makeup-list")

        address = run_once(request, form, record)
        if address:
            messages.success(
                request, _("The make-up of %(name)s has been recorded.") % {"name": attendance.person.name}
            )
            return redirect(address)
    context = {"attendance": attendance, "form": form, "due": selectors.makeup_due_on(attendance.session)}
    return render(request, "sessions/makeup_form.html", context)


# Minutes and circular ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def minutes_view(request, pk):
    session = _session(request, pk)
    access.require(request.user, "change", session)
    initial = {
        "minutes": session.minutes,
        "speeches": "\n".join(f"{s.speaker}:{s.summary}" for s in session.speeches.select_related("person")),
    }
    form = MinutesForm(request.POST or None, initial=initial)
    attachment_form = AttachmentForm()
    if request.method == "POST" and form.is_valid():
        people = {p.name: p for p in selectors.roster(session=session)}
        speeches = [(people.get(name), name, summary) for name, summary in form.speech_lines()]
        if run_service(
            form,
            lambda: services.minutes_save(
                session=session, minutes=form.cleaned_data["minutes"], speeches=speeches, by=request.user
            ),
        ):
            messages.success(request, _("The minutes have been saved."))
            return redirect(session.get_absolute_url() + "#minutes")
    return render(
        request,
        "sessions/minutes_form.html",
        {
            "session": session,
            "form": form,
            "attachment_form": attachment_form,
            "attachments": session.attachments.all(),
        },
    )


@login_required
@require_POST
def attachment_add_view(request, pk):
    session = _session(request, pk)
    access.require(request.user, "change", session)
    form = AttachmentForm(request.POST, request.FILES)
    back = reverse("sessions:minutes", args=[session.pk])

    def add() -> str:
        services.attachment_add(session=session, upload=form.cleaned_data["upload"], by=request.user)
        return back

    if form.is_valid() and run_once(request, form, add):
        messages.success(request, _("The attachment has been added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(back)


@login_required
def attachment_download_view(request, pk):
    attachment = access.get_visible_or_404(MinutesAttachment.objects.all(), request.user, pk=pk)
    return documents.download_stored(attachment.file, attachment.original_name)


@login_required
@require_http_methods(["GET", "POST"])
def circular_view(request, pk):
    session = _session(request, pk)
    access.require(request.user, "change", session)
    form = CircularForm(request.POST or None, initial={"text": session.circular_text})
    if request.method == "POST" and form.is_valid():
        result = {"count": 0}

        def send() -> str:
            result["count"] = services.circular_send(session=session, text=form.cleaned_data["text"], by=request.user)
            return session.get_absolute_url()

        address = run_once(request, form, send)
        if address:
            messages.success(request, _("The circular has been sent to %(count)d people below.") % result)
            return redirect(address)
    return render(request, "sessions/circular_form.html", {"session": session, "form": form})


# Submissions ---------------------------------------------------------------------------------


@login_required
def submission_list_view(request):
    context = {
        "mine": selectors.my_submissions(user=request.user)[:100],
        "to_review": selectors.submissions_to_review(user=request.user)[:200],
    }
    if request.GET.get("org", "").isdigit():
        # The records behind a dashboard figure: the submissions of a subtree, year and kind.
        organization = access.get_visible_or_404(Organization.objects.all(), request.user, pk=request.GET["org"])
        context["organization"] = organization
        context["subtree"] = selectors.subtree_submissions(
            user=request.user, organization=organization, year=requested_year(request), kind=request.GET.get("kind", "")
        )[:500]
    return render(request, "sessions/submission_list.html", context)


def _member_sessions(request, session: StudySession | None):
    """The sessions a member may hand something in for: his groups' sessions of the last year and later.

    A choice field needs a queryset it can filter, never a slice (a slice
    refuses every choice), so the list is bounded by date; the session the
    page was opened for (an older make-up, an edited submission) stays a choice.
    """
    scope = access.scope_for(request.user)
    since = timezone.now() - datetime.timedelta(days=SUBMISSION_SESSION_DAYS)
    recent = Q(starts_at__gte=since)
    if session is not None:
        recent |= Q(pk=session.pk)
    sessions = StudySession.objects.filter(recent, group_id__in=set(scope.member_group_ids))
    return access.visible(sessions, request.user).select_related("group").order_by("-starts_at")


@login_required
@require_http_methods(["GET", "POST"])
def submission_create_view(request):
    scope = access.scope_for(request.user)
    if not scope.member_group_ids:
        raise PermissionDenied
    session = None
    if request.GET.get("session", "").isdigit():
        session = _session(request, request.GET["session"])
    is_makeup = request.GET.get("makeup") == "1" and session is not None
    initial = {"session": session, "kind": "notes" if is_makeup else "reflection"}
    if is_makeup:
        initial["title"] = _("Make-up study notes: %(title)s") % {"title": session.title}
    form = SubmissionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        sessions=_member_sessions(request, session),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data["session"]
        group = chosen.group if chosen else StudyGroup.objects.get(pk=min(scope.member_group_ids))

        def save() -> str:
            submission = services.submission_save(
                by=request.user,
                group=group,
                kind=data["kind"],
                title=data["title"],
                text=data["text"],
                upload=data.get("upload"),
                session=chosen,
                is_makeup=is_makeup,
            )
            if request.POST.get("submit_now"):
                services.submission_submit(submission=submission, by=request.user)
            return submission.get_absolute_url()

        address = run_once(request, form, save)
        if address:
            messages.success(request, _("Submitted.") if request.POST.get("submit_now") else _("Saved as a draft."))
            return redirect(address)
    return render(request, "sessions/submission_form.html", {"form": form, "is_makeup": is_makeup, "session": session})


def _submission(request, pk) -> Submission:
    return access.get_visible_or_404(
        Submission.objects.select_related("person__user", "group__organization", "group__second_reviewer", "session"),
        request.user,
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def submission_edit_view(request, pk):
    submission = _submission(request, pk)
    if submission.person.user_id != request.user.pk:
        raise PermissionDenied
    initial = {name: getattr(submission, name) for name in ["kind", "title", "session", "text"]}
    form = SubmissionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        sessions=_member_sessions(request, submission.session),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def save():
            services.submission_save(
                by=request.user,
                group=submission.group,
                kind=data["kind"],
                title=data["title"],
                text=data["text"],
                upload=data.get("upload"),
                session=data["session"],
                is_makeup=submission.is_makeup,
                submission=submission,
            )
            if request.POST.get("submit_now"):
                services.submission_submit(submission=submission, by=request.user)

        if run_service(form, save):
            messages.success(request, _("Submitted.") if request.POST.get("submit_now") else _("Saved as a draft."))
            return redirect(submission)
    return render(
        request,
        "sessions/submission_form.html",
        {"form": form, "submission": submission, "is_makeup": submission.is_makeup},
    )


@login_required
def submission_detail_view(request, pk):
    submission = _submission(request, pk)
    is_author = access.can(request.user, "sessions.submission_edit", submission)
    context = {
        "submission": submission,
        "steps": submission.steps.select_related("by__person"),
        "is_author": is_author,
        "can_edit": is_author and submission.status in ("draft", "returned"),
        "can_review": access.can(request.user, "sessions.submission_review", submission),
        "next_action": services.next_action(submission),
        "can_recommend": submission.kind == "reflection"
        and submission.status == "approved"
        and access.can(request.user, "review_first", submission),
        "form": ReviewForm(),
    }
    return render(request, "sessions/submission_detail.html", context)


@login_required
@require_POST
def submission_submit_view(request, pk):
    submission = _submission(request, pk)
    post_action(request, lambda: services.submission_submit(submission=submission, by=request.user), _("Submitted."))
    return redirect(submission)


@login_required
@require_POST
def submission_review_view(request, pk):
    submission = _submission(request, pk)
    action = request.POST.get("action", "")
    if action not in {"accept", "pass", "approve", "return"}:
        raise Http404
    post_action(
        request,
        lambda: services.submission_review(
            submission=submission, action=action, comment=request.POST.get("comment", ""), by=request.user
        ),
        _("Returned with your comment.") if action == "return" else _("The review has been recorded."),
    )
    return redirect(submission)


@login_required
@require_POST
def submission_recommend_view(request, pk):
    submission = _submission(request, pk)
    recommended = request.POST.get("recommended") == "1"
    post_action(
        request,
        lambda: services.submission_recommend(submission=submission, recommended=recommended, by=request.user),
        _("Recommended for the monthly digest.") if recommended else _("No longer recommended."),
    )
    return redirect(submission)


@login_required
def submission_download_view(request, pk):
    submission = _submission(request, pk)
    if not submission.file:
        raise Http404
    return documents.download_stored(submission.file, submission.original_name or "file")


# Group reviewer ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    access.require(request.user, "manage_members", group)
    people = core_selectors.roster(group=group, on=timezone.localdate())
    form = ReviewerForm(request.POST or None, people=people, initial={"person": group.second_reviewer_id})
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, lambda: services.second_reviewer_set(group=group, person=form.cleaned_data["person"], by=request.user)
        ):
            messages.success(request, _("The second reviewer has been saved."))
            return redirect(group)
    return render(request, "sessions/reviewer_form.html", {"group": group, "form": form})


# Lectures ------------------------------------------------------------------------------------


@login_required
def lecture_list_view(request):
    year = requested_year(request)
    lectures = selectors.lecture_list(user=request.user, year=year)
    context = {
        "year": year,
        "years": year_choices(),
        "lectures": lectures[:300],
        "audience": sum(lecture.audience for lecture in lectures),
        "count": lectures.count(),
        "can_add": access.can(request.user, "sessions.lecture_add_any", None),
    }
    return render(request, "sessions/lecture_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lecture_create_view(request):
    scope = access.scope_for(request.user)
    staffed = list(core_selectors.groups_staffed(user=request.user))
    me = access.person_of(request.user)
    if staffed:
        group = staffed[0]
        people = Person.objects.filter(organization__path__startswith=group.organization.path).order_by("name")
    elif scope.member_group_ids and me:
        group = StudyGroup.objects.get(pk=min(scope.member_group_ids))
        people = Person.objects.filter(pk=me.pk)
    else:
        raise PermissionDenied
    form = LectureForm(request.POST or None, people=people, initial={"person": me})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            services.lecture_create(
                group=group,
                person=data["person"],
                on=data["on"],
                title=data["title"],
                place=data["place"],
                audience=data["audience"],
                by=request.user,
            )
            return reverse("sessions:lecture-list")

        address = run_once(request, form, create)
        if address:
            messages.success(request, _("The lecture has been recorded."))
            return redirect(address)
    return render(request, "sessions/lecture_form.html", {"form": form, "group": group})


# My study ------------------------------------------------------------------------------------


@login_required
def my_study_view(request):
    person = access.person_of(request.user)
    year = timezone.localdate().year
    records, rate = selectors.member_year_attendance(person=person, year=year) if person else ([], None)
    context = {
        "year": year,
        "upcoming": selectors.upcoming_sessions(user=request.user)[:10],
        "materials": plan_selectors.my_upcoming_materials(user=request.user)[:20],
        "submissions": selectors.my_submissions(user=request.user).filter(status__in=selectors.UNFINISHED)[:20],
        "in_review": selectors.my_submissions(user=request.user).filter(status__in=selectors.IN_REVIEW)[:20],
        "makeups": selectors.my_makeups(user=request.user),
        "records": records,
        "rate": rate,
    }
    return render(request, "sessions/my_study.html", context)
