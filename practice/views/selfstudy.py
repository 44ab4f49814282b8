"""Pages of the self-study ledger: a member's progress and entries, the plan's targets, the group's table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from plans.models import StudyPlan
from practice import selectors, services
from practice.forms import EntryForm, TargetsForm
from practice.models import SelfStudyEntry, SelfStudyKind
from studygroup import access, documents
from studygroup.models import Organization, Person, StudyGroup
from studygroup.once import run_once
from studygroup.viewutils import (
    post_action,
    query_id,
    requested_year,
    run_service,
    year_choices,
)

# Self-study ledger ---------------------------------------------------------------------------


def _me(request) -> Person:
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        raise PermissionDenied
    return person


@login_required
def my_selfstudy_view(request):
    """A member's progress against each target of the year, and what they recorded (phone first)."""
    person = _me(request)
    today = timezone.localdate()
    context = {
        "groups": selectors.my_progress(person=person, today=today),
        "entries": selectors.my_entries(person=person, year=today.year),
        "year": today.year,
        "can_record": access.can(request.user, "practice.selfstudy_record", person),
    }
    return render(request, "practice/my_selfstudy.html", context)


def _entry_form(request, person: Person, entry: SelfStudyEntry | None = None) -> EntryForm:
    year = entry.on.year if entry else timezone.localdate().year
    initial = {}
    if entry is not None:
        initial = {"kind": entry.kind, "on": entry.on, "title": entry.title, "note": entry.note}
        initial["research"] = entry.research
    elif request.GET.get("kind") in SelfStudyKind.values:
        initial["kind"] = request.GET["kind"]
    return EntryForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        research_topics=selectors.research_topics_of(person=person, year=year),
        record=entry,
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_create_view(request):
    person = _me(request)
    access.require(request.user, "practice.selfstudy_record", person)
    form = _entry_form(request, person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            services.entry_create(
                person=person,
                kind=data["kind"],
                on=data["on"],
                title=data["title"],
                note=data["note"],
                upload=data.get("upload"),
                research=data.get("research"),
                by=request.user,
            )
            return reverse("practice:my-selfstudy")

        address = run_once(request, form, create)
        if address:
            messages.success(request, _("Recorded in your self-study ledger."))
            return redirect(address)
    return render(request, "practice/entry_form.html", {"form": form})


def _own_entry(request, pk) -> SelfStudyEntry:
    entry = access.get_visible_or_404(SelfStudyEntry.objects.select_related("person", "research"), request.user, pk=pk)
    if not access.can(request.user, "practice.entry_change", entry):
        raise Http404
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit_view(request, pk):
    entry = _own_entry(request, pk)
    form = _entry_form(request, entry.person, entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.entry_update(
                entry=entry,
                kind=data["kind"],
                on=data["on"],
                title=data["title"],
                note=data["note"],
                upload=data.get("upload"),
                research=data.get("research"),
                by=request.user,
            ),
        ):
            messages.success(request, _("The entry has been saved."))
            return redirect("practice:my-selfstudy")
    return render(request, "practice/entry_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def entry_delete_view(request, pk):
    entry = _own_entry(request, pk)
    post_action(request, lambda: services.entry_delete(entry=entry, by=request.user), _("The entry has been removed."))
    return redirect("practice:my-selfstudy")


@login_required
def entry_download_view(request, pk):
    entry = access.get_visible_or_404(SelfStudyEntry.objects.all(), request.user, pk=pk)
    if not entry.file:
        raise Http404
    return documents.download_stored(entry.file, entry.original_name)


# Targets on the plan -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_targets_view(request, pk):
    plan = access.get_visible_or_404(StudyPlan.objects.select_related("group__organization"), request.user, pk=pk)
    access.require(request.user, "practice.targets_set", plan)
    current = {target.kind: target for target in plan.selfstudy_targets.all()}
    if request.GET.get("preset") == "1112":
        initial = {f"{kind}_per": per for kind, (per, _count) in services.PRESET_1112.items()}
        initial |= {f"{kind}_count": count for kind, (_per, count) in services.PRESET_1112.items()}
    else:
        initial = {f"{kind}_per": target.per for kind, target in current.items()}
        initial |= {f"{kind}_count": target.count for kind, target in current.items()}
    form = TargetsForm(request.POST or None, initial=initial, rows=plan.selfstudy_targets.all())
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.targets_set(plan=plan, targets=form.targets(), by=request.user)):
            messages.success(request, _("The self-study targets have been saved."))
            return redirect(plan)
    preset = request.GET.get("preset") == "1112"
    return render(request, "practice/plan_targets.html", {"plan": plan, "form": form, "preset": preset})


# The group's table ---------------------------------------------------------------------------


@login_required
def selfstudy_groups_view(request):
    """Where staff and leaders start: their own group's table at once, else the groups they read. The dashboard's
    tile asks for an organization's subtree and a year (``?org=&year=``): the groups whose members its rate
    judges, each opening on that year's table."""
    groups = selectors.groups_for_table(user=request.user)
    organization = None
    if (wanted := query_id(request, "org")) is not None:
        organization = access.get_visible_or_404(Organization.objects.all(), request.user, pk=wanted)
        groups = groups.filter(organization__path__startswith=organization.path)
    year = requested_year(request) if request.GET.get("year") else None
    groups = list(groups[:301])
    if not groups:
        raise PermissionDenied
    year_query = f"?year={year}" if year else ""
    if len(groups) == 1:
        return redirect(reverse("practice:group-selfstudy", args=[groups[0].pk]) + year_query)
    context = {
        "groups": groups[:300],
        "more": len(groups) > 300,
        "organization": organization,
        "year": year,
        "year_query": year_query,
    }
    return render(request, "practice/selfstudy_groups.html", context)


@login_required
def group_selfstudy_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    if not access.can(request.user, "practice.selfstudy_table", group):
        raise Http404
    year = requested_year(request)
    table = selectors.group_table(group=group, year=year, today=timezone.localdate())
    context = {
        "group": group,
        "table": table,
        "year": year,
        "years": year_choices(ahead=0),
        "can_set": table.plan is not None and access.can(request.user, "practice.targets_set", table.plan),
    }
    return render(request, "practice/group_selfstudy.html", context)
