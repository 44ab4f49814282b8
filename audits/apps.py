from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Observation and inspection")

    def ready(self) -> None:
        from audits import access_rules, home_panels  # noqa: F401 - registers the rules, navigation and panels
