from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Digests and summaries")

    def ready(self) -> None:
        from reports import home_panels  # noqa: F401 - registers the navigation and panels
