"""Input shapes of the audits pages."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audits.models import Action, Inspection, ObserverVisit
from studygroup.forms import DATE_WIDGET, CrispyForm, person_label, person_with_organization
from studygroup.versions import VersionedForm


def _session_label(session) -> str:
    return f"{timezone.localtime(session.starts_at):%m-%d %H:%M} {session.group.organization.name} · {session.title}"


# The most options a list of sessions or people on the planning page shows: a province's subtree holds tens of
# thousands of each, so the page lists the first ones of the range the user narrows to (``?within=``). Each list
# shows in three forms, and rendering options is what the page spends its time on: 200 took 0.7 s at the root.
CHOICES_SHOWN = 60


class _ShownChoices(forms.models.ModelChoiceIterator):
    """The first ``CHOICES_SHOWN`` options of ``field.shown`` (else of the queryset); never counts the queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        shown = self.queryset if self.field.shown is None else self.field.shown
        for obj in shown[:CHOICES_SHOWN]:
            yield self.choice(obj)

    def __len__(self):
        return CHOICES_SHOWN + (self.field.empty_label is not None)

    def __bool__(self):
        return True


class ShownModelChoiceField(forms.ModelChoiceField):
    """Accepts any record of its queryset but lists only the first ``CHOICES_SHOWN`` of ``shown``."""

    iterator = _ShownChoices
    shown = None


class RequestKeyField(forms.UUIDField):
    """A hidden key given to each form shown: the service does once what one form asks for, however many clicks."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=uuid.uuid4, **kwargs)


class PoolAddForm(CrispyForm):
    person = ShownModelChoiceField(label=_("Add to the observer pool"), queryset=None)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = person_with_organization


class AssignForm(CrispyForm):
    session = ShownModelChoiceField(label=_("Session"), queryset=None)
    observer = forms.ModelChoiceField(label=_("Observer"), queryset=None)
    is_online = forms.BooleanField(label=_("Observes online"), required=False)

    def __init__(self, *args, sessions=None, observers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = _session_label
        self.fields["observer"].queryset = observers
        self.fields["observer"].label_from_instance = person_with_organization


class DrawForm(CrispyForm):
    date_from = forms.DateField(label=_("Sessions from"), widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("to"), widget=DATE_WIDGET)
    count = forms.IntegerField(label=_("Sessions to draw"), min_value=1, max_value=500, initial=5)
    seed = forms.CharField(
        label=_("Seed (optional)"),
        max_length=64,
        required=False,
        help_text=_("Leave empty for a new random seed; give a seed to repeat a draw."),
    )
    request_key = RequestKeyField()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end cannot be before the start."))
        return data


class CrossForm(CrispyForm):
    first = ShownModelChoiceField(label=_("Session of group A"), queryset=None)
    observer_of_first = ShownModelChoiceField(label=_("Observer from group B"), queryset=None)
    second = ShownModelChoiceField(label=_("Session of group B"), queryset=None)
    observer_of_second = ShownModelChoiceField(label=_("Observer from group A"), queryset=None)

    def __init__(self, *args, sessions=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = sessions
            self.fields[name].label_from_instance = _session_label
        for name in ("observer_of_first", "observer_of_second"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = person_with_organization


class InviteForm(CrispyForm):
    note = forms.CharField(
        label=_("Note for the organization above"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptForm(CrispyForm):
    observer = forms.ModelChoiceField(label=_("Observer"), queryset=None)

    def __init__(self, *args, observers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = observers
        self.fields["observer"].label_from_instance = person_with_organization


class PreReviewForm(CrispyForm):
    decision = forms.ChoiceField(
        label=_("Topic, session plan and materials"), choices=ObserverVisit.Review.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment for the group"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ListenForm(CrispyForm):
    discussion_focused = forms.ChoiceField(
        label=_("Was the discussion focused?"), choices=YES_NO, widget=forms.RadioSelect
    )
    summary_deep = forms.ChoiceField(
        label=_("Was the concluding speech deep?"), choices=YES_NO, widget=forms.RadioSelect
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    gave_talk = forms.BooleanField(label=_("I also gave a talk"), required=False)


class ReportForm(VersionedForm, CrispyForm):
    rating = forms.ChoiceField(label=_("Rating"), choices=[("", "—"), *ObserverVisit.Rating.choices], required=False)
    report = forms.CharField(label=_("Visit report"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One finding per line; each can become an action."),
    )


class ActionForm(CrispyForm):
    problem = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 2}))
    measure = forms.CharField(label=_("Measure"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=pgettext_lazy("problem list", "Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)
    finding = forms.CharField(required=False, widget=forms.HiddenInput)
    request_key = RequestKeyField()

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = person_label


class ActionUpdateForm(VersionedForm, CrispyForm):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ActionAcceptForm(CrispyForm):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        help_text=_("Needed when you send the action back: say what is still missing."),
    )


class VerdictForm(CrispyForm):
    item = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Inspection.Verdict.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class RulesForm(CrispyForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    adopted_on = forms.DateField(label=_("Adopted on"), required=False, widget=DATE_WIDGET)
