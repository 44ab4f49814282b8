"""Input shapes of the knowledge-test pages."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import OPTION_LETTERS, Difficulty, QuestionKind
from assessments.spreadsheets import DIFFICULTY_NAMES, KIND_NAMES, ParsedQuestion, columns_of, parse_question
from studygroup.forms import CrispyForm


class RequestKeyField(forms.UUIDField):
    """A hidden key given to each form shown: the service does once what one form asks for, however many clicks."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=uuid.uuid4, **kwargs)


class BankForm(CrispyForm):
    name = forms.CharField(label=_("Name of the bank"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(CrispyForm):
    """A question in the same fields as a row of the bank's workbook (one reading: ``parse_question``)."""

    kind = forms.ChoiceField(label=_("Question type"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(
        label=_("Answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The letter (B) or letters (ACD) of the right options; 对 or 错; the accepted answers of a blank "
            "separated by |; the reference answer of a short answer question."
        ),
    )
    explanation = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), choices=Difficulty.choices, coerce=int, initial=Difficulty.MEDIUM
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("Separated by 、"))

    def __init__(self, *args, parsed: ParsedQuestion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for letter in OPTION_LETTERS:
            self.fields[f"option_{letter}"] = forms.CharField(
                label=_("Option %(letter)s") % {"letter": letter}, required=False, max_length=500
            )
        order = ["kind", "text", *(f"option_{letter}" for letter in OPTION_LETTERS), "answer", "explanation"]
        self.order_fields([*order, "difficulty", "tags"])
        if parsed is not None and not self.is_bound:
            row = columns_of(parsed)
            self.initial.update(
                kind=parsed.kind,
                text=parsed.text,
                answer=row[8],
                explanation=parsed.explanation,
                difficulty=parsed.difficulty,
                tags="、".join(parsed.tags),
                **{f"option_{letter}": value for letter, value in zip(OPTION_LETTERS, row[2:8], strict=True)},
            )
        self.parsed: ParsedQuestion | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {
            "题型": KIND_NAMES[data["kind"]],
            "题干": data["text"].strip(),
            "答案": data["answer"].strip(),
            "解析": data["explanation"].strip(),
            "难度": DIFFICULTY_NAMES[Difficulty(data["difficulty"])],
            "标签": data["tags"].strip(),
            **{f"选项{letter}": data[f"option_{letter}"].strip() for letter in OPTION_LETTERS},
        }
        self.parsed, problems = parse_question(values)
        for problem in problems:
            self.add_error(None, problem)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"))


class TagForm(CrispyForm):
    name = forms.CharField(label=_("Tag"), max_length=50)
    topic = forms.ModelChoiceField(label=_("Plan topic it tests"), queryset=None, required=False)
    theme = forms.ModelChoiceField(label=_("Theme of the month it tests"), queryset=None, required=False)

    def __init__(self, *args, topics=None, themes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        self.fields["topic"].label_from_instance = lambda t: f"{t.plan.year}年{t.month}月 · {t.title}"
        self.fields["theme"].queryset = themes
        self.fields["theme"].label_from_instance = lambda m: f"{m.plan.year}年{m.month}月 · {m.theme}"
