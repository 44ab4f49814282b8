from django import forms
from django.utils.translation import gettext_lazy as _

from studygroup.forms import CrispyForm
from studygroup.versions import VersionedForm


class CompileForm(CrispyForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)


class SummaryForm(VersionedForm, CrispyForm):
    text = forms.CharField(label=_("Year-end summary"), widget=forms.Textarea(attrs={"rows": 16}))
