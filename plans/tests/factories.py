import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from plans.models import (
    Material,
    PlanComment,
    PlanMonth,
    PlanRevision,
    PlanTopic,
    ResearchReport,
    ResearchTopic,
    StudyConfirmation,
    StudyPlan,
)
from studygroup.tests.factories import PersonFactory, StudyGroupFactory, UserFactory


class StudyPlanFactory(DjangoModelFactory):
    """A plan with its twelve months, as ``plan_create`` makes it."""

    class Meta:
        model = StudyPlan
        skip_postgeneration_save = True

    group = factory.SubFactory(StudyGroupFactory)
    year = 2026
    main_line = "深入学习贯彻习近平新时代中国特色社会主义思想"
    status = StudyPlan.Status.DRAFT

    @factory.post_generation
    def months(obj, create, extracted, **kwargs):
        if create:
            themes = extracted or {}
            PlanMonth.objects.bulk_create(
                PlanMonth(plan=obj, month=month, theme=themes.get(month, f"{month}月主题")) for month in range(1, 13)
            )


class PlanMonthFactory(DjangoModelFactory):
    class Meta:
        model = PlanMonth
        django_get_or_create = ("plan", "month")

    plan = factory.SubFactory(StudyPlanFactory)
    month = 1
    theme = "主题"


class PlanTopicFactory(DjangoModelFactory):
    class Meta:
        model = PlanTopic

    plan = factory.SubFactory(StudyPlanFactory)
    code = factory.Sequence(lambda n: f"t{n}")
    month = factory.Sequence(lambda n: n % 12 + 1)
    title = factory.Sequence(lambda n: f"学习专题{n}")
    source = PlanTopic.Source.ASSIGNED


class PlanRevisionFactory(DjangoModelFactory):
    class Meta:
        model = PlanRevision

    plan = factory.SubFactory(StudyPlanFactory, status=StudyPlan.Status.APPROVED)
    by = factory.SubFactory(UserFactory)
    what = "调整专题"
    why = "传达最新讲话精神"


class PlanCommentFactory(DjangoModelFactory):
    class Meta:
        model = PlanComment

    plan = factory.SubFactory(StudyPlanFactory, status=StudyPlan.Status.APPROVED)
    author = factory.SubFactory(PersonFactory)
    text = "请增加调研成果交流。"


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    group = factory.SubFactory(StudyGroupFactory)
    title = factory.Sequence(lambda n: f"学习资料{n}")
    kind = Material.Kind.TEXT
    text = "资料正文"
    published_at = factory.LazyFunction(timezone.now)


class FileMaterialFactory(MaterialFactory):
    kind = Material.Kind.FILE
    text = ""
    original_name = "资料.pdf"
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 test", name="material.pdf"))


class StudyConfirmationFactory(DjangoModelFactory):
    class Meta:
        model = StudyConfirmation

    material = factory.SubFactory(MaterialFactory)
    person = factory.SubFactory(PersonFactory)


class ResearchTopicFactory(DjangoModelFactory):
    class Meta:
        model = ResearchTopic

    group = factory.SubFactory(StudyGroupFactory)
    code = factory.Sequence(lambda n: f"r{n}")
    year = 2026
    title = factory.Sequence(lambda n: f"调研课题{n}")


class ResearchReportFactory(DjangoModelFactory):
    class Meta:
        model = ResearchReport

    topic = factory.SubFactory(ResearchTopicFactory)
    title = "调研报告"
    text = "报告正文"
    submitted_on = factory.LazyFunction(lambda: datetime.date(2026, 6, 30))
    submitted_by = factory.SubFactory(PersonFactory)
