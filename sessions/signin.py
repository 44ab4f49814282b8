"""Sign-in tokens (签到): signed, time-limited, bound to one session.

The screen's QR token is short-lived and changes every minute, so a photo of
it sent around soon stops working; the link staff send lasts until the
session ends. Both carry the session id, checked against the URL.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import Attendance, StudySession
from studygroup import formats

SALT = "studygroup.sessions.signin"
QR, LINK = "qr", "link"


class SignInRefused(Exception):
    """A sign-in that cannot be taken; the message says why, in the user's language."""


def make_token(session: StudySession, kind: str = QR) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"s": session.pk, "k": kind})


def read_token(token: str, session: StudySession) -> str:
    """Return the kind of a valid token for ``session``; refuse tampered, expired or foreign ones."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(token)
    except signing.BadSignature as exc:
        raise SignInRefused(_("This sign-in code is not valid. Scan the code on the screen again.")) from exc
    if payload.get("s") != session.pk:
        raise SignInRefused(_("This sign-in code belongs to another session."))
    kind = payload.get("k")
    if kind == QR:
        try:
            signer.unsign_object(token, max_age=settings.SIGNIN_QR_MAX_AGE)
        except signing.SignatureExpired as exc:
            raise SignInRefused(
                _("This code has expired. Scan the code now on the screen; it changes every minute.")
            ) from exc
    elif kind != LINK:
        raise SignInRefused(_("This sign-in code is not valid. Scan the code on the screen again."))
    return kind


def check_window(session: StudySession, now=None) -> None:
    now = now or timezone.now()
    opens = session.starts_at - datetime.timedelta(minutes=settings.SIGNIN_OPENS_MINUTES)
    if now < opens:
        raise SignInRefused(_("Sign-in opens at %(time)s.") % {"time": formats.month_day_time_zh(opens)})
    if now > session.ends_at:
        raise SignInRefused(_("The session has ended; sign-in is closed. Ask the office if you attended."))


def closed_for_staff(session: StudySession, now=None) -> str | None:
    """Why staff cannot sign anyone in now (the members' window, ``check_window``), or ``None`` while it is open."""
    now = now or timezone.now()
    try:
        check_window(session, now)
    except SignInRefused as exc:
        if now > session.ends_at:
            return _("The session has ended; record attendance on the attendance sheet.")
        return str(exc)
    return None


def status_at(session: StudySession, now) -> str:
    """Present until the start plus the grace period, late after it."""
    limit = session.starts_at + datetime.timedelta(minutes=settings.SIGNIN_GRACE_MINUTES)
    return Attendance.Status.PRESENT if now <= limit else Attendance.Status.LATE
