"""Pages written after a session: the minutes and their attachments, and the circular."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sessions import selectors, services
from sessions.forms import AttachmentForm, CircularForm, MinutesForm
from sessions.models import MinutesAttachment
from sessions.views.common import _session
from studygroup import access, documents
from studygroup.once import run_once
from studygroup.viewutils import run_service


@login_required
@require_http_methods(["GET", "POST"])
def minutes_view(request, pk):
    session = _session(request, pk)
    access.require(request.user, "change", session)
    initial = {
        "minutes": session.minutes,
        "speeches": "\n".join(f"{s.speaker}:{s.summary}" for s in session.speeches.select_related("person")),
    }
    form = MinutesForm(request.POST or None, initial=initial, record=session)
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
