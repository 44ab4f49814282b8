"""What the pages of the sessions app share: the session of an address, within the user's reach."""

from __future__ import annotations

from sessions.models import StudySession
from studygroup import access


def _session(request, pk) -> StudySession:
    return access.get_visible_or_404(StudySession.objects.select_related("group__organization"), request.user, pk=pk)
