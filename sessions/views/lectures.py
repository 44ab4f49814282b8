"""Pages of lectures given by members: the list and recording one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sessions import selectors, services
from sessions.forms import LectureForm
from studygroup import access
from studygroup import selectors as core_selectors
from studygroup.models import Person, StudyGroup
from studygroup.once import run_once
from studygroup.viewutils import requested_year, year_choices


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
