"""The sessions app answers the hooks of the apps below it."""

from plans import hooks as plan_hooks
from sessions.models import StudySession, held_q


def test_plans_reach_sessions_through_the_hooks_the_sessions_app_fills():
    assert plan_hooks.sessions().model is StudySession
    assert plan_hooks.held_q.function is held_q
