from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("From study to practice")

    def ready(self) -> None:
        # Registers the access rules, navigation, home panels, page panels and session hooks.
        from practice import access_rules, figures, home_panels, hooks, records  # noqa: F401

        # What the reports show of the practice app's records: year figures, bundle parts, dashboard, digest, summary.
        figures.register()
        records.register()
