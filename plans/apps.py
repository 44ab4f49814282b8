from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Study plans")

    def ready(self) -> None:
        from plans import access_rules, home_panels  # noqa: F401 - registers the rules, navigation and panels
