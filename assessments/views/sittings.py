"""Sitting a test on a phone: the person's paper (one long page or one question per screen), answers saved as
they are chosen (htmx), a countdown, handing it in; afterwards the person's own result with explanations."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import paper, scoring
from assessments.models import OPTION_LETTERS, Answer, KnowledgeTest, QuestionKind, Sitting, TestQuestion
from assessments.services import sittings
from studygroup import access
from studygroup.viewutils import error_code, parse_int


@dataclass
class Shown:
    """A question as one person sees it: their number for it, their order of its options, their answer."""

    number: int
    question: TestQuestion
    options: list[tuple[str, str, str]]  # (letter shown, letter stored, text)
    answer: Answer | None

    @property
    def version(self):
        return self.question.version

    @property
    def kind(self) -> str:
        return self.question.version.kind

    @property
    def response(self):
        return self.answer.response if self.answer else None

    @property
    def chosen(self) -> set[str]:
        value = self.response
        if isinstance(value, list):
            return set(value)
        return {value} if isinstance(value, str) else set()

    def shown_letters(self, stored) -> str:
        """Stored letters as this person saw them (``["A", "C"]`` → ``BD``)."""
        mapping = {stored_letter: shown for shown, stored_letter, _text in self.options}
        letters = stored if isinstance(stored, list) else [stored]
        return "".join(sorted(mapping.get(letter, letter) for letter in letters))

    @property
    def response_text(self) -> str:
        if self.response is None:
            return "—"
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            return self.shown_letters(self.response)
        return scoring.answer_text(self.kind, self.response)

    @property
    def answer_text(self) -> str:
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            return self.shown_letters(self.version.answer)
        return scoring.answer_text(self.kind, self.version.answer)


def person_paper(sitting: Sitting) -> list[Shown]:
    """The sitting's paper in the person's own order (``paper.layout`` of the sitting's stored seed)."""
    questions = {q.pk: q for q in TestQuestion.objects.filter(test_id=sitting.test_id).select_related("version")}
    answers = {a.question_id: a for a in Answer.objects.filter(sitting=sitting)}
    order = paper.layout(
        sitting.seed,
        [(q.pk, q.version.kind, len(q.version.options)) for q in sorted(questions.values(), key=lambda q: q.number)],
        shuffle=sitting.test.shuffle,
    )
    shown = []
    for number, (question_id, option_order) in enumerate(order, start=1):
        question = questions[question_id]
        options = [
            (OPTION_LETTERS[place], OPTION_LETTERS[index], question.version.options[index])
            for place, index in enumerate(option_order)
        ]
        shown.append(Shown(number, question, options, answers.get(question_id)))
    return shown


def _own_sitting(request, pk) -> Sitting:
    """The user's own sitting; anybody else (staff included) gets 404."""
    # ``order_by()``: the model's ordering would join the group's organization and the person to sort one row.
    sitting = Sitting.objects.select_related("test__organization", "person").filter(pk=pk).order_by().first()
    if sitting is None or not access.can(request.user, "assessments.sit", sitting):
        raise Http404
    return sitting


def responses_of(request) -> dict[int, object]:
    """The answers a page sends: ``present-<id>`` names each question shown, ``q-<id>`` its value(s)."""
    responses = {}
    for key in request.POST:
        if not key.startswith("present-"):
            continue
        # An unreadable id is a question not on the paper (no row has id 0): the service refuses it, after
        # checking that the sitting is the user's own.
        question_id = parse_int(key.removeprefix("present-")) or 0
        values = request.POST.getlist(f"q-{question_id}")
        kind = request.POST.get(key)
        responses[question_id] = values if kind == QuestionKind.MULTIPLE else (values[0] if values else None)
    return responses


@login_required
def sitting_view(request, pk):
    sitting = _own_sitting(request, pk)
    sitting = sittings.finish_if_expired(sitting=sitting, by=request.user)
    state = sitting.state()
    if state == "result":
        return redirect("assessments:sitting-review", pk=sitting.pk)
    if state != "open":
        return render(request, "assessments/sitting_status.html", {"sitting": sitting, "state": state})
    try:
        sitting = sittings.sitting_start(sitting=sitting, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assessments:test-list")
    questions = person_paper(sitting)
    one = request.GET.get("view") == "one"
    current = min(max(parse_int(request.GET.get("q")) or 1, 1), len(questions)) if questions else 1
    context = {
        "sitting": sitting,
        "test": sitting.test,
        "questions": questions[current - 1 : current] if one else questions,
        "total": len(questions),
        "answered": sum(1 for q in questions if q.response not in (None, [], "")),
        "one": one,
        "current": current,
        "deadline_ms": int(sitting.deadline.timestamp() * 1000),
        "now_ms": int(timezone.now().timestamp() * 1000),
    }
    return render(request, "assessments/sitting.html", context)


def _refusal(request, pk: int, exc: ValidationError) -> HttpResponse:
    if error_code(exc) in (sittings.TIME_UP, sittings.ALREADY_DONE):
        if request.htmx:
            response = HttpResponse(" ".join(exc.messages))
            response["HX-Redirect"] = reverse("assessments:sitting", args=[pk])
            return response
        messages.error(request, " ".join(exc.messages))
        return redirect("assessments:sitting", pk=pk)
    if request.htmx:
        status = 400 if error_code(exc) == sittings.NOT_ON_PAPER else 200
        return HttpResponse(format_html('<span class="text-danger">{}</span>', " ".join(exc.messages)), status=status)
    messages.error(request, " ".join(exc.messages))
    return redirect("assessments:sitting", pk=pk)


@login_required
@require_POST
def answer_view(request, pk):
    """Save the answers a page sends (htmx: answer a line of status; a form: go to the question asked for).

    The phone calls this at every choice (thousands a minute at a large test): the service reads the sitting once,
    locked, and checks it is the user's own (anybody else gets 404, as on the sitting's page).
    """
    try:
        saved = sittings.answers_save(sitting=pk, responses=responses_of(request), by=request.user)
    except (Sitting.DoesNotExist, PermissionDenied):
        raise Http404 from None
    except ValidationError as exc:
        return _refusal(request, pk, exc)
    if request.htmx:
        text = _("Saved at %(time)s") % {"time": f"{timezone.localtime(saved):%H:%M:%S}"}
        return HttpResponse(format_html('<span class="text-success"><i class="bi bi-check2 me-1"></i>{}</span>', text))
    go = parse_int(request.POST.get("go")) or 1
    return redirect(f"{reverse('assessments:sitting', args=[pk])}?view=one&q={go}")


@login_required
@require_POST
def sitting_submit_view(request, pk):
    sitting = _own_sitting(request, pk)
    try:
        sittings.sitting_submit(sitting=sitting, responses=responses_of(request), by=request.user)
    except ValidationError as exc:
        if error_code(exc) == sittings.ALREADY_DONE:
            messages.info(request, " ".join(exc.messages))
        else:
            messages.error(request, " ".join(exc.messages))
        return redirect("assessments:sitting", pk=sitting.pk)
    messages.success(request, _("Your test has been handed in."))
    return redirect("assessments:sitting", pk=sitting.pk)


@login_required
def sitting_review_view(request, pk):
    """The person's own result with the right answers and explanations, once the window has closed and the
    results are published."""
    sitting = _own_sitting(request, pk)
    test = sitting.test
    if test.status != KnowledgeTest.Status.RESULTS or not test.has_closed():
        return render(request, "assessments/sitting_status.html", {"sitting": sitting, "state": sitting.state()})
    context = {
        "sitting": sitting,
        "test": test,
        "questions": person_paper(sitting),
        "passed": (sitting.score or 0) >= test.pass_mark,
    }
    return render(request, "assessments/sitting_review.html", context)
