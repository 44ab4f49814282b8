import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from plans.models import SessionKind
from sessions.models import (
    Attendance,
    LeaveRequest,
    Lecture,
    MinutesAttachment,
    ReviewStep,
    SessionGuest,
    Speech,
    StudySession,
    Submission,
)
from studygroup.tests.factories import PersonFactory, StudyGroupFactory, UserFactory


class StudySessionFactory(DjangoModelFactory):
    class Meta:
        model = StudySession
        skip_postgeneration_save = True

    group = factory.SubFactory(StudyGroupFactory)
    code = factory.Sequence(lambda n: f"s{n}")
    kind = SessionKind.COLLECTIVE
    title = factory.Sequence(lambda n: f"第{n}次集体学习")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2, minutes=30))
    location = "党委会议室"

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.set(extracted)


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(StudySessionFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..session.group.organization"))
    status = Attendance.Status.PRESENT
    method = Attendance.Method.GRID


class LeaveRequestFactory(DjangoModelFactory):
    class Meta:
        model = LeaveRequest

    session = factory.SubFactory(StudySessionFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..session.group.organization"))
    reason = "参加上级会议"


class SessionGuestFactory(DjangoModelFactory):
    class Meta:
        model = SessionGuest

    session = factory.SubFactory(StudySessionFactory, is_expanded=True)
    name = "某村党支部书记"
    organization_name = "某村党支部"


class SpeechFactory(DjangoModelFactory):
    class Meta:
        model = Speech

    session = factory.SubFactory(StudySessionFactory)
    speaker_name = "发言人"
    summary = "结合分管工作谈体会。"


class MinutesAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = MinutesAttachment

    session = factory.SubFactory(StudySessionFactory)
    original_name = "签到表.pdf"
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4", name="sheet.pdf"))


class SubmissionFactory(DjangoModelFactory):
    class Meta:
        model = Submission

    group = factory.SubFactory(StudyGroupFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..group.organization"))
    kind = Submission.Kind.REFLECTION
    title = factory.Sequence(lambda n: f"学习心得{n}")
    text = "心得正文"
    status = Submission.Status.DRAFT


class ReviewStepFactory(DjangoModelFactory):
    class Meta:
        model = ReviewStep

    submission = factory.SubFactory(SubmissionFactory)
    action = ReviewStep.Action.SUBMIT
    by = factory.SubFactory(UserFactory)


class LectureFactory(DjangoModelFactory):
    class Meta:
        model = Lecture

    group = factory.SubFactory(StudyGroupFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..group.organization"))
    on = datetime.date(2026, 3, 2)
    title = "宣讲全会精神"
    audience = 45
