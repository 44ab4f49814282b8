from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudySessionsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions".
    name = "sessions"
    label = "study_sessions"
    verbose_name = _("Study sessions")

    def ready(self) -> None:
        from sessions import access_rules, home_panels  # noqa: F401 - registers the rules, navigation and panels
