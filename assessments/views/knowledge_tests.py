"""Knowledge tests: the list, setting a test, its parts, publishing and closing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms import PartForm, TestForm
from assessments.models import KnowledgeTest, Question, QuestionBank, Tag, TestPart
from assessments.services import knowledge_tests
from studygroup import access
from studygroup.models import Organization, Person
from studygroup.once import run_once
from studygroup.viewutils import chosen_organization, post_action, query_id, requested_year, run_service


@login_required
def test_list_view(request):
    """The user's own tests and the tests they may read; ``?org=&year=`` narrows to a subtree's tests of a year
    (the dashboard's figure leads here)."""
    organizations = list(access.organizations_held(request.user, [access.STAFF]))
    tests = selectors.tests(user=request.user)
    subtree, year = None, None
    if query_id(request, "org") is not None:
        subtree = access.get_visible_or_404(Organization.objects.all(), request.user, pk=query_id(request, "org"))
        year = requested_year(request)
        tests = tests.filter(organization__path__startswith=subtree.path, held_on__year=year).exclude(status="draft")
    context = {
        "sittings": list(selectors.my_sittings(user=request.user)) if subtree is None else [],
        "tests": list(tests[:200]),
        "can_set": bool(organizations),
        "subtree": subtree,
        "year": year,
    }
    return render(request, "assessments/test_list.html", context)


def _test(request, pk) -> KnowledgeTest:
    return access.get_visible_or_404(
        KnowledgeTest.objects.select_related("organization", "visit__session__group__organization", "visit__observer"),
        request.user,
        pk=pk,
    )


def _test_form(request, organization, test: KnowledgeTest | None = None):
    people = Person.objects.filter(organization=organization).select_related("organization").order_by("name")
    initial = None
    if test is not None:
        initial = {name: getattr(test, name) for name in knowledge_tests.SETTINGS}
        initial.update(held_on=test.held_on, markers=list(test.markers.all()))
    return TestForm(
        request.POST or None,
        people=people,
        visits=knowledge_tests.visits_to_attach(organization),
        initial=initial,
        record=test,
    )


@login_required
@require_http_methods(["GET", "POST"])
def test_create_view(request):
    organizations = list(access.organizations_held(request.user, [access.STAFF]))
    if not organizations:
        raise PermissionDenied
    organization = chosen_organization(request, organizations)
    form = _test_form(request, organization)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        markers = data.pop("markers")
        address = run_once(
            request,
            form,
            lambda: services.test_create(
                organization=organization, markers=markers, by=request.user, **data
            ).get_absolute_url(),
        )
        if address:
            messages.success(request, _("The test has been created: add its questions, then publish it."))
            return redirect(address)
    context = {"form": form, "organization": organization, "organizations": organizations, "test": None}
    return render(request, "assessments/test_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def test_edit_view(request, pk):
    test = _test(request, pk)
    access.require(request.user, "assessments.test_manage", test)
    form = _test_form(request, test.organization, test)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        markers = data.pop("markers")
        if run_service(form, lambda: services.test_update(test=test, markers=markers, by=request.user, **data)):
            messages.success(request, _("The test has been saved."))
            return redirect(test)
    return render(
        request, "assessments/test_form.html", {"form": form, "organization": test.organization, "test": test}
    )


def _part_form(request, test: KnowledgeTest, data=None) -> PartForm:
    banks = selectors.usable_banks(user=request.user, organization=test.organization)
    questions = (
        Question.objects.filter(bank__in=banks, is_archived=False)
        .exclude(pk__in=test.parts.filter(question__isnull=False).values("question_id"))
        .select_related("current", "bank")
        .order_by("bank__organization__path", "bank__name", "id")
    )
    tags = Tag.objects.filter(organization__in={b.organization_id for b in banks}).order_by("name")
    banks = QuestionBank.objects.filter(pk__in=[b.pk for b in banks]).select_related("organization")
    return PartForm(data, questions=questions, banks=banks, tags=tags)


def _keyed_banks(user, banks) -> set[int]:
    """The banks among ``banks`` whose answers the user reads (``assessments.answers_read``); others show options."""
    return {bank.pk for bank in set(banks) if access.can(user, "assessments.answers_read", bank)}


@login_required
def test_detail_view(request, pk):
    test = _test(request, pk)
    can_manage = access.can(request.user, "assessments.test_manage", test)
    parts = [(part, knowledge_tests.describe_part(part)) for part in selectors.test_parts(test=test)]
    questions = selectors.paper(test=test) if can_manage else []
    keyed = _keyed_banks(
        request.user,
        [part.question.bank for part, _words in parts if part.question]
        + [question.version.question.bank for question in questions],
    )
    own = selectors.my_sittings(user=request.user).filter(test=test).first()
    context = {
        "test": test,
        "can_manage": can_manage,
        "parts": [(part, words, part.question is not None and part.question.bank_id in keyed) for part, words in parts],
        "total": sum(part.total for part, _words in parts),
        "part_form": _part_form(request, test) if can_manage and test.is_draft else None,
        "questions": [(question, question.version.question.bank_id in keyed) for question in questions],
        "paper_matches": knowledge_tests.paper_matches(test) if can_manage and not test.is_draft else None,
        "own": own,
        "can_draw_on_visit": access.can(request.user, "assessments.draw_on_visit", test),
        "can_mark": access.can(request.user, "assessments.mark", test),
        "can_read_figures": access.can(request.user, "assessments.figures", test),
        "counts": selectors.sitting_counts(test=test) if can_manage else None,
        "draws": list(test.draws.select_related("by__person")[:20]) if can_manage else [],
        "is_open": test.is_open(),
    }
    return render(request, "assessments/test_detail.html", context)


@login_required
@require_POST
def part_add_view(request, pk):
    test = _test(request, pk)
    access.require(request.user, "assessments.test_manage", test)
    form = _part_form(request, test, request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if data and run_once(
        request,
        form,
        lambda: (
            services.part_add(
                test=test,
                question=data["question"],
                bank=None if data["question"] else data["bank"],
                kind=data["kind"],
                tag=data["tag"],
                difficulty=data["difficulty"],
                count=1 if data["question"] else data["count"],
                points=data["points"],
                by=request.user,
            )
            and test.get_absolute_url()
        ),
    ):
        messages.success(request, _("The questions have been added to the test."))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(test)


@login_required
@require_POST
def part_delete_view(request, pk):
    part = access.get_visible_or_404(TestPart.objects.select_related("test__organization"), request.user, pk=pk)
    access.require(request.user, "assessments.test_manage", part.test)
    post_action(request, lambda: services.part_delete(part=part, by=request.user), _("The line has been removed."))
    return redirect(part.test)


@login_required
@require_POST
def test_publish_view(request, pk):
    test = _test(request, pk)
    access.require(request.user, "assessments.test_manage", test)
    post_action(
        request,
        lambda: services.test_publish(test=test, by=request.user),
        _("The test has been published and its paper drawn. Now choose who sits it."),
    )
    return redirect(test)


@login_required
@require_POST
def test_close_view(request, pk):
    test = _test(request, pk)
    access.require(request.user, "assessments.test_manage", test)
    post_action(request, lambda: services.test_close(test=test, by=request.user), _("The test has been closed."))
    return redirect(test)
