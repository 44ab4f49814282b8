import factory
from factory.django import DjangoModelFactory

from reports.models import YearSummary
from studygroup.tests.factories import StudyGroupFactory


class YearSummaryFactory(DjangoModelFactory):
    class Meta:
        model = YearSummary

    group = factory.SubFactory(StudyGroupFactory)
    year = 2026
    text = "全年共开展集体学习8次……"
