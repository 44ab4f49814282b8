from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo and benchmark data: the top of the apps' order, the only app that may import every other."""

    name = "demo"
    verbose_name = _("Demo data")
