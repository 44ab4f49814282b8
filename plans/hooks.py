"""What the plans pages need of study sessions, which sit above plans (ARCHITECTURE.md, "Apps and their order").

Plans name sessions by string only (``Material.session``; ``StudySession.topics`` points at plan topics). Where a
plans page shows sessions — the sessions that covered a topic, the pre-study of a session — it asks these hooks,
which ``sessions.apps.StudySessionsConfig.ready`` fills:

* ``sessions()``: every study session, a queryset (``StudySession.objects.all``);
* ``held_q(prefix="")``: the sessions held by now, reached through ``prefix`` (``sessions.models.held_q``).

Both are required: without the sessions app those pages stop with ``ImproperlyConfigured`` naming the hook.
"""

from __future__ import annotations

from typing import Any

from studygroup.hooks import Hook

sessions = Hook("plans.sessions")
held_q = Hook("plans.held_q")

# A study session as plans see it: the sessions app's model, which plans do not import.
Session = Any
