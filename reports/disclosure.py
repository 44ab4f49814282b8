"""What an attendance rate leaves out, said beside it: held sessions with no attendance recorded at all.

A rate divides the attendance rows there are; a session held (started) without a single row adds nothing to it,
so "出勤率 95%" alone would hide that, say, four sessions were never registered. Every page, document and digest
that shows a rate shows this count beside it when it is not zero, the pages with a link to those sessions
(the session list's ``unregistered`` filter, under the list's own access rule).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import ngettext


def list_url(*, organization_id: int, year: int, month: int | None = None) -> str:
    """The session list of the held sessions of ``organization_id``'s subtree in ``year`` (``month``) without
    attendance."""
    query = {"year": year, "org": organization_id, "unregistered": 1}
    if month:
        query["month"] = month
    return f"{reverse('sessions:session-list')}?{urlencode(query)}"


def sentence(count: int) -> str:
    """The disclosure as plain text (documents and drafts, where there is no link); empty when ``count`` is 0."""
    if not count:
        return ""
    return ngettext(
        "%(counter)s more held session has no attendance recorded and is not counted in the attendance rate.",
        "%(counter)s more held sessions have no attendance recorded and are not counted in the attendance rate.",
        count,
    ) % {"counter": count}
