"""Turning what a test found most missed into next month's study topic (through the plans app's own service)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import KnowledgeTest, Tag
from plans import services as plan_services
from plans.models import PlanTopic, StudyPlan
from studygroup import access, formats
from studygroup.models import Organization, StudyGroup, User


def next_month(today=None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


@transaction.atomic
def topic_from_tag(*, test: KnowledgeTest, tag: Tag, organization: Organization, by: User) -> PlanTopic:
    """Add to next month of ``organization``'s plan a topic on ``tag``, as the test's item analysis found it weak.

    The plan's own rules apply (its staff add topics; an approved plan takes it as a supplementary topic); a
    second click adds nothing.
    """
    access.require(by, "assessments.figures", test)
    group = StudyGroup.objects.filter(organization=organization).first()
    if group is None:
        raise ValidationError(_("%(organization)s has no study group.") % {"organization": organization.name})
    year, month = next_month()
    plan = StudyPlan.objects.select_for_update().filter(group=group, year=year).first()
    if plan is None:
        raise ValidationError(
            _("%(organization)s has no study plan for %(year)d yet: draft it, then come back.")
            % {"organization": organization.name, "year": year}
        )
    title = _("Study again “%(tag)s”, which the test “%(test)s” found most missed") % {
        "tag": tag.name,
        "test": test.title,
    }
    if PlanTopic.objects.filter(plan=plan, month=month, title=title).exists():
        raise ValidationError(
            _("This topic is already in the plan for %(month)s.") % {"month": formats.month_zh(month)}
        )
    return plan_services.topic_add(
        plan=plan,
        by=by,
        month=month,
        title=title[:300],
        source=PlanTopic.Source.WORK_NEED,
        why=_("Item analysis of a knowledge test."),
    )
