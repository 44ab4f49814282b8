from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyGroupConfig(AppConfig):
    name = "studygroup"
    verbose_name = _("Organizations and people")

    def ready(self) -> None:
        from studygroup import access_rules, audit, home_panels  # noqa: F401 - registers the core rules and panels

        audit.connect()
