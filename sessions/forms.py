"""Input shapes of the sessions pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.models import SessionKind
from sessions.models import MakeUp, Submission
from studygroup import formats
from studygroup.forms import DATE_WIDGET, CrispyForm, UploadField, person_label
from studygroup.versions import VersionedForm

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SessionForm(VersionedForm, CrispyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=DATETIME_WIDGET, help_text=_("A reading class may span several days.")
    )
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    is_online = forms.BooleanField(label=_("Held online"), required=False)
    is_expanded = forms.BooleanField(label=_("Expanded session (扩大学习)"), required=False)
    topics = forms.ModelMultipleChoiceField(
        label=_("Plan topics it covers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    lead = forms.ModelChoiceField(label=_("Lead reader"), queryset=None, required=False)
    speakers = forms.ModelMultipleChoiceField(
        label=_("Key speakers"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    invited = forms.ModelMultipleChoiceField(
        label=_("Invited attendees on file"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("People of other organizations invited to an expanded session."),
    )
    guests = forms.CharField(
        label=_("Other guests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name, then a comma and the organization (optional)."),
    )
    plan_text = forms.CharField(
        label=_("Session plan (会前方案)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    plan_upload = UploadField(label=_("Session plan as a file"), required=False)
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, topics=None, members=None, others=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topics
        self.fields["topics"].label_from_instance = lambda t: f"{formats.month_zh(t.month)} · {t.title}"
        for name in ("lead", "speakers"):
            self.fields[name].queryset = members
            self.fields[name].label_from_instance = person_label
        self.fields["invited"].queryset = others
        self.fields["invited"].label_from_instance = person_label

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("The end cannot be before the start."))
        return data

    def guest_list(self) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data.get("guests", "").splitlines():
            name, _sep, organization = line.replace(",", ",").partition(",")
            if name.strip():
                rows.append((name.strip()[:100], organization.strip()[:200]))
        return rows

    def session_fields(self) -> dict:
        names = [
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "is_online",
            "is_expanded",
            "lead",
            "plan_text",
            "agenda",
        ]
        return {name: self.cleaned_data[name] for name in names}


class ManualSignInForm(CrispyForm):
    person = forms.ModelChoiceField(label=_("Sign in by hand"), queryset=None)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = person_label


class LeaveForm(CrispyForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class LeaveDecisionForm(CrispyForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class MinutesForm(VersionedForm, CrispyForm):
    minutes = forms.CharField(
        label=_("Record of the session"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    speeches = forms.CharField(
        label=_("Who spoke and what was said"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One speech per line: the speaker's name, a colon, then a summary of what was said."),
    )

    def speech_lines(self) -> list[tuple[str, str]]:
        lines = []
        for line in self.cleaned_data.get("speeches", "").splitlines():
            name, sep, summary = line.replace(":", ":").partition(":")
            if sep and name.strip() and summary.strip():
                lines.append((name.strip(), summary.strip()))
        return lines

    def clean_speeches(self):
        value = self.cleaned_data["speeches"]
        bad = [line for line in value.splitlines() if line.strip() and ":" not in line.replace(":", ":")]
        if bad:
            raise forms.ValidationError(
                _("Each line needs the speaker's name and a colon: %(line)s") % {"line": bad[0]}
            )
        return value


class AttachmentForm(CrispyForm):
    upload = UploadField(label=_("Attachment"))


class CircularForm(CrispyForm):
    text = forms.CharField(label=_("Summary for the organizations below"), widget=forms.Textarea(attrs={"rows": 6}))


class SubmissionForm(VersionedForm, CrispyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Submission.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    session = forms.ModelChoiceField(label=_("For the session"), queryset=None, required=False)
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    upload = UploadField(label=_("File"), required=False)

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class ReviewForm(CrispyForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class LectureForm(CrispyForm):
    person = forms.ModelChoiceField(label=_("Speaker"), queryset=None)
    on = forms.DateField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)
    title = forms.CharField(label=_("Title"), max_length=300)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    audience = forms.IntegerField(label=_("Audience"), min_value=0, max_value=1_000_000)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = person_label


class ReviewerForm(CrispyForm):
    person = forms.ModelChoiceField(label=_("Second reviewer (宣传委员)"), queryset=None, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = person_label


class MakeUpForm(CrispyForm):
    """Staff record a make-up given in person, at a make-up session or by self-study."""

    on = forms.DateField(label=_("Date of the make-up"), widget=DATE_WIDGET, initial=timezone.localdate)
    method = forms.ChoiceField(label=_("How"), choices=MakeUp.Method.choices)
    given_by = forms.CharField(
        label=_("Given by"), max_length=100, help_text=_("Who delivered or organized it, e.g. the study secretary.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
