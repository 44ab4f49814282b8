"""Import step of sessions and of what each lists: topics, speakers, attendance, guests, submissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.bundle import schema
from reports.bundle.importer.document import _label, _session_label
from reports.bundle.schema import items_of, parse_date, parse_datetime
from sessions.models import Attendance, SessionGuest, StudySession, Submission

if TYPE_CHECKING:
    from reports.bundle.importer.writer import _Writer


class SessionSteps:
    """Sessions, then what each lists, in bulk."""

    def session_list(self) -> None:
        items = self.list("sessions")
        self.sessions = {
            s.code: s
            for s in StudySession.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "group__organization"
            )
        }
        new, places = [], []
        for index, item in enumerate(items):
            values = {
                "group": self._group(item["group"]),
                "kind": item["kind"],
                "title": item["title"],
                "starts_at": parse_datetime(item["starts_at"]),
                "ends_at": schema.session_end(item),
                "is_expanded": bool(item.get("expanded")),
                "location": item.get("location") or "",
                "is_online": bool(item.get("online")),
                "minutes": item.get("minutes") or "",
            }
            current = self.sessions.get(item["code"])
            if current is None:
                new.append(StudySession(code=item["code"], **values))
                places.append(f"sessions[{index}]")
            else:
                self._set(
                    f"sessions[{index}]", current, values, lambda s: s.group.organization, _session_label(current)
                )
        for session, place in zip(StudySession.objects.bulk_create(new, batch_size=1000), places, strict=True):
            self.sessions[session.code] = session
            self._owned(place, _session_label(session), session.group.organization)
            self._noted_new(session, session.group.organization)
        _SessionParts(self, items).write()

    def _session(self, code: str) -> StudySession:
        if code not in self.sessions:
            self.sessions[code] = StudySession.objects.select_related("group__organization").get(code=code)
        return self.sessions[code]


class _SessionParts:
    """Write what each session lists (topics, speakers, attendance, guests, submissions) in bulk."""

    def __init__(self, writer: _Writer, items: list[dict]) -> None:
        self.writer, self.items = writer, items
        ids = [writer.sessions[i["code"]].pk for i in items]
        self.attendance = {
            (a.session_id, a.person_id): a
            for a in Attendance.objects.filter(session_id__in=ids).only("id", "session_id", "person_id", "status")
        }
        self.submissions = {
            (s.session_id, s.person_id, s.kind, s.title): s for s in Submission.objects.filter(session_id__in=ids)
        }
        self.guests = set(
            SessionGuest.objects.filter(session_id__in=ids).values_list("session_id", "name", "organization_name")
        )
        self.topic_links = set(
            StudySession.topics.through.objects.filter(studysession_id__in=ids).values_list(
                "studysession_id", "plantopic_id"
            )
        )
        self.speaker_links = set(
            StudySession.speakers.through.objects.filter(studysession_id__in=ids).values_list(
                "studysession_id", "person_id"
            )
        )
        self.new: dict[type[Model], list[tuple[str, Model]]] = {Attendance: [], Submission: [], SessionGuest: []}
        self.changed_attendance: list[Attendance] = []
        self.links: dict[str, list] = {"topics": [], "speakers": []}

    def write(self) -> None:
        w = self.writer
        for index, item in enumerate(self.items):
            place, session = f"sessions[{index}]", w.sessions[item["code"]]
            self._links(place, session, item)
            self._attendance(place, session, items_of(item.get("attendance")))
            self._guests(place, session, items_of(item.get("guests")))
            self._submissions(place, session, items_of(item.get("submissions")))
        for model, rows in self.new.items():
            created = model.objects.bulk_create([row for _place, row in rows], batch_size=2000)
            for (place, _row), instance in zip(rows, created, strict=True):
                session = instance.session
                w._owned(place, _session_label(session), session.group.organization)
                w._noted_new(instance, session.group.organization)
        Attendance.objects.bulk_update(self.changed_attendance, ["status", "updated_at"], batch_size=2000)
        StudySession.topics.through.objects.bulk_create(self.links["topics"], batch_size=2000)
        StudySession.speakers.through.objects.bulk_create(self.links["speakers"], batch_size=2000)

    def _links(self, place: str, session: StudySession, item: dict) -> None:
        w, owner = self.writer, session.group.organization
        added_topics = []
        for number, code in enumerate(item.get("topics") or []):
            topic = w._topic(code)
            if (session.pk, topic.pk) not in self.topic_links:
                self.links["topics"].append(
                    StudySession.topics.through(studysession_id=session.pk, plantopic_id=topic.pk)
                )
                added_topics.append(code)
                w._owned(
                    f"{place}.topics[{number}]",
                    _label(topic, f"{topic.code} {topic.title}"),
                    topic.plan.group.organization,
                )
        added_speakers = []
        for code in item.get("speakers") or []:
            person = w._person(code)
            if (session.pk, person.pk) not in self.speaker_links:
                self.links["speakers"].append(
                    StudySession.speakers.through(studysession_id=session.pk, person_id=person.pk)
                )
                added_speakers.append(code)
        changes = {}
        if added_topics:
            changes["topics"] = [None, added_topics]
        if added_speakers:
            changes["speakers"] = [None, added_speakers]
        if changes:
            w._owned(place, _session_label(session), owner)
            w._note(session, owner, changes)

    def _attendance(self, place: str, session: StudySession, rows: list[dict]) -> None:
        w = self.writer
        for number, row in enumerate(rows):
            person = w._person(row["person"])
            current = self.attendance.get((session.pk, person.pk))
            if current is None:
                self.new[Attendance].append(
                    (
                        f"{place}.attendance[{number}]",
                        Attendance(
                            session=session, person=person, status=row["status"], method=Attendance.Method.IMPORT
                        ),
                    )
                )
            elif current.status != row["status"]:
                current.session, current.person = session, person  # named in the audit entry, no query
                w._owned(f"{place}.attendance[{number}]", _session_label(session), session.group.organization)
                w._note(current, session.group.organization, {"status": [current.status, row["status"]]})
                current.status, current.updated_at = row["status"], timezone.now()
                self.changed_attendance.append(current)

    def _guests(self, place: str, session: StudySession, guests: list[dict]) -> None:
        for number, guest in enumerate(guests):
            key = (session.pk, guest["name"], guest.get("org") or "")
            if key not in self.guests:
                self.guests.add(key)
                self.new[SessionGuest].append(
                    (
                        f"{place}.guests[{number}]",
                        SessionGuest(session=session, name=guest["name"], organization_name=guest.get("org") or ""),
                    )
                )

    def _submissions(self, place: str, session: StudySession, rows: list[dict]) -> None:
        w = self.writer
        for number, row in enumerate(rows):
            where, person = f"{place}.submissions[{number}]", w._person(row["person"])
            values = {
                "text": row.get("text") or "",
                "status": row["status"],
                "submitted_on": parse_date(row.get("submitted_on")),
            }
            current = self.submissions.get((session.pk, person.pk, row["kind"], row["title"]))
            if current is None:
                submission = Submission(
                    session=session, group=session.group, person=person, kind=row["kind"], title=row["title"], **values
                )
                self.new[Submission].append((where, submission))
                status_written = True
            else:
                changed = w._set(
                    where, current, values, lambda s: session.group.organization, _label(current, current.title)
                )
                status_written = "status" in changed
                if not changed:
                    continue
            if w.root is not None:
                w._person_inside(f"{where}.person", person)
                if status_written:
                    self._review_decision(f"{where}.status", row)

    def _review_decision(self, place: str, row: dict) -> None:
        """The second review and the leader's approval of discussion materials are someone else's decisions."""
        decided = (Submission.Status.SECOND_REVIEW, Submission.Status.APPROVED)
        if row["kind"] == Submission.Kind.DISCUSSION and row["status"] in decided:
            self.writer._refuse(
                place,
                _(
                    "the second review and the approval of discussion materials are made by the second reviewer "
                    "and the group leader; this page does not import them."
                ),
            )
