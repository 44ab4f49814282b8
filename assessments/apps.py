from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Knowledge tests")

    def ready(self) -> None:
        from assessments import access_rules, home_panels, records  # noqa: F401 - registers the rules, navigation and panels

        records.register()  # year figures, the records bundle's part, dashboard, digest and summary (reports.extensions)
