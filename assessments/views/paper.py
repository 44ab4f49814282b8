"""Paper tests: the paper with its answer sheet (PDF, DOCX), and paper results entered in a grid or imported."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import documents as paper_documents
from assessments import selectors, services
from assessments.forms import ImportForm
from assessments.models import Answer, KnowledgeTest
from assessments.services import paper_results
from assessments.spreadsheets import SheetProblems
from studygroup import access, documents
from studygroup.viewutils import parse_int


def _managed_test(request, pk) -> KnowledgeTest:
    test = access.get_visible_or_404(KnowledgeTest.objects.select_related("organization"), request.user, pk=pk)
    access.require(request.user, "assessments.test_manage", test)
    return test


def _published(test: KnowledgeTest) -> list:
    questions = selectors.paper(test=test)
    if not questions:
        raise ValidationError(_("The paper is drawn when the test is published."))
    return questions


@login_required
def paper_pdf_view(request, pk):
    test = _managed_test(request, pk)
    try:
        questions = _published(test)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(test)
    return documents.download(paper_documents.paper_pdf(test, questions), "application/pdf", f"{test.title}.pdf")


@login_required
def paper_docx_view(request, pk):
    test = _managed_test(request, pk)
    try:
        questions = _published(test)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(test)
    return documents.download(paper_documents.paper_docx(test, questions), documents.DOCX, f"{test.title}.docx")


def _points(sittings) -> dict[int, dict[int, int]]:
    earned: dict[int, dict[int, int]] = {}
    for sitting_id, question_id, points in Answer.objects.filter(
        sitting__in=[s.pk for s in sittings], points__isnull=False
    ).values_list("sitting_id", "question_id", "points"):
        earned.setdefault(sitting_id, {})[question_id] = points
    return earned


def _grid_rows(request, sittings, questions) -> dict[int, dict[int, int] | None]:
    rows: dict[int, dict[int, int] | None] = {}
    for sitting in sittings:
        if request.POST.get(f"absent-{sitting.pk}"):
            rows[sitting.pk] = None
            continue
        values = {q.pk: request.POST.get(f"p-{sitting.pk}-{q.pk}", "").strip() for q in questions}
        if not any(values.values()):
            continue
        earned = {}
        for question in questions:
            value = values[question.pk]
            if value == "":
                continue
            number = parse_int(value, minimum=0, maximum=1000)
            if number is None:
                raise ValidationError(_("Points are whole numbers."))
            earned[question.pk] = number
        rows[sitting.pk] = earned
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def paper_scores_view(request, pk):
    test = _managed_test(request, pk)
    questions = selectors.paper(test=test)
    sittings = list(paper_results.entry_sittings(test))
    if request.method == "POST":
        try:
            count = services.paper_results_enter(
                test=test, rows=_grid_rows(request, sittings, questions), by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The results of %(count)d people have been saved.") % {"count": count})
            return redirect(request.path)
    return _grid_page(request, test, questions, sittings)


def _grid_page(request, test, questions, sittings, *, problems=None, status=200):
    earned = _points(sittings)
    rows = [
        (sitting, [(question, earned.get(sitting.pk, {}).get(question.pk)) for question in questions])
        for sitting in sittings
    ]
    context = {
        "test": test,
        "questions": questions,
        "rows": rows,
        "import_form": ImportForm(),
        "errors": problems or [],
        "can_enter": test.status == KnowledgeTest.Status.PUBLISHED,
    }
    return render(request, "assessments/paper_scores.html", context, status=status)


@login_required
def paper_grid_view(request, pk):
    test = _managed_test(request, pk)
    questions = selectors.paper(test=test)
    sittings = list(paper_results.entry_sittings(test))
    content = paper_documents.grid_xlsx(test, questions, sittings, _points(sittings))
    return documents.download(content, documents.XLSX, _("%(title)s paper results.xlsx") % {"title": test.title})


@login_required
@require_POST
def paper_import_view(request, pk):
    test = _managed_test(request, pk)
    questions = selectors.paper(test=test)
    sittings = list(paper_results.entry_sittings(test))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _grid_page(request, test, questions, sittings, problems=[_("Choose the filled grid (.xlsx).")])
    codes = {s.person.code: s.pk for s in sittings}
    try:
        rows = paper_documents.read_grid(form.cleaned_data["file"].read(), questions, codes)
        count = services.paper_results_enter(test=test, rows=rows, by=request.user)
    except SheetProblems as exc:
        return _grid_page(request, test, questions, sittings, problems=exc.problems)
    except ValidationError as exc:
        return _grid_page(request, test, questions, sittings, problems=exc.messages)
    messages.success(request, _("The results of %(count)d people have been imported.") % {"count": count})
    return redirect("assessments:paper-scores", pk=test.pk)
