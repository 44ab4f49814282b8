"""Demo records of the sessions app: a year of sessions with attendance, minutes, make-ups and submissions.

Dates are relative to ``timezone.localdate()``, so the demo reads as the year so far on any day it is
seeded: a session every month or so up to last week, the next ones scheduled over the coming month,
nothing recorded for a session that has not started. Deterministic and idempotent: a group's year is
written once, in bulk, and a second run finds its sessions and adds nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from demo.plans import NEXT_YEAR, PLACES, SUPPLEMENT, Topic, topic_of
from demo.seed import BEHIND_GROUPS, MODEL_GROUPS, OVERDUE_MAKEUPS, RECENT_GROUP
from demo.session_words import (
    AGENDA,
    AREAS,
    FIRST_TOPICS,
    KIND_NAMES,
    LEAVE_REASONS,
    LECTURES,
    POINTS,
    REFLECTION_PATTERNS,
    SPEECHES,
)
from plans.models import PlanTopic, SessionKind, StudyPlan
from sessions.models import Attendance, LeaveRequest, Lecture, ReviewStep, Speech, StudySession, Submission
from studygroup.models import Membership, Person, StudyGroup, User

K = SessionKind
MAKEUP_DAYS = 14


@dataclass
class Plan:
    """What a group's year looks like before it is written in bulk."""

    group: StudyGroup
    rng: random.Random
    seats: list[Membership]
    leader_id: int | None
    sessions: list[StudySession] = field(default_factory=list)
    entries: dict[int, Topic] = field(default_factory=dict)  # session index -> what it studied
    topics: dict[int, list[int]] = field(default_factory=dict)  # session index -> plan topic ids
    speakers: dict[int, list[int]] = field(default_factory=dict)
    rows: dict[int, list[Attendance]] = field(default_factory=dict)
    kept_open: set[int] = field(default_factory=set)  # ids of attendance rows never made up
    turn: int = 0  # the group's place in the schedule of the coming month
    times: dict[datetime.date, tuple[int, int]] = field(default_factory=dict)  # start of each sitting to come


def quoted(title: str) -> str:
    """The title in Chinese quotation marks, its own quotation marks turned into single ones."""
    return "“" + title.replace("“", "‘").replace("”", "’") + "”"


def _weekday(day: datetime.date, step: int) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=step)
    return day


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# Start times of the coming sessions, mornings and afternoons, handed out in turn.
TIMES = [(9, 0), (14, 30), (8, 30), (15, 0), (9, 30), (14, 0)]


def _weekdays_after(today: datetime.date, days: int) -> list[datetime.date]:
    every = (today + datetime.timedelta(days=n) for n in range(1, days + 1))
    return [
        day for day in every if day.weekday() < 5 and (day.month, day.day) != (1, 1)
    ]  # no sitting on New Year's Day


def _dates(group: StudyGroup, today: datetime.date, rng: random.Random, turn: int) -> tuple[list, dict]:
    """Past dates (about monthly, the last one last week or so) and the start of each sitting to come.

    The groups' coming sessions fall on different weekdays of the coming month (``turn`` is the group's
    place among the groups still to meet this month), mornings and afternoons, so an observer can attend
    several of them and a random draw finds a free observer for most.
    """
    behind = group.code in BEHIND_GROUPS
    last = rng.randint(5, 11)
    past, day = [], today - datetime.timedelta(days=3 if group.code == RECENT_GROUP else last)
    while day.year == today.year and day.month >= 1 and day >= datetime.date(today.year, 1, 8):
        past.append(_weekday(day, -1))
        day -= datetime.timedelta(days=rng.randint(44, 56) if behind else rng.randint(27, 33))
    hour, minute = TIMES[turn % len(TIMES)]
    if group.code in MODEL_GROUPS:
        # A model group has held this month's study already: its next sessions are next month's.
        first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        future = {_weekday(first + datetime.timedelta(days=rng.randint(4, 8)), 1): (hour, minute)}
    else:
        rng.randint(6, 12), rng.randint(24, 32)  # drawn as before, so the year before today stays as it was
        weekdays = _weekdays_after(today, 45)
        near = weekdays[turn]
        if group.organization.code == "lj-qh-cg":  # observer.city's visit and the county's invitation: next week
            near = _weekday(today + datetime.timedelta(days=7), 1)
            other = TIMES[weekdays.index(near) % len(TIMES)] if near in weekdays else (14, 30)
            hour, minute = (14, 30) if other[0] < 12 else (9, 0)  # the other half of the day from that day's group
        future = {near: (hour, minute), weekdays[turn + 12]: TIMES[(turn + 3) % len(TIMES)]}
    return sorted(past), future


def _slots(group: StudyGroup, today: datetime.date, rng: random.Random, plan: Plan) -> list[tuple[datetime.date, str]]:
    past, future = _dates(group, today, rng, plan.turn)
    plan.times = future
    slots = [(day, "main") for day in past + sorted(future)]
    for day in past:
        second = _weekday(day - datetime.timedelta(days=rng.randint(8, 12)), -1)
        if second.year == today.year and second.month == day.month and rng.random() < 0.5:
            slots.append((second, "second"))
    firsts = [d for d in past if d.month not in (1, 2)]
    for day in rng.sample(firsts, min(2, len(firsts))):
        first = _weekday(day + datetime.timedelta(days=rng.randint(3, 6)), 1)
        if first < today:
            slots.append((first, "first_topic"))
    by_day: dict[datetime.date, str] = {}
    for day, slot in slots:  # one sitting a day: a main session wins over a second one or a first topic
        by_day.setdefault(day, slot)
    return sorted(by_day.items())


def _topic_queue(plan: StudyPlan | None) -> dict[int, list[PlanTopic]]:
    queue: dict[int, list[PlanTopic]] = {}
    if plan is not None:
        for topic in plan.topics.order_by("month", "code"):
            queue.setdefault(topic.month, []).append(topic)
    return queue


def _entry(slot: str, day: datetime.date, queue: dict[int, list[PlanTopic]], year: int, firsts: list[str]):
    """The plan topic a sitting covers and what it studies; ``None`` for a slot with nothing left to study."""
    if slot == "first_topic":
        title = firsts.pop(0) if firsts else FIRST_TOPICS[0]
        return None, Topic(title, "习近平总书记重要指示精神", "有关重要讲话和重要指示原文", "", "", "", K.FIRST_TOPIC)
    if day.year != year:
        return None, NEXT_YEAR
    left = queue.get(day.month, [])
    if slot == "second" and len(left) < 2:
        return None, None  # the month's only topic is for its main session
    if left:
        topic = left.pop(0)
        return topic, topic_of(topic)
    return None, SUPPLEMENT


def _session(plan: Plan, index: int, day: datetime.date, topic: PlanTopic | None, entry: Topic) -> None:
    rng, group = plan.rng, plan.group
    title, kind = entry.title, entry.kind
    if kind == K.FIRST_TOPIC:
        starts, ends = _at(day, 8, 30), _at(day, 9, 10)
        place = "常委会议室" if group.organization.kind in ("city", "county") else "党委会议室"
    else:
        drawn = rng.choice((9, 9, 15))
        starts = _at(day, *plan.times[day]) if day in plan.times else _at(day, drawn)
        long = kind == K.READING_CLASS
        ends = _at(day + datetime.timedelta(days=1), 17) if long else starts + datetime.timedelta(hours=2, minutes=30)
        place = "村级示范点" if kind == K.FIELD_TEACHING else rng.choice(PLACES)
    members = [s.person_id for s in plan.seats if s.role != Membership.Role.SECRETARY]
    lead = topic.lead_id if topic and topic.lead_id else plan.leader_id
    session = StudySession(
        group=group,
        code=f"{group.code}-{day:%Y%m%d}",
        kind=kind,
        title=title,
        starts_at=starts,
        ends_at=ends,
        location=place,
        is_online=kind == K.COLLECTIVE and rng.random() < 0.08,
        is_expanded=kind in (K.EXPERT_LECTURE, K.FIELD_TEACHING),
        lead_id=lead,
        agenda="" if kind == K.FIRST_TOPIC else AGENDA,
        plan_text=(
            f"一、学习主题:{title}。二、学习形式:{KIND_NAMES[kind]}。三、学习内容:{entry.reading}。"
            f"四、重点发言:{entry.focus or '结合分管工作谈贯彻意见'},每人发言5分钟左右。"
            "五、有关要求:会前认真自学,带着问题参加研讨。"
        ),
    )
    plan.sessions.append(session)
    plan.entries[index] = entry
    plan.topics[index] = [topic.pk] if topic else []
    plan.speakers[index] = rng.sample([m for m in members if m != lead], min(3, max(len(members) - 1, 0)))


def _attendance(plan: Plan, index: int, session: StudySession, behind: bool) -> None:
    rng = plan.rng
    weights = (80, 4, 11, 5) if behind else (91, 3, 4.5, 1.5)
    rows = []
    for seat in plan.seats:
        if seat.start_on > timezone.localdate(session.starts_at):
            continue
        status = rng.choices(("present", "late", "leave", "absent"), weights=weights)[0]
        if seat.person_id == plan.leader_id:
            status = "present"
        signed = None
        if status == "present":
            signed = session.starts_at - datetime.timedelta(minutes=rng.randint(3, 20))
        elif status == "late":
            signed = session.starts_at + datetime.timedelta(minutes=rng.randint(11, 25))
        method = {"present": "qr", "late": "qr", "leave": "leave", "absent": "grid"}[status]
        rows.append(Attendance(person_id=seat.person_id, status=status, method=method, signed_at=signed))
    plan.rows[index] = rows


def _minutes(plan: Plan, session: StudySession, names: dict[int, str], index: int) -> str:
    entry = plan.entries[index]
    rows = plan.rows[index]
    present = sum(1 for r in rows if r.status in ("present", "late"))
    away = [names[r.person_id] for r in rows if r.status in ("leave", "absent")]
    day = timezone.localtime(session.starts_at)
    speakers = "、".join(names[p] for p in plan.speakers[index])
    leader = names.get(plan.leader_id, "主要负责同志")
    if session.kind == K.FIRST_TOPIC:
        return (
            f"{day:%m月%d日}召开的党委会将“{session.title.removeprefix('第一议题:')}”作为第一议题。"
            f"{names.get(session.lead_id, leader)}领学了有关原文。{speakers}结合分管工作谈了贯彻意见。"
            f"{leader}强调,要把学习成果体现到具体工作中,会议研究了贯彻落实措施。应到{len(rows)}人,实到{present}人。"
        )
    absent = f",{'、'.join(away)}请假或缺席,会后补学" if away else ""
    return (
        f"{day:%m月%d日}{'上午' if day.hour < 12 else '下午'},中心组以{KIND_NAMES[session.kind]}形式,"
        f"围绕{quoted(session.title)}开展专题学习。{names.get(session.lead_id, leader)}领学了{entry.reading}。"
        f"{speakers}等同志作交流发言,{entry.focus}。{plan.rng.choice(POINTS)}。"
        f"{leader}作总结讲话,强调要{entry.demand}。应到{len(rows)}人,实到{present}人{absent}。"
    )


def _schedule(group: StudyGroup, plan_record: StudyPlan | None, today: datetime.date, turn: int) -> Plan:
    rng = random.Random(f"sessions-{group.code}")
    seats = list(Membership.objects.filter(group=group, end_on__isnull=True).order_by("id"))
    leader = next((s.person_id for s in seats if s.role == Membership.Role.LEADER), None)
    plan = Plan(group=group, rng=rng, seats=seats, leader_id=leader, turn=turn)
    queue = _topic_queue(plan_record)
    firsts = rng.sample(FIRST_TOPICS, len(FIRST_TOPICS))
    for day, slot in _slots(group, today, rng, plan):
        topic, entry = _entry(slot, day, queue, today.year, firsts)
        if entry is not None:
            _session(plan, len(plan.sessions), day, topic, entry)
    return plan


def _record_year(plan: Plan, names: dict[int, str], today: datetime.date, on_leave: int | None) -> list:
    """Attendance and minutes of the held sessions, then the make-ups done since; all in memory."""
    now, group, rng = timezone.now(), plan.group, plan.rng
    behind, model = group.code in BEHIND_GROUPS, group.code in MODEL_GROUPS
    held = [i for i, s in enumerate(plan.sessions) if s.starts_at <= now]
    unrecorded = set(rng.sample(held[:-1], 2)) if behind and len(held) > 3 else set()
    studied = [i for i in held if plan.sessions[i].kind != K.FIRST_TOPIC] or held
    for index in held:
        session = plan.sessions[index]
        if index in unrecorded:
            continue
        _attendance(plan, index, session, behind)
        if on_leave is not None and index == studied[-1]:
            _put_on_leave(plan, index, on_leave)
        if model or rng.random() < (0.5 if behind else 0.93):
            session.minutes = _minutes(plan, session, names, index)
            if rng.random() < 0.7:
                session.circular_text = (
                    f"现将中心组{quoted(session.title)}专题学习情况通报如下,请结合实际抓好贯彻落实。"
                )
                session.circular_sent_at = min(session.ends_at + datetime.timedelta(days=2), now)
    return _makeups(plan, today)


def _put_on_leave(plan: Plan, index: int, person: int) -> None:
    """member.chengguan missed last week's session on leave: a make-up due on their home page."""
    for row in plan.rows[index]:
        if row.person_id == person:
            row.status, row.method, row.signed_at = Attendance.Status.LEAVE, Attendance.Method.LEAVE, None
            plan.kept_open.add(id(row))


def _save_year(plan: Plan, rng: random.Random) -> None:
    StudySession.objects.bulk_create(plan.sessions)
    topics_through, speakers_through = StudySession.topics.through, StudySession.speakers.through
    topics_through.objects.bulk_create(
        topics_through(studysession_id=plan.sessions[i].pk, plantopic_id=t) for i, ts in plan.topics.items() for t in ts
    )
    spoken = [(i, p) for i, people in plan.speakers.items() if plan.sessions[i].minutes for p in people]
    speakers_through.objects.bulk_create(
        speakers_through(studysession_id=plan.sessions[i].pk, person_id=p) for i, p in spoken
    )
    Speech.objects.bulk_create(
        Speech(session=plan.sessions[i], person_id=p, summary=_speech(plan.sessions[i], rng))
        for i, p in spoken
        if plan.sessions[i].kind != K.FIRST_TOPIC
    )
    for index, rows in plan.rows.items():
        for row in rows:
            row.session = plan.sessions[index]
    Attendance.objects.bulk_create([r for rows in plan.rows.values() for r in rows], batch_size=1000)


def _speech(session: StudySession, rng: random.Random) -> str:
    area = rng.choice(AREAS)
    return rng.choice(SPEECHES).format(area=area, title=quoted(session.title))


def _makeups(plan: Plan, today: datetime.date) -> list[tuple[Attendance, datetime.date]]:
    """Turn most missed sessions into made-up ones; leave a handful overdue and the recent ones open."""
    rng = plan.rng
    missed = [
        (row, timezone.localdate(plan.sessions[i].ends_at))
        for i, rows in plan.rows.items()
        for row in rows
        if row.status in ("leave", "absent")
    ]
    old = [(row, day) for row, day in missed if day + datetime.timedelta(days=MAKEUP_DAYS) < today]
    overdue = rng.sample(old, min(OVERDUE_MAKEUPS.get(plan.group.code, 0), len(old)))
    plan.kept_open |= {id(row) for row, _d in overdue}
    made = []
    for row, day in missed:
        recent = day + datetime.timedelta(days=MAKEUP_DAYS) >= today
        if id(row) in plan.kept_open or (recent and rng.random() < 0.6):
            continue
        row.status = Attendance.Status.MADE_UP
        made.append((row, min(day + datetime.timedelta(days=rng.randint(2, 10)), today)))
    return made


def _reflection_title(entry: Topic, area: str, used: set[str], rng: random.Random) -> str:
    patterns = rng.sample(REFLECTION_PATTERNS, len(REFLECTION_PATTERNS))
    for pattern in patterns:
        title = pattern.format(t=entry.short)
        if title not in used:
            used.add(title)
            return title
    title = f"{patterns[0].format(t=entry.short)}——结合{area}工作的思考"
    suffix = 2
    while title in used:
        title, suffix = f"{patterns[0].format(t=entry.short)}——结合{area}工作的思考({suffix})", suffix + 1
    used.add(title)
    return title


def _writing_rates(group: StudyGroup, rng: random.Random) -> tuple[float, float]:
    if group.code in MODEL_GROUPS:
        return 1.0, 1.0
    if group.code in BEHIND_GROUPS:
        return 0.3, 0.15
    return rng.uniform(0.75, 1.0), rng.uniform(0.6, 1.0)


def _submissions(plan: Plan, made: list[tuple[Attendance, datetime.date]], today: datetime.date, used: set[str]):
    """The year's writing of a group: members' notes and reflections, discussion materials, make-up notes."""
    held = [s for s in plan.sessions if s.starts_at <= timezone.now() and s.kind != K.FIRST_TOPIC]
    if not held:
        return []
    members = [s.person_id for s in plan.seats if s.role != Membership.Role.SECRETARY]
    records = [
        *_notes_and_reflections(plan, held, members, today, used),
        *_discussion_materials(plan, held, members, today),
        *_makeup_notes(plan, made, today),
    ]
    reflections = [r for r in records if r.kind == "reflection"]
    for record in plan.rng.sample(reflections, min(2, len(reflections))):
        record.is_recommended = True
    # The last fortnight's writing is still waiting for review.
    for record in records:
        if record.submitted_on > today - datetime.timedelta(days=5) and not record.is_makeup:
            record.status = Submission.Status.SUBMITTED
    return records


def _written(plan: Plan, person: int, session: StudySession, kind: str, title: str, text: str, today, on=None):
    """An approved submission handed in ``on`` or a few days after its session (never after ``today``)."""
    on = on or min(timezone.localdate(session.ends_at) + datetime.timedelta(days=plan.rng.randint(1, 9)), today)
    return Submission(
        group=plan.group,
        person_id=person,
        session=session,
        kind=kind,
        title=title,
        text=text,
        status="approved",
        submitted_on=on,
    )


def _notes_and_reflections(plan: Plan, held: list, members: list[int], today: datetime.date, used: set[str]):
    """Each member's notes on sessions he sat in and, as often as his group writes, a reflection."""
    rng = plan.rng
    entries = {id(s): plan.entries[i] for i, s in enumerate(plan.sessions)}
    attended: dict[int, list[StudySession]] = {}  # members write about sessions they sat in
    for index, rows in plan.rows.items():
        for row in rows:
            if row.status in ("present", "late") and plan.sessions[index] in held:
                attended.setdefault(row.person_id, []).append(plan.sessions[index])
    notes_rate, reflection_rate = _writing_rates(plan.group, rng)
    areas = {person: AREAS[i % len(AREAS)] for i, person in enumerate(members)}
    records = []
    for person in members:
        sat_in = attended.get(person) or held
        for session in rng.sample(sat_in, min(2, len(sat_in))) if rng.random() < notes_rate else []:
            entry = topic_of(PlanTopic(month=session.starts_at.month, title=session.title))
            text = f"学习篇目:{entry.reading}。要点摘录:{entry.demand}。"
            records.append(_written(plan, person, session, "notes", f"学习笔记:{session.title}", text, today))
        if rng.random() < reflection_rate or person == members[1]:  # the deputy always writes one
            session = rng.choice(sat_in)
            entry = entries[id(session)]
            title = _reflection_title(entry, areas[person], used, rng)
            text = (
                f"通过参加中心组{quoted(session.title)}专题学习,我对{entry.short}有了更深的理解。"
                f"一是提高政治站位,深刻把握其核心要义;二是坚持问题导向,对照学习要求查找分管工作中的差距和不足;"
                f"三是注重学用结合,在分管的{areas[person]}工作中{entry.demand}。"
            )
            records.append(_written(plan, person, session, "reflection", title, text, today))
    return records


def _discussion_materials(plan: Plan, held: list, members: list[int], today: datetime.date) -> list[Submission]:
    """Two members' speeches at each research exchange (调研成果交流会)."""
    entries = {id(s): plan.entries[i] for i, s in enumerate(plan.sessions)}
    records = []
    for session in held:
        if session.kind == K.RESEARCH_EXCHANGE:
            for person in plan.rng.sample(members, min(2, len(members))):
                title = f"{entries[id(session)].short}专题研讨发言材料"
                records.append(_written(plan, person, session, "discussion", title, _speech(session, plan.rng), today))
    return records


def _makeup_notes(plan: Plan, made: list[tuple[Attendance, datetime.date]], today: datetime.date) -> list:
    """The notes of each make-up, handed in the day it was done."""
    records = []
    for row, done in made:
        title, text = f"补学笔记:{row.session.title}", "会后自学了会议材料和领学篇目,撰写学习笔记。"
        records.append(_written(plan, row.person_id, row.session, "notes", title, text, today, on=done))
        records[-1].is_makeup = True
    return records


def _waiting_for_first_review(plan: Plan, today: datetime.date) -> Submission | None:
    """staff.chengguan's first review: the deputy's discussion material handed in yesterday."""
    held = [s for s in plan.sessions if s.starts_at <= timezone.now() and s.kind != K.FIRST_TOPIC]
    deputy = next((s.person_id for s in plan.seats if s.role == Membership.Role.DEPUTY), None)
    if not held or deputy is None:
        return None
    return Submission(
        group=plan.group,
        person_id=deputy,
        session=held[-1],
        kind="discussion",
        title="聚焦基层治理 推动全会精神落地见效——专题研讨发言提纲",
        text="一、学习体会;二、对照查摆的问题;三、下一步打算。",
        status="submitted",
        submitted_on=today - datetime.timedelta(days=1),
    )


def _leave_requests(plan: Plan) -> None:
    """An approved leave request behind every leave row."""
    rows = [(i, r) for i, rows in plan.rows.items() for r in rows if r.method == Attendance.Method.LEAVE]
    LeaveRequest.objects.bulk_create(
        LeaveRequest(
            session=plan.sessions[i],
            person_id=row.person_id,
            reason=plan.rng.choice(LEAVE_REASONS),
            status=LeaveRequest.Status.APPROVED,
            decided_at=plan.sessions[i].starts_at - datetime.timedelta(days=1),
        )
        for i, row in rows
    )


def _reviews(records: list[Submission], staff: User | None) -> None:
    steps = []
    users = dict(
        Person.objects.filter(pk__in={r.person_id for r in records}, user__isnull=False).values_list("pk", "user")
    )
    for record in records:
        if record.person_id in users:
            steps.append(ReviewStep(submission=record, action="submit", by_id=users[record.person_id]))
        if record.status == "approved" and staff is not None and record.kind != "discussion":
            steps.append(ReviewStep(submission=record, action="accept", by=staff))
    ReviewStep.objects.bulk_create(steps)


def _reviewer(group: StudyGroup) -> None:
    if group.second_reviewer_id is None:
        seat = Membership.objects.filter(group=group, role="member").order_by("id").first()
        if seat:
            group.second_reviewer_id = seat.person_id
            group.save(update_fields=["second_reviewer", "updated_at"])


def _lectures(group: StudyGroup, today: datetime.date, rng: random.Random) -> None:
    if group.lectures.exists():
        return
    speakers = list(
        Membership.objects.filter(group=group, role__in=["leader", "deputy"]).values_list("person_id", flat=True)
    )
    if not speakers:
        return
    lectures = []
    for title, place in rng.sample(LECTURES, rng.randint(2, 4)):
        on = datetime.date(today.year, rng.randint(1, 12), rng.randint(5, 25))
        if on < today:
            lectures.append(
                Lecture(
                    group=group,
                    person_id=rng.choice(speakers),
                    on=on,
                    title=title,
                    place=place,
                    audience=rng.randint(40, 160),
                )
            )
    Lecture.objects.bulk_create(lectures)


def _leave(group: StudyGroup) -> None:
    upcoming = group.sessions.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    seat = Membership.objects.filter(group=group, role="member").order_by("-id").first()
    if upcoming and seat and not upcoming.leave_requests.exists():
        LeaveRequest.objects.create(session=upcoming, person=seat.person, reason="参加市里召开的专题工作会议")


def _seed_year(group: StudyGroup, plan_record: StudyPlan | None, names, used, today, turn: int) -> None:
    staff = User.objects.filter(person__grants__organization=group.organization, person__grants__role="staff").first()
    plan = _schedule(group, plan_record, today, turn)
    login = None
    if group.organization.code == "lj-qh-cg":
        login = Person.objects.filter(user__username="member.chengguan").values_list("pk", flat=True).first()
    made = _record_year(plan, names, today, login)
    _save_year(plan, plan.rng)
    _leave_requests(plan)
    records = _submissions(plan, made, today, used)
    waiting = _waiting_for_first_review(plan, today) if login else None
    records += [waiting] if waiting else []
    Submission.objects.bulk_create(records, batch_size=500)
    _reviews(records, staff)


def seed_sessions() -> None:
    today = timezone.localdate()
    names = dict(Person.objects.values_list("pk", "name"))
    used = set(Submission.objects.filter(kind="reflection").values_list("title", flat=True))
    plans = {p.group_id: p for p in StudyPlan.objects.filter(year=today.year)}
    groups = list(StudyGroup.objects.select_related("organization").order_by("organization__path"))
    # The groups still to meet this month take the coming weekdays in turn; the model groups come after them.
    turns = {group.pk: turn for turn, group in enumerate(sorted(groups, key=lambda g: g.code in MODEL_GROUPS))}
    for group in groups:
        _reviewer(group)
        if not group.sessions.exists():
            _seed_year(group, plans.get(group.pk), names, used, today, turns.get(group.pk, 0))
        _lectures(group, today, random.Random(f"lectures-{group.code}"))
        _leave(group)
