from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("From study to practice")

    def ready(self) -> None:
        # Registers the access rules, navigation, home panels, page panels and session hooks.
        from practice import access_rules, home_panels, hooks  # noqa: F401
