"""The daily reminders: what is due soon, sent once a day to the people who must act."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Action, ObserverVisit
from plans import selectors as plan_selectors
from sessions import selectors as session_selectors
from sessions.models import StudySession
from studygroup import formats, notifications


def send_all(today: datetime.date) -> int:
    return _prestudy(today) + _makeups(today) + _visits(today) + _actions(today)


def _prestudy(today: datetime.date) -> int:
    soon = timezone.now() + datetime.timedelta(days=settings.PRESTUDY_LEAD_DAYS)
    sent = 0
    for session in StudySession.objects.filter(starts_at__gte=timezone.now(), starts_at__lte=soon).select_related(
        "group"
    ):
        status = plan_selectors.prestudy_status(session=session)
        if not status.materials:
            continue
        users = [row.person.user for row in status.rows if not row.is_complete and row.person.user_id]
        sent += len(
            notifications.send(
                to=users,
                verb="prestudy_reminder",
                title=_("Reminder: study the materials before %(session)s") % {"session": session.title},
                url=session.get_absolute_url(),
            )
        )
    return sent


def _makeups(today: datetime.date) -> int:
    from sessions.models import MISSED, Attendance

    rows = Attendance.objects.filter(
        status__in=MISSED, session__ends_at__lte=timezone.now(), person__user__isnull=False
    ).select_related("session", "person__user")
    due = [
        row
        for row in rows
        if 0 <= (session_selectors.makeup_due_on(row.session) - today).days <= 3
        and not row.session.submissions.filter(person=row.person, is_makeup=True, status="approved").exists()
    ]
    return sum(
        len(
            notifications.send(
                to=[row.person.user],
                verb="makeup_due",
                title=_("Make up the study of %(session)s by %(date)s")
                % {
                    "session": row.session.title,
                    "date": formats.month_day_zh(session_selectors.makeup_due_on(row.session)),
                },
                url=row.session.get_absolute_url(),
            )
        )
        for row in due
    )


def _visits(today: datetime.date) -> int:
    from audits import services

    sent = 0
    for visit in (
        ObserverVisit.objects.filter(observer__user__isnull=False)
        .filter(pre_review_on__isnull=True, session__starts_at__gt=timezone.now())
        .select_related("session", "observer__user")
    ):
        if 0 <= (services.pre_review_deadline(visit) - today).days <= 3:
            sent += len(
                notifications.send(
                    to=[visit.observer.user],
                    verb="visit_review_due",
                    title=_("Review before the session is due: %(session)s") % {"session": visit.session.title},
                    url=visit.get_absolute_url(),
                )
            )
    for visit in ObserverVisit.objects.filter(
        observer__user__isnull=False, reported_on__isnull=True, session__ends_at__lt=timezone.now()
    ).select_related("session", "observer__user"):
        if (services.report_deadline(visit) - today).days <= 2:
            sent += len(
                notifications.send(
                    to=[visit.observer.user],
                    verb="visit_report_due",
                    title=_("The visit report is due: %(session)s") % {"session": visit.session.title},
                    url=visit.get_absolute_url(),
                )
            )
    return sent


def _actions(today: datetime.date) -> int:
    rows = (
        Action.objects.exclude(status=Action.Status.DONE)
        .filter(due_on__lt=today, owner__user__isnull=False)
        .select_related("owner__user")
    )
    return sum(
        len(
            notifications.send(
                to=[a.owner.user],
                verb="action_overdue",
                title=_("An action is overdue: %(problem)s") % {"problem": a.problem[:60]},
                url=a.get_absolute_url(),
            )
        )
        for a in rows
    )
