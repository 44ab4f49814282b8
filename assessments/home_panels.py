"""Navigation entries, home panels and to-dos of the assessments app."""

from django.utils.translation import gettext_lazy as _

from studygroup import access
from studygroup.navigation import nav_item

TESTS = _("Knowledge tests")

nav_item(
    label=_("Knowledge tests"),
    url_name="assessments:test-list",
    icon="ui-checks",
    roles={access.STAFF, access.LEADER, access.VIEWER, access.INSPECTOR, access.MEMBER, access.OBSERVER},
    order=59,
    menu=TESTS,
)
nav_item(
    label=_("Question banks"),
    url_name="assessments:bank-list",
    icon="collection",
    roles={access.STAFF},
    order=60,
    menu=TESTS,
)
