"""Pages of submissions (notes, reflections) and their review, and the group's second reviewer."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sessions import selectors, services
from sessions.forms import ReviewerForm, ReviewForm, SubmissionForm
from sessions.models import StudySession, Submission
from sessions.views.common import _session
from studygroup import access, documents
from studygroup import selectors as core_selectors
from studygroup.models import Organization, StudyGroup
from studygroup.once import run_once
from studygroup.viewutils import post_action, requested_year, run_service

# How far back the session list of the notes form reaches.
SUBMISSION_SESSION_DAYS = 400


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


def _member_sessions(request, session: StudySession | None, *, is_makeup: bool = False):
    """The sessions a member may hand something in for: his groups' sessions of the last year and later.

    A choice field needs a queryset it can filter, never a slice (a slice
    refuses every choice), so the list is bounded by date; the session the
    page was opened for (an older make-up, an edited submission) stays a choice.
    A make-up (补学) is of a session that has taken place: its list holds only sessions held.
    """
    scope = access.scope_for(request.user)
    since = timezone.now() - datetime.timedelta(days=SUBMISSION_SESSION_DAYS)
    recent = Q(starts_at__gte=since)
    if session is not None:
        recent |= Q(pk=session.pk)
    sessions = StudySession.objects.filter(recent, group_id__in=set(scope.member_group_ids))
    if is_makeup:
        sessions = sessions.held()
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
        sessions=_member_sessions(request, session, is_makeup=is_makeup),
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
        sessions=_member_sessions(request, submission.session, is_makeup=submission.is_makeup),
        record=submission,
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
