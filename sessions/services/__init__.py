"""Every write of the sessions app; those of submissions and their review are in ``review.py``, re-exported here."""

from __future__ import annotations

import datetime
import os
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions import hooks, selectors, signin
from sessions.models import (
    ATTENDED,
    MISSED,
    Attendance,
    LeaveRequest,
    Lecture,
    MakeUp,
    MinutesAttachment,
    SessionGuest,
    Speech,
    StudySession,
)
from studygroup import access, audit, notifications, rollup_marks
from studygroup import selectors as core_selectors
from studygroup.models import AuditEntry, Notification, Organization, Person, StudyGroup, User
from studygroup.services import ALREADY_DONE
from studygroup.uploads import clean_name

# A sign-in link sent this recently is not sent again to the same person (a double click).
SIGNIN_LINK_RESEND_MINUTES = 2


def _person(user: User) -> Person:
    person = access.person_of(user)
    if person is None:
        raise PermissionDenied
    return person


def _audit_created(instances: list, session: StudySession, by: User) -> None:
    """Record rows written with ``bulk_create``, filed under the session's owner."""
    path = session.group.organization.path
    audit.write_many(
        action=AuditEntry.Action.CREATE, instances=instances, user=by, organization_path_for=lambda _row: path
    )


def _audit_status_changed(rows: list[tuple[Attendance, str]], path: str, by: User | None) -> None:
    """Record attendance rows whose status a queryset ``update`` changed: (row after, status before)."""
    before = {row.pk: old for row, old in rows}
    audit.write_many(
        action=AuditEntry.Action.UPDATE,
        instances=[row for row, _old in rows],
        changes_for=lambda row: {"status": [before[row.pk], row.status]},
        user=by,
        organization_path_for=lambda _row: path,
    )


def _store(field_file, upload, prefix: str) -> str:
    name = clean_name(upload.name)
    field_file.save(f"{prefix}{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}", upload, save=False)
    return name


# Sessions ------------------------------------------------------------------------------------


def _check_times(starts_at, ends_at) -> None:
    if ends_at < starts_at:
        raise ValidationError({"ends_at": _("The end cannot be before the start.")})


@transaction.atomic
def session_create(
    *, group: StudyGroup, by: User, topics=(), speakers=(), invited=(), plan_upload=None, **fields
) -> StudySession:
    access.require(by, "change", group)
    _check_times(fields["starts_at"], fields["ends_at"])
    session = StudySession(group=group, code=f"s-{uuid.uuid4().hex[:12]}", **fields)
    if plan_upload is not None:
        session.plan_file_name = _store(session.plan_file, plan_upload, "plan-")
    session.save()
    audit.record(AuditEntry.Action.CREATE, session, by=by)
    _set_people(session, topics, speakers, invited)
    rollup_marks.mark(group.pk, session.starts_at)
    hooks.scheduled(session=session, by=by, created=True)
    return session


@transaction.atomic
def session_update(
    *, session: StudySession, by: User, topics=(), speakers=(), invited=(), plan_upload=None, **fields
) -> StudySession:
    access.require(by, "change", session)
    _check_times(fields["starts_at"], fields["ends_at"])
    before = audit.stored(session)
    rollup_marks.mark(session.group_id, session.starts_at)  # the month it leaves, if it moves
    for name, value in fields.items():
        setattr(session, name, value)
    if plan_upload is not None:
        session.plan_file_name = _store(session.plan_file, plan_upload, "plan-")
    session.save()
    audit.record(AuditEntry.Action.UPDATE, session, by=by, before=before)
    _set_people(session, topics, speakers, invited)
    rollup_marks.mark(session.group_id, session.starts_at)
    hooks.scheduled(session=session, by=by, created=False)
    return session


@transaction.atomic
def session_lead_set(*, session: StudySession, lead: Person, by: User) -> StudySession:
    """Name the lead reader (领学人) of a session, e.g. when a recommended reading is picked for it."""
    access.require(by, "change", session)
    before = audit.stored(session)
    session.lead = lead
    session.save(update_fields=["lead", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, session, by=by, before=before)
    return session


def _set_people(session: StudySession, topics, speakers, invited) -> None:
    wrong = [t.title for t in topics if t.plan.group_id != session.group_id]
    if wrong:
        raise ValidationError({"topics": _("Topics of another group: %(titles)s") % {"titles": "、".join(wrong)}})
    session.topics.set(topics)
    session.speakers.set(speakers)
    session.invited.set(invited)


@transaction.atomic
def guests_set(*, session: StudySession, guests: list[tuple[str, str]], by: User) -> None:
    access.require(by, "change", session)
    audit.delete(session.guests.all(), by=by)
    created = SessionGuest.objects.bulk_create(
        SessionGuest(session=session, name=name.strip(), organization_name=org.strip())
        for name, org in guests
        if name.strip()
    )
    _audit_created(created, session, by)


# Sign-in and attendance ------------------------------------------------------------------------


def _not_started() -> str:
    """The refusal of attendance other than leave at a session that has not started."""
    return _("The session has not started yet: only leave can be recorded before it starts.")


def sign_in(
    *, session: StudySession, token: str, by: User, now: datetime.datetime | None = None
) -> tuple[Attendance, bool]:
    """Record the member present (or late) once; return the row and whether this call recorded it.

    The unique constraint on (session, person) keeps one row however many
    scans arrive at once; a second scan changes nothing.
    """
    now = now or timezone.now()
    kind = signin.read_token(token, session)
    signin.check_window(session, now)
    person = access.person_of(by)
    if person is None or not selectors.is_on_roster(session=session, person=person):
        raise signin.SignInRefused(_("You are not on the list of this session. Ask the office if you should be."))
    method = Attendance.Method.QR if kind == signin.QR else Attendance.Method.LINK
    return _record_arrival(session=session, person=person, now=now, method=method, by=by)


def _record_arrival(*, session, person, now, method, by) -> tuple[Attendance, bool]:
    status = signin.status_at(session, now)
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.get_or_create(
                session=session,
                person=person,
                defaults={"status": status, "method": method, "signed_at": now, "recorded_by": by},
            )
    except IntegrityError:
        return Attendance.objects.get(session=session, person=person), False
    if created:
        audit.record(AuditEntry.Action.CREATE, attendance, by=by)
        rollup_marks.mark(session.group_id, session.starts_at)
    if created or attendance.status in ATTENDED:
        return attendance, created
    # Marked on leave or absent earlier, yet here after all: the arrival wins.
    before = attendance.status
    updated = (
        Attendance.objects.filter(pk=attendance.pk)
        .exclude(status__in=ATTENDED)
        .update(status=status, method=method, signed_at=now, recorded_by=by, updated_at=now)
    )
    attendance.refresh_from_db()
    if updated:
        _audit_status_changed([(attendance, before)], session.group.organization.path, by)
        rollup_marks.mark(session.group_id, session.starts_at)
    return attendance, bool(updated)


@transaction.atomic
def sign_in_by_staff(*, session: StudySession, person: Person, by: User) -> tuple[Attendance, bool]:
    access.require(by, "change", session)
    if not selectors.is_on_roster(session=session, person=person):
        raise ValidationError({"person": _("This person is not on the list of this session.")})
    now = timezone.now()
    # Signing in by hand keeps the members' window: nobody is present a week before the session.
    closed = signin.closed_for_staff(session, now)
    if closed:
        raise ValidationError(closed)
    return _record_arrival(session=session, person=person, now=now, method=Attendance.Method.BY_STAFF, by=by)


@transaction.atomic
def signin_link_send(*, session: StudySession, url: str, by: User) -> int:
    """Send the sign-in link (valid until the session ends) to each roster member not signed in; return how many."""
    access.require(by, "change", session)
    if session.ends_at <= timezone.now():
        raise ValidationError(_("The session has ended; record attendance on the attendance sheet."))
    # The session row is locked so that a double click sends once: whoever got a link a moment ago is skipped.
    session = StudySession.objects.select_for_update(of=("self",)).select_related("group").get(pk=session.pk)
    signed = set(session.attendances.filter(status__in=ATTENDED).values_list("person_id", flat=True))
    people = [p for p in selectors.roster(session=session) if p.pk not in signed and p.user_id]
    just_sent = Notification.objects.filter(
        verb="signin_link",
        url__startswith=reverse("sessions:signin", args=[session.pk, "-"]).removesuffix("-/"),
        created_at__gte=timezone.now() - datetime.timedelta(minutes=SIGNIN_LINK_RESEND_MINUTES),
    ).values("recipient_id")
    users = User.objects.filter(person__in=people).exclude(pk__in=just_sent)
    sent = notifications.send(
        to=users,
        verb="signin_link",
        title=_("Sign in to %(session)s") % {"session": session.title},
        body=_("Open the link to sign in; it is valid until the session ends."),
        url=url,
    )
    return len(sent)


@transaction.atomic
def attendance_mark(*, session: StudySession, marks: dict[int, str], by: User) -> int:
    """Set the status of each person id in ``marks`` (the grid); return how many rows changed.

    Before the session starts only leave (请假, asked in advance) can be recorded: nobody is present, late,
    absent or made up at a session that has not taken place.
    """
    access.require(by, "change", session)
    started = session.has_started
    valid = set(Attendance.Status.values)
    on_roster = {p.pk for p in selectors.roster(session=session)} | set(
        session.attendances.values_list("person_id", flat=True)
    )
    existing = {a.person_id: a for a in session.attendances.select_for_update()}
    changed, new_rows = 0, []
    for person_id, status in marks.items():
        if status not in valid or person_id not in on_roster:
            raise ValidationError(_("The attendance sheet holds an unknown person or status; reload the page."))
        row = existing.get(person_id)
        if not started and status != Attendance.Status.LEAVE and (row is None or row.status != status):
            raise ValidationError(_not_started())
        if row is None:
            new_rows.append(
                Attendance(
                    session=session, person_id=person_id, status=status, method=Attendance.Method.GRID, recorded_by=by
                )
            )
        elif row.status != status:
            before = audit.stored(row)
            row.status, row.recorded_by = status, by
            row.save(update_fields=["status", "recorded_by", "updated_at"])
            audit.record(AuditEntry.Action.UPDATE, row, by=by, before=before)
            changed += 1
    _audit_created(Attendance.objects.bulk_create(new_rows), session, by)
    if changed or new_rows:
        rollup_marks.mark(session.group_id, session.starts_at)
    return changed + len(new_rows)


# Leave and make-up ---------------------------------------------------------------------------


@transaction.atomic
def leave_ask(*, session: StudySession, reason: str, by: User) -> LeaveRequest:
    person = _person(by)
    access.require(by, "sessions.roster", session)
    if session.has_started:
        raise ValidationError(_("Leave is asked before the session starts. Tell the office directly."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for your leave.")})
    # Locked (or created under the unique index), so that a repeated request waits and then finds it.
    request, created = LeaveRequest.objects.select_for_update(of=("self",)).get_or_create(
        session=session, person=person, defaults={"reason": reason.strip()}
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, request, by=by)
    else:
        if request.status != LeaveRequest.Status.PENDING:
            raise ValidationError(_("Your request has already been decided."), code=ALREADY_DONE)
        if request.reason == reason.strip():
            return request  # asked again as it stands: the deciders were told already
        before = audit.stored(request)
        request.reason = reason.strip()
        request.save(update_fields=["reason", "updated_at"])
        audit.record(AuditEntry.Action.UPDATE, request, by=by, before=before)
    deciders = list(core_selectors.users_holding(organization=session.group.organization, roles=[access.STAFF]))
    deciders += list(core_selectors.group_leaders(group=session.group))
    notifications.send(
        to=deciders,
        verb="leave_asked",
        title=_("%(name)s asks leave from %(session)s") % {"name": person.name, "session": session.title},
        body=reason.strip(),
        url=session.get_absolute_url() + "#leave",
    )
    return request


@transaction.atomic
def leave_decide(*, request: LeaveRequest, approve: bool, comment: str = "", by: User) -> LeaveRequest:
    access.require(by, "sessions.leave_decide", request.session)
    # The row is locked so that a double click decides (and notifies) once.
    request = (
        LeaveRequest.objects.select_for_update(of=("self",))
        .select_related("session__group", "person__user")
        .get(pk=request.pk)
    )
    if request.status != LeaveRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."), code=ALREADY_DONE)
    before = audit.stored(request)
    request.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
    request.decided_by, request.decided_at, request.comment = by, timezone.now(), comment.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, request, by=by, before=before)
    if approve:
        attendance, created = Attendance.objects.get_or_create(
            session=request.session,
            person=request.person,
            defaults={"status": Attendance.Status.LEAVE, "method": Attendance.Method.LEAVE, "recorded_by": by},
        )
        if created:
            audit.record(AuditEntry.Action.CREATE, attendance, by=by)
    if request.person.user_id:
        title = _("Your leave is approved") if approve else _("Your leave is refused")
        notifications.send(
            to=[request.person.user],
            verb="leave_decided",
            title=f"{title}:{request.session.title}",
            body=comment.strip(),
            url=request.session.get_absolute_url(),
        )
    return request


@transaction.atomic
def makeup_record(
    *, attendance: Attendance, on: datetime.date, method: str, given_by: str, note: str = "", by: User
) -> MakeUp:
    """Record how a missed session was made up (e.g. 送学上门); the attendance becomes made up.

    The attendance row is locked and holds at most one make-up record, so a
    repeated post records nothing twice.
    """
    access.require(by, "change", attendance.session)
    attendance = (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("session__group__organization", "person")
        .get(pk=attendance.pk)
    )
    if attendance.status not in MISSED or MakeUp.objects.filter(attendance=attendance).exists():
        raise ValidationError(_("This absence has already been made up."))
    if not attendance.session.has_started:
        raise ValidationError(_not_started())
    errors = {}
    if on < timezone.localdate(attendance.session.starts_at):
        errors["on"] = _("A make-up cannot come before the session it makes up.")
    elif on > timezone.localdate():
        errors["on"] = _("A make-up is recorded once it has taken place; the date cannot be in the future.")
    if method not in MakeUp.Method.values:
        errors["method"] = _("Choose how the session was made up.")
    if not given_by.strip():
        errors["given_by"] = _("Say who gave the make-up.")
    if errors:
        raise ValidationError(errors)
    makeup = MakeUp.objects.create(
        attendance=attendance,
        on=on,
        method=method,
        given_by=given_by.strip(),
        note=note.strip(),
        status_before=attendance.status,
        recorded_by=by,
    )
    audit.record(AuditEntry.Action.CREATE, makeup, by=by)
    before = audit.stored(attendance)
    attendance.status, attendance.recorded_by = Attendance.Status.MADE_UP, by
    attendance.save(update_fields=["status", "recorded_by", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, attendance, by=by, before=before)
    if attendance.person.user_id:
        notifications.send(
            to=[attendance.person.user],
            verb="makeup_recorded",
            title=_("Your make-up of %(session)s has been recorded") % {"session": attendance.session.title},
            body=makeup.get_method_display(),
            url=attendance.session.get_absolute_url(),
        )
    rollup_marks.mark(attendance.session.group_id, attendance.session.starts_at)
    return makeup


# Minutes and circular ------------------------------------------------------------------------


@transaction.atomic
def minutes_save(
    *, session: StudySession, minutes: str, speeches: list[tuple[Person | None, str, str]], by: User
) -> StudySession:
    """Store the minutes and the list of speeches (person or typed name, summary)."""
    access.require(by, "change", session)
    before = audit.stored(session)
    session.minutes = minutes.strip()
    session.save(update_fields=["minutes", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, session, by=by, before=before)
    audit.delete(session.speeches.all(), by=by)
    created = Speech.objects.bulk_create(
        Speech(session=session, person=person, speaker_name="" if person else name.strip(), summary=summary.strip())
        for person, name, summary in speeches
        if summary.strip() and (person or name.strip())
    )
    _audit_created(created, session, by)
    rollup_marks.mark(session.group_id, session.starts_at)  # 八有 minutes, 七有 discussion
    return session


@transaction.atomic
def attachment_add(*, session: StudySession, upload, by: User) -> MinutesAttachment:
    access.require(by, "change", session)
    attachment = MinutesAttachment(session=session)
    attachment.original_name = _store(attachment.file, upload, "minutes-")
    attachment.save()
    audit.record(AuditEntry.Action.CREATE, attachment, by=by)
    return attachment


@transaction.atomic
def circular_send(*, session: StudySession, text: str, by: User) -> int:
    """Send a summary of the session to the staff of the organizations below (向下通报); return how many."""
    access.require(by, "change", session)
    if not text.strip():
        raise ValidationError({"text": _("Write the summary to send.")})
    session = (
        StudySession.objects.select_for_update(of=("self",)).select_related("group__organization").get(pk=session.pk)
    )
    organization = session.group.organization
    below = Organization.objects.filter(path__startswith=organization.path).exclude(pk=organization.pk)
    users = User.objects.filter(
        is_active=True, person__grants__organization__in=below, person__grants__role=access.STAFF
    ).distinct()
    before = audit.stored(session)
    session.circular_text, session.circular_sent_at = text.strip(), timezone.now()
    session.save(update_fields=["circular_text", "circular_sent_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, session, by=by, before=before)
    rollup_marks.mark(session.group_id, session.starts_at)  # 七有 circular_down
    sent = notifications.send(
        to=users,
        verb="session_circular",
        title=_("Circular from %(organization)s: %(title)s")
        % {"organization": organization.name, "title": session.title},
        body=text.strip(),
        url="",
    )
    return len(sent)


# Lectures ------------------------------------------------------------------------------------


@transaction.atomic
def lecture_create(
    *, group: StudyGroup, person: Person, on: datetime.date, title: str, place: str, audience: int, by: User
) -> Lecture:
    access.require(by, "sessions.lecture_add", Lecture(group=group, person=person))
    if not person.organization.is_within(group.organization):
        raise ValidationError({"person": _("The speaker must belong to this organization or one below it.")})
    lecture = Lecture.objects.create(group=group, person=person, on=on, title=title, place=place, audience=audience)
    audit.record(AuditEntry.Action.CREATE, lecture, by=by)
    rollup_marks.mark(group.pk, on)  # lectures of the year figures
    return lecture


# Submissions and their review live in services/review.py; it uses the helpers above, so it is imported last.
from sessions.services.review import (  # noqa: E402, F401 - the app's writes are all reached as sessions.services
    RETURN_RULE,
    TRANSITIONS,
    duty_conflict,
    next_action,
    second_reviewer_set,
    submission_recommend,
    submission_review,
    submission_save,
    submission_submit,
)
