"""One factory per core model. Organizations get their tree path from the service that creates them."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from studygroup import services
from studygroup.models import AuditEntry, Membership, Notification, Organization, Person, RoleGrant, StudyGroup, User

PASSWORD = "Correct-Horse-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory):
    """Create through ``organization_create`` so the path and depth are right."""

    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"中共第{n}单位委员会")
    kind = Organization.Kind.TOWN
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.organization_create(**kwargs)


class StudyGroupFactory(DjangoModelFactory):
    class Meta:
        model = StudyGroup
        django_get_or_create = ("organization",)

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.LazyAttribute(lambda o: f"{o.organization.code}-g")
    name = factory.LazyAttribute(lambda o: f"{o.organization.name}理论学习中心组")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    code = factory.Sequence(lambda n: f"person-{n}")
    name = factory.Sequence(lambda n: f"成员{n}")
    post = "党委委员"
    organization = factory.SubFactory(OrganizationFactory)
    user = None


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(StudyGroupFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..group.organization"))
    role = Membership.Role.MEMBER
    start_on = datetime.date(2026, 1, 1)
    end_on = None


class RoleGrantFactory(DjangoModelFactory):
    class Meta:
        model = RoleGrant

    organization = factory.SubFactory(OrganizationFactory)
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..organization"))
    role = RoleGrant.Role.STAFF


class AuditEntryFactory(DjangoModelFactory):
    class Meta:
        model = AuditEntry

    username = "someone"
    action = AuditEntry.Action.UPDATE
    object_type = "studygroup.organization"
    object_id = "1"
    object_repr = "某单位"
    organization_path = "0001."


def user_with_role(role: str, organization: Organization, **user_kwargs) -> User:
    """Return a login holding ``role`` at ``organization`` (``member``: a seat in its group)."""
    user = UserFactory(**user_kwargs)
    person = PersonFactory(organization=organization, user=user)
    if role == "member":
        MembershipFactory(group=StudyGroupFactory(organization=organization), person=person)
    else:
        RoleGrantFactory(person=person, organization=organization, role=role)
    return user


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    verb = "test"
    title = factory.Sequence(lambda n: f"通知{n}")
    url = "/"
