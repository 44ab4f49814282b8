"""Pages of a records import run by a job: its progress, then its result (``reports.records_import``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from reports import records_import
from reports.bundle import schema as bundle_schema
from reports.models import RecordsImport
from studygroup import access

# Problems listed on the progress page; the result page lists them all.
SHOWN_PROBLEMS = 50


def _records_import(request, pk: int) -> RecordsImport:
    """The import, for the staff of the organization that uploaded it; 404 for everyone else."""
    found = (
        access.visible(RecordsImport.objects.select_related("run", "organization"), request.user).filter(pk=pk).first()
    )
    if found is None or not access.can(request.user, "reports.records_import", found):
        raise Http404
    return found


def _context(found: RecordsImport) -> dict:
    done, total = records_import.progress_of(found)
    return {
        "records_import": found,
        "organization": found.organization,
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        "counts": [(bundle_schema.label_of(name), count) for name, count in found.counts.items()],
    }


@login_required
def records_import_view(request, pk: int):
    """The progress of an import (the page refreshes itself until the job has finished), then its outcome."""
    found = _records_import(request, pk)
    context = _context(found)
    context["problems"] = records_import.by_part(found.errors[:SHOWN_PROBLEMS])
    return render(request, "reports/records_import.html", context)


@login_required
def records_import_result_view(request, pk: int):
    """Every problem the import found, or what it wrote."""
    found = _records_import(request, pk)
    if not found.is_finished:
        raise Http404
    context = _context(found)
    context["problems"] = records_import.by_part(found.errors)
    return render(request, "reports/records_import_result.html", context)
