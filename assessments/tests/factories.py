"""One factory per model of the assessments app."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from assessments.models import (
    Answer,
    KnowledgeTest,
    Question,
    QuestionBank,
    QuestionKind,
    QuestionVersion,
    Sitting,
    SittingDraw,
    Tag,
    TestPart,
    TestQuestion,
)
from studygroup.tests.factories import OrganizationFactory, PersonFactory, UserFactory


class QuestionBankFactory(DjangoModelFactory):
    class Meta:
        model = QuestionBank

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"党史知识题库{n}")


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"标签{n}")


class QuestionFactory(DjangoModelFactory):
    """A question with its first version: ``QuestionFactory(bank=..., kind="fill", tags=[...])``."""

    class Meta:
        model = Question

    bank = factory.SubFactory(QuestionBankFactory)

    @classmethod
    def _create(cls, model_class, *args, kind=QuestionKind.SINGLE, tags=(), **kwargs):
        fields = {name: kwargs.pop(name) for name in VERSION_FIELDS if name in kwargs}
        question = super()._create(model_class, *args, **kwargs)
        version = QuestionVersionFactory(question=question, kind=kind, **fields)
        question.current = version
        question.save(update_fields=["current"])
        if tags:
            question.tags.set(tags)
        return question


VERSION_FIELDS = ("text", "options", "answer", "explanation", "difficulty", "number")
ANSWERS = {"single": "B", "multiple": ["A", "B"], "true_false": True, "fill": ["1921", "一九二一"], "short": "参考答案"}


class QuestionVersionFactory(DjangoModelFactory):
    class Meta:
        model = QuestionVersion

    number = 1
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"第{n}题:中国共产党成立于哪一年?")
    options = factory.LazyAttribute(
        lambda o: ["1919年", "1921年", "1927年", "1949年"] if o.kind in ("single", "multiple") else []
    )
    answer = factory.LazyAttribute(lambda o: ANSWERS[o.kind])
    explanation = "1921年7月,中国共产党第一次全国代表大会召开。"
    difficulty = 2


class KnowledgeTestFactory(DjangoModelFactory):
    """A published online test open now for two hours, 100 points, pass at 60."""

    class Meta:
        model = KnowledgeTest

    code = factory.Sequence(lambda n: f"k{n}")
    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"党史知识测试第{n}轮")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=5))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + datetime.timedelta(hours=2))
    held_on = factory.LazyAttribute(
        lambda o: timezone.localtime(o.opens_at).date() if o.opens_at else timezone.localdate()
    )
    status = KnowledgeTest.Status.PUBLISHED
    seed = "seed"


class PartFactory(DjangoModelFactory):
    class Meta:
        model = TestPart

    test = factory.SubFactory(KnowledgeTestFactory)
    question = factory.SubFactory(QuestionFactory)
    points = 10


class PaperQuestionFactory(DjangoModelFactory):
    class Meta:
        model = TestQuestion

    test = factory.SubFactory(KnowledgeTestFactory)
    version = factory.LazyAttribute(lambda o: QuestionFactory(bank__organization=o.test.organization).current)
    number = factory.Sequence(lambda n: n + 1)
    points = 10


class SittingDrawFactory(DjangoModelFactory):
    class Meta:
        model = SittingDraw

    test = factory.SubFactory(KnowledgeTestFactory)
    mode = SittingDraw.Mode.ALL
    seed = "seed"
    inputs = factory.LazyFunction(lambda: {"candidates": [], "mode": "all", "amount": None})
    result = factory.LazyFunction(list)
    by = factory.SubFactory(UserFactory)


class SittingFactory(DjangoModelFactory):
    class Meta:
        model = Sitting

    test = factory.SubFactory(KnowledgeTestFactory)
    person = factory.SubFactory(PersonFactory)
    group = None
    seed = factory.Sequence(lambda n: f"sitting-{n}")


class AnswerFactory(DjangoModelFactory):
    class Meta:
        model = Answer

    sitting = factory.SubFactory(SittingFactory)
    question = factory.SubFactory(PaperQuestionFactory, test=factory.SelfAttribute("..sitting.test"))
    response = "B"
