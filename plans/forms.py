"""Input shapes of the plans pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.models import MONTHS, Material, PlanTopic
from studygroup import formats
from studygroup.forms import DATE_WIDGET, CrispyForm, UploadField, person_label
from studygroup.versions import VersionedForm


class PlanCreateForm(CrispyForm):
    group = forms.ModelChoiceField(label=_("Study group"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups


class PlanEditForm(VersionedForm, CrispyForm):
    main_line = forms.CharField(
        label=_("Main line of the year"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("The thread that runs through the whole year's study (全年有主线)."),
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, record=plan, **kwargs)
        themes = {month.month: month.theme for month in plan.months.all()} if plan else {}
        if plan is not None and not self.is_bound:
            self.initial["main_line"] = plan.main_line
        for month, label in MONTHS:
            self.fields[f"month_{month}"] = forms.CharField(
                label=_("Theme of %(month)s") % {"month": label},
                max_length=200,
                required=False,
                initial=themes.get(month, ""),
            )

    def themes(self) -> dict[int, str]:
        return {month: self.cleaned_data[f"month_{month}"] for month, _label in MONTHS}


class PlanReviseForm(PlanEditForm):
    why = forms.CharField(label=_("Reason for the revision"), widget=forms.Textarea(attrs={"rows": 2}))


class TopicForm(VersionedForm, CrispyForm):
    month = forms.TypedChoiceField(label=_("Month"), choices=MONTHS, coerce=int)
    title = forms.CharField(label=_("Title"), max_length=300)
    source = forms.ChoiceField(label=_("How it was set"), choices=PlanTopic.Source.choices)
    lead = forms.ModelChoiceField(label=_("Lead reader"), queryset=None, required=False)
    session_kind = forms.ChoiceField(
        label=_("Intended session kind"), choices=PlanTopic._meta.get_field("session_kind").choices
    )

    def __init__(self, *args, people=None, require_why=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = people
        self.fields["lead"].label_from_instance = person_label
        if require_why:
            self.fields["why"] = forms.CharField(
                label=_("Reason for the revision"), widget=forms.Textarea(attrs={"rows": 2})
            )

    def topic_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ["month", "title", "source", "lead", "session_kind"]}


class ReturnForm(CrispyForm):
    comment = forms.CharField(label=_("What should change"), widget=forms.Textarea(attrs={"rows": 4}))


class CommentForm(CrispyForm):
    text = forms.CharField(label=_("Comment for the group"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class MaterialForm(CrispyForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Form of the material"),
        choices=Material.Kind.choices,
        widget=forms.RadioSelect,
        initial=Material.Kind.FILE,
    )
    upload = UploadField(
        label=_("File"),
        required=False,
        help_text=_("PDF, Word (DOCX, DOC), WPS (WPS, ET), Excel (XLSX, XLS) or an image (PNG, JPEG, GIF)."),
    )
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    session = forms.ModelChoiceField(label=_("For the session"), queryset=None, required=False)
    topic = forms.ModelChoiceField(label=_("For the plan topic"), queryset=None, required=False)

    def __init__(self, *args, sessions=None, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["topic"].queryset = topics
        self.fields["topic"].label_from_instance = lambda t: f"{formats.month_zh(t.month, t.plan.year)} · {t.title}"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        required = {
            Material.Kind.FILE: ("upload", _("Choose the file to upload.")),
            Material.Kind.LINK: ("url", _("Give the address of the link.")),
            Material.Kind.TEXT: ("text", _("Paste the text of the material.")),
        }
        if kind in required:
            name, message = required[kind]
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data


class ResearchTopicForm(CrispyForm):
    group = forms.ModelChoiceField(label=_("Study group"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["year"].initial = timezone.localdate().year


class CoResearchersForm(CrispyForm):
    people = forms.ModelMultipleChoiceField(
        label=_("Co-researchers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people


class ResearchReportForm(CrispyForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    submitted_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)
    text = forms.CharField(label=_("Text of the report"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    upload = UploadField(label=_("File"), required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("upload") and "upload" not in self.errors:
            raise ValidationError(_("Write the report or attach its file."))
        return data
