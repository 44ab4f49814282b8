"""The member's own page: upcoming sessions, materials, submissions, make-ups and attendance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from plans import selectors as plan_selectors
from sessions import selectors
from studygroup import access


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
