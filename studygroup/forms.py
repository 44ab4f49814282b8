"""Input shapes of the core pages."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from studygroup.models import AuditEntry, Membership, Person, RoleGrant
from studygroup.uploads import validate_upload
from studygroup.versions import VersionedForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CrispyMixin:
    """Render with crispy-bootstrap5 inside a template's own <form> tag (which carries the CSRF token)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class CrispyForm(CrispyMixin, forms.Form):
    pass


class UploadField(forms.FileField):
    """A file field that refuses empty, oversized and disguised files (``uploads.validate_upload``)."""

    def validate(self, value):
        super().validate(value)
        if value:
            validate_upload(value)


def person_label(person: Person) -> str:
    return f"{person.name}({person.post or person.organization.name})"


def person_with_organization(person: Person) -> str:
    return f"{person.name}({person.organization.name})"


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of person, shown with their post (or organization)."""

    def __init__(self, *args, label_from=person_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_from_instance = label_from  # type: ignore[method-assign]


class LoginForm(CrispyMixin, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})


class ChangePasswordForm(CrispyMixin, PasswordChangeForm):
    pass


class MembershipAddForm(CrispyMixin, forms.Form):
    """Seat someone already on file, or type a new person's name and post."""

    person = PersonChoiceField(label=_("Person on file"), queryset=Person.objects.none(), required=False)
    new_name = forms.CharField(label=_("Or a new person: name"), max_length=100, required=False)
    new_post = forms.CharField(label=_("Post"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )
    start_on = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        person, name = data.get("person"), (data.get("new_name") or "").strip()  # type: ignore[union-attr]
        if person and name:
            self.add_error("new_name", _("Choose a person on file or type a new name, not both."))
        elif not person and not name:
            self.add_error("person", _("Choose a person on file or type the name of a new one."))
        data["new_name"] = name  # type: ignore[index]
        return data


class MembershipEditForm(CrispyMixin, VersionedForm, forms.ModelForm):
    """The seat's role and dates: the shape only (``membership_update`` saves), refused when stale (``record=``)."""

    class Meta:
        model = Membership
        fields = ["role", "start_on", "end_on"]
        widgets = {"start_on": DATE_WIDGET, "end_on": DATE_WIDGET}


class MembershipEndForm(CrispyMixin, forms.Form):
    end_on = forms.DateField(label=_("Last day in the group"), widget=DATE_WIDGET)


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


class NewPasswordForm(CrispyForm):
    """A temporary password typed twice; the rules are checked by the service."""

    password1 = forms.CharField(
        label=_("Temporary password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters of two kinds. The holder must choose their own at the next sign-in."),
    )
    password2 = forms.CharField(
        label=_("Temporary password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):  # type: ignore[union-attr]
            self.add_error("password2", _("The two passwords do not match."))
        return data


class AccountCreateForm(NewPasswordForm):
    """A login for a person on file without one, or for a new person typed in."""

    person = PersonChoiceField(label=_("Person on file"), queryset=Person.objects.none(), required=False)
    new_name = forms.CharField(label=_("Or a new person: name"), max_length=100, required=False)
    new_post = forms.CharField(label=_("Post"), max_length=200, required=False)
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")},
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    field_order = ["person", "new_name", "new_post", "username", "email", "password1", "password2"]

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        person, name = data.get("person"), (data.get("new_name") or "").strip()
        if person and name:
            self.add_error("new_name", _("Choose a person on file or type a new name, not both."))
        elif not person and not name:
            self.add_error("person", _("Choose a person on file or type the name of a new one."))
        data["new_name"] = name
        return data


class GrantCreateForm(CrispyForm):
    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none(), label_from=person_with_organization)
    role = forms.ChoiceField(label=_("Role"), choices=RoleGrant.Role.choices)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people  # type: ignore[attr-defined]


class ConfirmForm(CrispyForm):
    """A button press confirmed on its own page; nothing to fill in."""


class EmailChangeForm(CrispyForm):
    email = forms.EmailField(label=_("New e-mail address"), required=False)
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Confirm the change with your password."),
    )
