from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudySessionsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions".
    name = "sessions"
    label = "study_sessions"
    verbose_name = _("Study sessions")

    def ready(self) -> None:
        from plans import hooks as plan_hooks
        from sessions import access_rules, home_panels  # noqa: F401 - registers the rules, navigation and panels
        from sessions.models import StudySession, held_q

        # Plans sit below sessions: their pages reach sessions through these hooks (plans/hooks.py).
        plan_hooks.sessions.register(StudySession.objects.all)
        plan_hooks.held_q.register(held_q)
