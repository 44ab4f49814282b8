"""Input shapes of the knowledge-test pages."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import OPTION_LETTERS, Difficulty, KnowledgeTest, QuestionKind, SittingDraw
from assessments.spreadsheets import DIFFICULTY_NAMES, KIND_NAMES, ParsedQuestion, columns_of, parse_question
from studygroup import formats
from studygroup.forms import DATE_WIDGET, CrispyForm, CrispyMixin, person_with_organization
from studygroup.models import Membership
from studygroup.versions import VersionedForm


class RequestKeyField(forms.UUIDField):
    """A hidden key given to each form shown: the service does once what one form asks for, however many clicks."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=uuid.uuid4, **kwargs)


class BankForm(CrispyMixin, forms.Form):
    name = forms.CharField(label=_("Name of the bank"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(CrispyMixin, VersionedForm):
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


class TagForm(VersionedForm, CrispyForm):
    name = forms.CharField(label=_("Tag"), max_length=50)
    topic = forms.ModelChoiceField(label=_("Plan topic it tests"), queryset=None, required=False)
    theme = forms.ModelChoiceField(label=_("Theme of the month it tests"), queryset=None, required=False)

    def __init__(self, *args, topics=None, themes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics
        self.fields["topic"].label_from_instance = lambda t: f"{formats.month_zh(t.month, t.plan.year)} · {t.title}"
        self.fields["theme"].queryset = themes
        self.fields["theme"].label_from_instance = lambda m: f"{formats.month_zh(m.month, m.plan.year)} · {m.theme}"


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TestForm(CrispyMixin, VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    instructions = forms.CharField(label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    delivery = forms.ChoiceField(label=_("How it is sat"), choices=KnowledgeTest.Delivery.choices)
    opens_at = forms.DateTimeField(label=_("Opens at"), required=False, widget=DATETIME_WIDGET)
    closes_at = forms.DateTimeField(label=_("Closes at"), required=False, widget=DATETIME_WIDGET)
    held_on = forms.DateField(
        label=_("Held on (a paper test)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Online tests: the day they open."),
    )
    time_limit = forms.IntegerField(
        label=_("Time limit (minutes)"),
        min_value=1,
        max_value=600,
        required=False,
        help_text=_("Leave empty for the whole window."),
    )
    max_score = forms.IntegerField(label=_("Maximum score"), min_value=1, max_value=1000, initial=100)
    pass_mark = forms.IntegerField(label=_("Pass mark"), min_value=0, max_value=1000, initial=60)
    shuffle = forms.BooleanField(label=_("Shuffle questions and options for each person"), required=False, initial=True)
    is_blind = forms.BooleanField(
        label=_("Blind marking"), required=False, help_text=_("Markers see an answer sheet number instead of the name.")
    )
    markers = forms.ModelMultipleChoiceField(
        label=_("Markers of short answers (besides the office)"), queryset=None, required=False
    )
    visit = forms.ModelChoiceField(label=_("Attach to an observer visit"), queryset=None, required=False)

    def __init__(self, *args, people=None, visits=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["markers"].queryset = people
        self.fields["markers"].label_from_instance = person_with_organization
        self.fields["visit"].queryset = visits
        self.fields["visit"].label_from_instance = _visit_label
        self.fields["markers"].widget.attrs["size"] = 4


def _visit_label(visit) -> str:
    session = visit.session
    return (
        f"{timezone.localtime(session.starts_at):%m-%d %H:%M} {session.group.organization.name} · {visit.observer.name}"
    )


class PartForm(CrispyMixin, forms.Form):
    """A fixed question of a bank, or a rule that draws questions when the test is published."""

    question = forms.ModelChoiceField(label=_("A fixed question"), queryset=None, required=False)
    bank = forms.ModelChoiceField(label=_("Or draw from the bank"), queryset=None, required=False)
    kind = forms.ChoiceField(
        label=_("Question type"), choices=[("", _("Any type")), *QuestionKind.choices], required=False
    )
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=None, required=False, empty_label=_("Any tag"))
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"),
        choices=[("", _("Any difficulty")), *Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=200, initial=1)
    points = forms.IntegerField(label=_("Points per question"), min_value=1, max_value=100, initial=2)

    def __init__(self, *args, questions=None, banks=None, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = questions
        self.fields["question"].label_from_instance = lambda q: (
            f"[{q.current.get_kind_display()}] {q.current.text[:60]}"
        )
        self.fields["bank"].queryset = banks
        self.fields["bank"].label_from_instance = lambda b: f"{b.name}({b.organization.name})"
        self.fields["tag"].queryset = tags

    def clean(self):
        data = super().clean()
        if bool(data.get("question")) == bool(data.get("bank")):
            raise forms.ValidationError(_("Choose a fixed question, or a bank to draw from."))
        return data


class DrawForm(CrispyForm):
    """Who sits a test: everyone of the chosen groups, or a random draw of a number or a share of them."""

    groups = forms.ModelMultipleChoiceField(
        label=_("Study groups to call from"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    mode = forms.ChoiceField(
        label=_("Who sits it"),
        choices=SittingDraw.Mode.choices,
        widget=forms.RadioSelect,
        initial=SittingDraw.Mode.PERCENT,
    )
    amount = forms.IntegerField(
        label=_("How many (people, or a percentage)"), min_value=1, max_value=10000, required=False, initial=20
    )
    roles = forms.MultipleChoiceField(
        label=_("Only these roles (none ticked: every role)"),
        choices=Membership.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    seed = forms.CharField(
        label=_("Seed (optional)"),
        max_length=64,
        required=False,
        help_text=_("Leave empty for a new random seed; give a seed to repeat a draw."),
    )
    request_key = RequestKeyField()

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("groups", "mode", "roles"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["groups"].queryset = groups
        self.fields["groups"].label_from_instance = lambda g: g.organization.name
