"""Navigation entries and home panels of the reports app."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import dashboard, disclosure
from studygroup import access
from studygroup.navigation import home_panel, nav_item

REPORTS = _("Reports")
READERS = {access.STAFF, access.LEADER, access.INSPECTOR, access.VIEWER}
nav_item(label=_("Dashboard"), url_name="reports:dashboard", icon="speedometer2", roles=READERS, order=60, menu=REPORTS)
nav_item(
    label=_("Study digests"),
    url_name="reports:digest-list",
    icon="newspaper",
    roles=READERS | {access.MEMBER},
    order=61,
    menu=REPORTS,
)
nav_item(
    label=_("Year-end summary"),
    url_name="reports:summary",
    icon="file-earmark-text",
    roles=READERS,
    order=62,
    menu=REPORTS,
)
nav_item(
    label=_("Import and export records"),
    url_name="reports:records",
    icon="arrow-left-right",
    roles={access.STAFF},
    order=64,
    menu=REPORTS,
)
nav_item(label=_("Job runs"), url_name="reports:run-list", icon="cpu", roles={access.STAFF}, order=63, menu=REPORTS)


@home_panel(
    key="dashboard-entry",
    title=_("This year at a glance"),
    template="reports/panels/dashboard_entry.html",
    roles={access.VIEWER, access.LEADER},
    order=25,
)
def dashboard_entry(user, scope):
    from studygroup.models import Organization

    top = Organization.objects.filter(path__in=scope.paths([access.VIEWER, access.LEADER])).order_by("path").first()
    if top is None:
        return None
    year = timezone.localdate().year
    return {
        "organization": top,
        "year": year,
        "unregistered_url": disclosure.list_url(organization_id=top.pk, year=year),
        **dashboard.glance(organization=top, year=year),
    }
