"""Marking short answers, and publishing the results."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import services
from assessments.models import Answer, KnowledgeTest, QuestionKind
from studygroup import access
from studygroup.viewutils import parse_int, post_action


def _test(request, pk) -> KnowledgeTest:
    return access.get_visible_or_404(KnowledgeTest.objects.select_related("organization"), request.user, pk=pk)


def sheet_numbers(test: KnowledgeTest) -> dict[int, int]:
    """A number for each handed-in sheet that says nothing of whose it is (the order of a hash of its seed)."""
    sittings = test.sittings.filter(submitted_at__isnull=False).values_list("pk", "seed")
    ordered = sorted(sittings, key=lambda row: hashlib.sha256(f"sheet:{row[1]}:{row[0]}".encode()).hexdigest())
    return {pk: number for number, (pk, _seed) in enumerate(ordered, start=1)}


def _marks(request, answers: list[Answer]) -> dict[int, tuple[int, str]]:
    marks = {}
    for answer in answers:
        raw = request.POST.get(f"points-{answer.pk}", "").strip()
        if raw == "":
            continue
        points = parse_int(raw, minimum=0, maximum=1000)
        if points is None:
            raise ValidationError(_("Points are whole numbers."))
        marks[answer.pk] = (points, request.POST.get(f"comment-{answer.pk}", "").strip())
    return marks


@login_required
@require_http_methods(["GET", "POST"])
def marking_view(request, pk):
    test = _test(request, pk)
    if not access.can(request.user, "assessments.mark", test):
        raise PermissionDenied
    services.finish_expired(test=test, by=request.user)
    show_all = request.GET.get("all") == "1"
    answers = (
        Answer.objects.filter(sitting__test=test, sitting__submitted_at__isnull=False)
        .filter(question__version__kind=QuestionKind.SHORT)
        .exclude(response__isnull=True)
        .select_related(
            "question__test",
            "question__version__question__bank",
            "sitting__person",
            "sitting__group__organization",
            "marked_by__person",
        )
        .order_by("question__number", "sitting_id")
    )
    if not show_all:
        answers = answers.filter(points__isnull=True)
    answers = list(answers[:200])
    if request.method == "POST":
        try:
            count = services.answers_mark(test=test, marks=_marks(request, answers), by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(count)d answers have been marked.") % {"count": count})
            return redirect(request.get_full_path())
    sheets = sheet_numbers(test)
    questions = {answer.question for answer in answers}
    keyed = {question.pk for question in questions if access.can(request.user, "assessments.marking_key", question)}
    context = {
        "test": test,
        "answers": [(answer, sheets.get(answer.sitting_id), answer.question_id in keyed) for answer in answers],
        "show_all": show_all,
        "can_publish": access.can(request.user, "assessments.test_manage", test),
        "waiting": Answer.objects.filter(
            sitting__test=test, sitting__submitted_at__isnull=False, points__isnull=True
        ).count(),
    }
    return render(request, "assessments/marking.html", context)


@login_required
@require_POST
def results_publish_view(request, pk):
    test = _test(request, pk)
    access.require(request.user, "assessments.test_manage", test)
    post_action(
        request,
        lambda: services.results_publish(test=test, by=request.user),
        _("The results have been published and the people who sat the test told."),
    )
    return redirect(test)
