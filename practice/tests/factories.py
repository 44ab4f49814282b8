import datetime

import factory
from factory.django import DjangoModelFactory

from plans.tests.factories import StudyPlanFactory
from practice.models import Per, SelfStudyEntry, SelfStudyKind, SelfStudyTarget
from studygroup.tests.factories import PersonFactory


class SelfStudyTargetFactory(DjangoModelFactory):
    class Meta:
        model = SelfStudyTarget
        django_get_or_create = ("plan", "kind")

    plan = factory.SubFactory(StudyPlanFactory, status="approved")
    kind = SelfStudyKind.BOOK
    per = Per.QUARTER
    count = 1


def targets_1112(plan) -> list[SelfStudyTarget]:
    """The "1112" targets of seed 004 on ``plan``."""
    return [
        SelfStudyTargetFactory(plan=plan, kind=SelfStudyKind.BOOK, per=Per.QUARTER, count=1),
        SelfStudyTargetFactory(plan=plan, kind=SelfStudyKind.FIELD_STAY, per=Per.MONTH, count=1),
        SelfStudyTargetFactory(plan=plan, kind=SelfStudyKind.REPORT, per=Per.YEAR, count=2),
    ]


class SelfStudyEntryFactory(DjangoModelFactory):
    class Meta:
        model = SelfStudyEntry

    person = factory.SubFactory(PersonFactory)
    kind = SelfStudyKind.BOOK
    on = datetime.date(2026, 3, 10)
    title = factory.Sequence(lambda n: f"《读书笔记{n}》")
    note = "读后有感。"
