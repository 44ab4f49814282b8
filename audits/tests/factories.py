import datetime

import factory
from factory.django import DjangoModelFactory

from audits.models import (
    Action,
    ActionChange,
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionVerdict,
    ObserverPoolMember,
    ObserverVisit,
    RandomDraw,
    RulesDocument,
    VisitInvitation,
)
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.factories import OrganizationFactory, PersonFactory, StudyGroupFactory, UserFactory


class ObserverPoolMemberFactory(DjangoModelFactory):
    class Meta:
        model = ObserverPoolMember

    organization = factory.SubFactory(OrganizationFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..organization"))


class RandomDrawFactory(DjangoModelFactory):
    class Meta:
        model = RandomDraw

    organization = factory.SubFactory(OrganizationFactory)
    seed = "abc"
    date_from = datetime.date(2026, 1, 1)
    date_to = datetime.date(2026, 12, 31)
    count = 1
    inputs = factory.LazyFunction(lambda: {"sessions": [], "observers": [], "observed": {}, "workload": {}, "count": 1})
    result = factory.LazyFunction(list)
    by = factory.SubFactory(UserFactory)


class ObserverVisitFactory(DjangoModelFactory):
    class Meta:
        model = ObserverVisit

    code = factory.Sequence(lambda n: f"v{n}")
    session = factory.SubFactory(StudySessionFactory)
    organization = factory.LazyAttribute(lambda o: o.session.group.organization.parent or o.session.group.organization)
    observer = factory.SubFactory(PersonFactory)
    mode = ObserverVisit.Mode.FIXED


class VisitInvitationFactory(DjangoModelFactory):
    class Meta:
        model = VisitInvitation

    session = factory.SubFactory(StudySessionFactory)
    organization = factory.SubFactory(OrganizationFactory)


class RulesDocumentFactory(DjangoModelFactory):
    class Meta:
        model = RulesDocument

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"理论学习中心组学习制度{n}")


class ChecklistFactory(DjangoModelFactory):
    class Meta:
        model = Checklist
        django_get_or_create = ("code",)

    code = "bayou"
    name = "八有"


class ChecklistItemFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItem
        django_get_or_create = ("checklist", "code")

    checklist = factory.SubFactory(ChecklistFactory)
    code = "plan"
    name = "有计划"


class InspectionFactory(DjangoModelFactory):
    class Meta:
        model = Inspection

    group = factory.SubFactory(StudyGroupFactory)
    year = 2026
    checklist = factory.SubFactory(ChecklistFactory)
    inspector = factory.SubFactory(PersonFactory)
    on = datetime.date(2026, 12, 10)


class InspectionVerdictFactory(DjangoModelFactory):
    class Meta:
        model = InspectionVerdict

    inspection = factory.SubFactory(InspectionFactory)
    item = factory.SubFactory(ChecklistItemFactory, checklist=factory.SelfAttribute("..inspection.checklist"))
    verdict = Inspection.Verdict.PASS


class ActionFactory(DjangoModelFactory):
    class Meta:
        model = Action

    code = factory.Sequence(lambda n: f"a{n}")
    group = factory.SubFactory(StudyGroupFactory)
    problem = "研讨不够聚焦"
    measure = "会前细化研讨题目"
    owner = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..group.organization"))
    raised_on = datetime.date(2026, 3, 1)
    due_on = datetime.date(2026, 4, 30)


class ActionChangeFactory(DjangoModelFactory):
    class Meta:
        model = ActionChange

    action = factory.SubFactory(ActionFactory)
    by = factory.SubFactory(UserFactory)
    to_status = Action.Status.OPEN
