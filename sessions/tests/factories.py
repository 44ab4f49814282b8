import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from sessions.models import SessionKind, StudySession
from studygroup.tests.factories import StudyGroupFactory


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
