"""Input shapes of the practice pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from practice.models import KIND_ORDER, Per, SelfStudyKind, SpotCheck
from studygroup.forms import DATE_WIDGET, CrispyForm, UploadField, person_label
from studygroup.versions import VersionedForm

UPLOAD_HELP = _("Optional. PDF, Word (DOCX, DOC), WPS (WPS, ET), Excel (XLSX, XLS) or an image (PNG, JPEG, GIF).")


class TargetsForm(VersionedForm, CrispyForm):
    """One line per kind: the period (or none) and how many entries at least; refused when another person saved
    the plan's targets since it was drawn (``rows=`` the plan's targets)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in KIND_ORDER:
            label = SelfStudyKind(kind).label
            self.fields[f"{kind}_per"] = forms.ChoiceField(
                label=label, choices=[("", _("No target")), *Per.choices], required=False
            )
            self.fields[f"{kind}_count"] = forms.IntegerField(
                label=_("At least"), min_value=1, max_value=99, required=False, initial=1
            )

    def clean(self):
        data = super().clean()
        for kind in KIND_ORDER:
            if data.get(f"{kind}_per") and not data.get(f"{kind}_count") and f"{kind}_count" not in self.errors:
                self.add_error(f"{kind}_count", _("How many at least?"))
        return data

    def targets(self) -> dict[str, tuple[str, int] | None]:
        data = self.cleaned_data
        return {
            kind: (data[f"{kind}_per"], data[f"{kind}_count"]) if data.get(f"{kind}_per") else None
            for kind in KIND_ORDER
        }

    def rows(self):
        """(kind label, period field, count field) for the template's table."""
        return [(SelfStudyKind(kind).label, self[f"{kind}_per"], self[f"{kind}_count"]) for kind in KIND_ORDER]


class EntryForm(VersionedForm, CrispyForm):
    kind = forms.ChoiceField(label=_("What"), choices=SelfStudyKind.choices, widget=forms.RadioSelect)
    on = forms.DateField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        help_text=_("The book's title, the village and what you looked into, or the report's title."),
    )
    note = forms.CharField(
        label=_("Short note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    upload = UploadField(label=_("File"), required=False, help_text=UPLOAD_HELP)
    research = forms.ModelChoiceField(
        label=_("Research topic"),
        queryset=None,
        required=False,
        help_text=_("A research report may name the research topic it belongs to."),
    )

    def __init__(self, *args, research_topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if research_topics is None or not research_topics.exists():
            del self.fields["research"]  # nothing to link: the field would only puzzle
            return
        self.fields["research"].queryset = research_topics
        self.fields["research"].label_from_instance = lambda topic: f"{topic.year}年 · {topic.title}"


class MeasureForm(CrispyForm):
    decision = forms.CharField(
        label=_("What was decided"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("The task the study is to be put into practice by."),
    )
    measure = forms.CharField(
        label=_("Measure"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=pgettext_lazy("problem list", "Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = person_label


class SpotDrawForm(CrispyForm):
    KIND_RECORDS, KIND_VISIT = "records", "visit"

    kind = forms.ChoiceField(
        label=_("Kind of spot check"),
        choices=[
            (KIND_RECORDS, _("Records check: attendance, minutes and submissions, once the session is held")),
            (KIND_VISIT, _("Random visit: an observer from the pool attends (列席旁听)")),
        ],
        widget=forms.RadioSelect,
        initial=KIND_RECORDS,
    )
    date_from = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), widget=DATE_WIDGET)
    count = forms.IntegerField(label=_("Sessions to draw"), min_value=1, max_value=50, initial=2)
    seed = forms.CharField(
        label=_("Seed"),
        required=False,
        max_length=64,
        help_text=_("Leave empty for a random seed; the same seed and records give the same draw."),
    )


class SpotCheckForm(CrispyForm):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=SpotCheck.Verdict.choices, widget=forms.RadioSelect)
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One finding per line; each can then be raised as an action of the group."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FindingActionForm(CrispyForm):
    problem = forms.CharField(label=_("Problem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    measure = forms.CharField(
        label=_("Measure"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=pgettext_lazy("problem list", "Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)
    finding = forms.CharField(widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = person_label


class RecommendationForm(CrispyForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    source = forms.CharField(
        label=_("Source"), required=False, max_length=300, help_text=_("For example: 《求是》2026年第5期.")
    )
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    upload = UploadField(label=_("File"), required=False, help_text=UPLOAD_HELP)
    why = forms.CharField(label=_("Why it is worth reading"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PickForm(CrispyForm):
    session = forms.ModelChoiceField(label=_("Into the materials of the session"), queryset=None)
    lead = forms.ModelChoiceField(label=_("Lead reader"), queryset=None)
    publish = forms.BooleanField(label=_("Publish the material now and tell the members"), required=False, initial=True)

    def __init__(self, *args, sessions=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: (
            f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M} {s.title}"
        )
        self.fields["lead"].queryset = members
        self.fields["lead"].label_from_instance = person_label
