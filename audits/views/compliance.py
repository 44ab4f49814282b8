"""The compliance page of a checklist (八有) over a subtree, and its spreadsheet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from audits import checklists, exports, selectors
from audits.models import Checklist
from studygroup import access, documents
from studygroup.viewutils import chosen_organization, reach_trail, requested_year, year_choices


def _compliance_context(request):
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    chosen = chosen_organization(request, organizations, reach_below=True)
    checklist = Checklist.objects.filter(code=request.GET.get("checklist", "bayou")).first() or Checklist.objects.get(
        code="bayou"
    )
    items = list(checklist.items.all())
    year = requested_year(request)
    rows = selectors.compliance(organization=chosen, year=year, checklist=checklist)
    item_filter, status_filter = request.GET.get("item", ""), request.GET.get("status", "")
    if item_filter and status_filter:
        rows = [r for r in rows if r["statuses"].get(item_filter) == status_filter]
    judged = [item for item in items if item.code not in (rows[0]["statuses"] if rows else {})]
    verdicts = checklists.verdicts([r["group"].pk for r in rows], year, checklist.code) if judged else {}
    for row in rows:
        # An item without computed rules shows the inspector's verdict only (checklists are data).
        row["cells"] = [
            {"status": row["statuses"].get(item.code), "verdict": verdicts.get((row["group"].pk, item.code))}
            for item in items
        ]
        row["met"] = sum(1 for cell in row["cells"] if cell["status"] == checklists.MET)
    return {
        "organization": chosen,
        "organizations": organizations,
        "trail": reach_trail(chosen, organizations),
        "checklist": checklist,
        "items": items,
        "year": year,
        "rows": rows,
        "item_filter": item_filter,
        "status_filter": status_filter,
        "checklists": Checklist.objects.all(),
        "labels": checklists.STATUS_LABELS,
        "computed_items": len(items) - len(judged),
        "years": year_choices(ahead=0),
    }


COMPLIANCE_PAGE_SIZE = 200


@login_required
def compliance_view(request):
    from django.core.paginator import Paginator

    context = _compliance_context(request)
    page = Paginator(context["rows"], COMPLIANCE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(rows=page.object_list, page=page, query=query.urlencode())
    return render(request, "audits/compliance.html", context)


@login_required
def compliance_xlsx_view(request):
    context = _compliance_context(request)
    content = exports.compliance_workbook(checklist=context["checklist"], items=context["items"], rows=context["rows"])
    name = exports.compliance_file_name(
        organization=context["organization"], year=context["year"], checklist=context["checklist"]
    )
    return documents.download(content, documents.XLSX, name)
