"""The page of one random draw, re-run from its seed to show that it gives the same result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from audits import draw
from audits.models import RandomDraw
from sessions.models import StudySession
from studygroup import access
from studygroup.models import Person


@login_required
def draw_detail_view(request, pk):
    record = access.get_visible_or_404(
        RandomDraw.objects.select_related("organization", "by__person"), request.user, pk=pk
    )
    rerun = draw.run(record.seed, record.inputs)
    left = draw.uncovered(record.inputs, record.result)
    sessions = StudySession.objects.select_related("group__organization").in_bulk([s for s, _o in record.result] + left)
    people = Person.objects.in_bulk([o for _s, o in record.result])
    rows = [(sessions.get(s), people.get(o)) for s, o in record.result]
    context = {
        "draw": record,
        "rows": rows,
        "same": rerun == record.result,
        "uncovered": [sessions[s] for s in left if s in sessions],
        "asked": min(record.count, len(record.inputs["sessions"])),
    }
    return render(request, "audits/draw_detail.html", context)
