"""The compliance page of a checklist (八有) over a subtree, and its spreadsheet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from audits import checklists, exports, selectors
from audits.models import Checklist
from studygroup import access, documents
from studygroup.viewutils import chosen_organization, reach_trail, requested_year, year_choices


def _compliance_context(request):
    """What the page and the spreadsheet share: the subtree's groups (filtered in SQL, not yet read) and the
    choices made."""
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    chosen = chosen_organization(request, organizations, reach_below=True)
    checklist = Checklist.objects.filter(code=request.GET.get("checklist", "bayou")).first() or Checklist.objects.get(
        code="bayou"
    )
    year = requested_year(request)
    item_filter, status_filter = request.GET.get("item", ""), request.GET.get("status", "")
    return {
        "organization": chosen,
        "organizations": organizations,
        "trail": reach_trail(chosen, organizations),
        "checklist": checklist,
        "items": list(checklist.items.all()),
        "year": year,
        "groups": selectors.compliance_groups(
            organization=chosen, year=year, checklist=checklist, item=item_filter, status=status_filter
        ),
        "item_filter": item_filter,
        "status_filter": status_filter,
        "checklists": Checklist.objects.all(),
        "labels": checklists.STATUS_LABELS,
        "years": year_choices(ahead=0),
    }


def _rows(context: dict, groups: list) -> list[dict]:
    """The cells of ``groups``: computed statuses, and the inspector's verdict where the records decide nothing."""
    items, year, checklist = context["items"], context["year"], context["checklist"]
    rows = selectors.compliance_rows(groups=groups, year=year, checklist=checklist)
    computed = set(checklists.COMPUTED_ITEMS.get(checklist.code, []))
    judged = [item for item in items if item.code not in computed]
    verdicts = checklists.verdicts([r["group"].pk for r in rows], year, checklist.code) if judged and rows else {}
    # What a cell shows is worked out once per status here, not once per cell in the template.
    shown = {status: (ICONS[status], str(label)) for status, label in checklists.STATUS_LABELS.items()}
    for row in rows:
        row["url"] = reverse("audits:group-checklist", args=[row["group"].pk, year, checklist.code])
        # An item without computed rules shows the inspector's verdict only (checklists are data).
        row["cells"] = [
            _cell(row["statuses"].get(item.code), verdicts.get((row["group"].pk, item.code)), shown) for item in items
        ]
        row["met"] = sum(1 for cell in row["cells"] if cell["status"] == checklists.MET)
    context["computed_items"] = len(items) - len(judged)
    context["judged_title"] = checklists.NOT_COMPUTED_LABEL
    return rows


ICONS = {checklists.MET: "bi-check-lg", checklists.PARTIAL: "bi-circle-half", checklists.MISSING: "bi-x-lg"}


def _cell(status: str | None, verdict: str | None, shown: dict) -> dict:
    icon, label = shown.get(status, ("", ""))
    return {"status": status, "verdict": verdict, "icon": icon, "label": label}


# 50 rows of sixteen cells: page 1 of a province renders in well under 100 ms (100 rows took twice that).
COMPLIANCE_PAGE_SIZE = 50


@login_required
def compliance_view(request):
    """One page of groups, cut in SQL; only that page's statuses are computed."""
    context = _compliance_context(request)
    page = Paginator(context.pop("groups"), COMPLIANCE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(rows=_rows(context, list(page.object_list)), page=page, query=query.urlencode())
    return render(request, "audits/compliance.html", context)


@login_required
def compliance_xlsx_view(request):
    context = _compliance_context(request)
    context["rows"] = _rows(context, list(context.pop("groups")))
    content = exports.compliance_workbook(checklist=context["checklist"], items=context["items"], rows=context["rows"])
    name = exports.compliance_file_name(
        organization=context["organization"], year=context["year"], checklist=context["checklist"]
    )
    return documents.download(content, documents.XLSX, name)
