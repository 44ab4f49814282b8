"""Input shapes of the core pages."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from studygroup.models import AuditEntry, Membership, Person

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _CrispyMixin:
    def _setup_helper(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class LoginForm(_CrispyMixin, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})


class ChangePasswordForm(_CrispyMixin, PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


class MembershipAddForm(_CrispyMixin, forms.Form):
    """Seat someone already on file, or type a new person's name and post."""

    person = forms.ModelChoiceField(label=_("Person on file"), queryset=Person.objects.none(), required=False)
    new_name = forms.CharField(label=_("Or a new person: name"), max_length=100, required=False)
    new_post = forms.CharField(label=_("Post"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )
    start_on = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()
        if people is not None:
            self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p.name}({p.post or p.organization.name})"

    def clean(self):
        data = super().clean()
        person, name = data.get("person"), (data.get("new_name") or "").strip()
        if person and name:
            self.add_error("new_name", _("Choose a person on file or type a new name, not both."))
        elif not person and not name:
            self.add_error("person", _("Choose a person on file or type the name of a new one."))
        data["new_name"] = name
        return data


class MembershipEditForm(_CrispyMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "start_on", "end_on"]
        widgets = {"start_on": DATE_WIDGET, "end_on": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


class MembershipEndForm(_CrispyMixin, forms.Form):
    end_on = forms.DateField(label=_("Last day in the group"), widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_helper()


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("All actions")), *AuditEntry.Action.choices], required=False
    )
    username = forms.CharField(label=_("Username"), max_length=150, required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    until = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"
