"""Demo records of the audits app: the city's observer pool, visits with reports, actions, rules documents."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audits.models import Action, ActionChange, ObserverPoolMember, ObserverVisit, RulesDocument
from studygroup.models import Membership, Organization, Person, RoleGrant, User

RULES = ["理论学习中心组学习制度", "列席旁听制度"]
WITHOUT_RULES = {"lj-qh-sq", "lj-ds-ty"}


def seed_audits() -> None:
    city = Organization.objects.get(code="lj")
    observer = Person.objects.get(code="demo-observer.city")
    ObserverPoolMember.objects.get_or_create(organization=city, person=observer)
    RoleGrant.objects.get_or_create(organization=city, person=observer, role="observer")
    for organization in Organization.objects.exclude(code__in=WITHOUT_RULES):
        for title in RULES[: 1 + organization.pk % 2]:
            RulesDocument.objects.get_or_create(organization=organization, title=title)
    staff = User.objects.filter(username="staff.city").first()
    now = timezone.now()
    for index, code in enumerate(["lj-qh-cg", "lj-jb-lw", "lj-ds-yl"]):
        session = (
            Organization.objects.get(code=code)
            .study_group.sessions.filter(ends_at__lt=now)
            .order_by("-starts_at")
            .first()
        )
        if session is None or ObserverVisit.objects.filter(session=session, observer=observer).exists():
            continue
        reported = timezone.localdate(session.ends_at) + datetime.timedelta(days=3)
        visit = ObserverVisit.objects.create(
            code=f"demo-v-{code}",
            organization=city,
            session=session,
            observer=observer,
            mode="fixed",
            pre_review="approved",
            pre_review_on=timezone.localdate(session.starts_at) - datetime.timedelta(days=15),
            discussion_focused=index != 1,
            summary_deep=True,
            rating=["good", "fair", "excellent"][index],
            report="学习会准备充分,领学深入,成员结合分管工作谈体会,总结讲话有高度。",
            findings="个别成员发言联系实际不够紧密\n会前方案报备不够及时" if index == 1 else "",
            reported_on=reported,
        )
        if index == 1 and staff is not None:
            owner = Membership.objects.filter(group=session.group, role="secretary").first().person
            action = Action.objects.create(
                code=f"demo-a-{code}",
                group=session.group,
                visit=visit,
                problem="个别成员发言联系实际不够紧密",
                finding="个别成员发言联系实际不够紧密",
                measure="会前印发研讨提纲,要求结合分管领域准备发言",
                owner=owner,
                raised_on=reported,
                raised_by=staff,
                due_on=reported + datetime.timedelta(days=30),
            )
            ActionChange.objects.create(action=action, by=staff, from_status="", to_status="open")
    upcoming = Organization.objects.get(code="lj-qh-cg").study_group.sessions.filter(starts_at__gt=now).first()
    if upcoming and not ObserverVisit.objects.filter(session=upcoming, observer=observer).exists():
        ObserverVisit.objects.create(
            code="demo-v-next", organization=city, session=upcoming, observer=observer, mode="random"
        )
