"""Question banks: banks, questions and their versions, tags, XLSX import and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services, spreadsheets
from assessments.forms import BankForm, ImportForm, QuestionForm, TagForm
from assessments.models import Question, QuestionBank, QuestionKind, Tag
from studygroup import access, documents
from studygroup.once import run_once
from studygroup.viewutils import chosen_organization, next_url, query_id, run_service

# Question banks ---------------------------------------------------------------------------------


def _staff_organizations(user) -> list:
    return list(access.organizations_held(user, [access.STAFF]))


@login_required
@require_http_methods(["GET", "POST"])
def bank_list_view(request):
    banks = list(selectors.banks(user=request.user))
    organizations = _staff_organizations(request.user)
    if not banks and not organizations:
        raise PermissionDenied
    organization = chosen_organization(request, organizations) if organizations else None
    form = BankForm(request.POST or None)
    if request.method == "POST":
        if organization is None:
            raise PermissionDenied
        if form.is_valid():
            address = run_once(
                request,
                form,
                lambda: services.bank_create(
                    organization=organization,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    by=request.user,
                ).get_absolute_url(),
            )
            if address:
                messages.success(request, _("The question bank has been created."))
                return redirect(address)
    context = {"banks": banks, "form": form, "organization": organization, "organizations": organizations}
    return render(request, "assessments/bank_list.html", context)


def _bank(request, pk) -> QuestionBank:
    return access.get_visible_or_404(QuestionBank.objects.select_related("organization"), request.user, pk=pk)


def _bank_page(request, bank: QuestionBank, *, import_form=None, problems=None, status=200):
    kind = request.GET.get("kind", "")
    kind = kind if kind in QuestionKind.values else ""
    tag = query_id(request, "tag")
    questions = list(selectors.bank_questions(bank=bank, kind=kind, tag=tag))
    context = {
        "bank": bank,
        "questions": questions,
        "tags": list(selectors.bank_tags(bank=bank)),
        "kinds": QuestionKind.choices,
        "kind": kind,
        "tag": tag,
        "can_change": access.can(request.user, "change", bank),
        "can_open_questions": access.can(request.user, "assessments.questions_open", bank),
        "can_read_answers": access.can(request.user, "assessments.answers_read", bank),
        "import_form": import_form or ImportForm(),
        "errors": problems or [],
    }
    return render(request, "assessments/bank_detail.html", context, status=status)


@login_required
def bank_detail_view(request, pk):
    return _bank_page(request, _bank(request, pk))


@login_required
@require_POST
def bank_import_view(request, pk):
    bank = _bank(request, pk)
    access.require(request.user, "change", bank)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _bank_page(request, bank, import_form=form)
    try:
        imported = services.bank_import(bank=bank, content=form.cleaned_data["file"].read(), by=request.user)
    except spreadsheets.SheetProblems as exc:
        return _bank_page(request, bank, import_form=form, problems=exc.problems)
    messages.success(request, _("%(count)d questions have been imported.") % {"count": len(imported)})
    return redirect(bank)


@login_required
def bank_export_view(request, pk):
    """Every reader of a bank exports its questions with their options; answers and explanations only its own staff."""
    bank = _bank(request, pk)
    with_answers = access.can(request.user, "assessments.answers_read", bank)
    questions = selectors.bank_questions(bank=bank)
    parsed = [services.parsed_of(q.current, [t.name for t in q.tags.all()]) for q in questions]
    content = spreadsheets.export(parsed, with_answers=with_answers)
    return documents.download(content, documents.XLSX, f"{bank.name}.xlsx")


@login_required
def bank_template_view(request):
    if not _staff_organizations(request.user) and not request.user.is_superuser:
        raise PermissionDenied
    return documents.download(spreadsheets.template(), documents.XLSX, _("Question bank template.xlsx"))


def _question(request, pk) -> Question:
    return access.get_visible_or_404(
        Question.objects.select_related("bank__organization", "current"), request.user, pk=pk, is_archived=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_add_view(request, pk):
    bank = _bank(request, pk)
    access.require(request.user, "change", bank)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        after = (
            reverse("assessments:question-add", args=[bank.pk])
            if request.POST.get("another")
            else bank.get_absolute_url()
        )
        address = run_once(
            request, form, lambda: services.question_create(bank=bank, parsed=form.parsed, by=request.user) and after
        )
        if address:
            messages.success(request, _("The question has been added."))
            return redirect(address)
    return render(request, "assessments/question_form.html", {"bank": bank, "form": form, "question": None})


@login_required
@require_http_methods(["GET", "POST"])
def question_edit_view(request, pk):
    question = _question(request, pk)
    bank = question.bank
    can_change = access.can(request.user, "change", question)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    current = services.parsed_of(question.current, list(question.tags.order_by("name").values_list("name", flat=True)))
    form = QuestionForm(request.POST or None, parsed=current, record=question)
    can_read_answers = access.can(request.user, "assessments.answers_read", bank)
    if not can_read_answers:
        # Readers above or beside the owning staff see what the question asks, never its key.
        del form.fields["answer"], form.fields["explanation"]
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.question_update(question=question, parsed=form.parsed, by=request.user)):
            messages.success(request, _("The question has been saved."))
            return redirect(bank)
    context = {
        "bank": bank,
        "form": form,
        "question": question,
        "can_change": can_change,
        "can_read_answers": can_read_answers,
        "versions": question.versions.order_by("-number"),
        "is_used": services.is_used(question),
    }
    return render(request, "assessments/question_form.html", context)


@login_required
@require_POST
def question_delete_view(request, pk):
    question = _question(request, pk)
    access.require(request.user, "change", question)
    try:
        deleted = services.question_delete(question=question, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The question has been deleted.")
            if deleted
            else _("The question has been used in a test: it is archived, and the results keep it."),
        )
    return redirect(question.bank)


@login_required
@require_http_methods(["GET", "POST"])
def tag_edit_view(request, pk):
    tag = access.get_visible_or_404(Tag.objects.select_related("organization", "topic", "theme"), request.user, pk=pk)
    access.require(request.user, "change", tag)
    topics, themes = selectors.linkable_plan_items(organization=tag.organization)
    form = TagForm(
        request.POST or None,
        topics=topics,
        themes=themes,
        initial={"name": tag.name, "topic": tag.topic, "theme": tag.theme},
        record=tag,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.tag_update(
                tag=tag, name=data["name"], topic=data["topic"], theme=data["theme"], by=request.user
            ),
        ):
            messages.success(request, _("The tag has been saved."))
            return redirect(next_url(request, "assessments:bank-list"))
    # Not "tag": crispy-forms reads a "tag" from the context as the element wrapping each field.
    return render(request, "assessments/tag_form.html", {"question_tag": tag, "form": form})
