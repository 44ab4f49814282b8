"""Every write of the plans app: plans and their workflow, topics, materials, pre-study, research."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans import selectors
from plans.hooks import Session
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
from studygroup import access, audit, formats, notifications, rollup_marks
from studygroup import selectors as core_selectors
from studygroup import services as core_services
from studygroup.models import AuditEntry, Person, StudyGroup, User
from studygroup.uploads import clean_name

LOCKED_MESSAGE = gettext_lazy("An approved plan changes only through a supplementary topic or a recorded revision.")


def _code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _require_draft(plan: StudyPlan) -> None:
    if plan.status == StudyPlan.Status.APPROVED:
        raise ValidationError(LOCKED_MESSAGE)
    if plan.status == StudyPlan.Status.SUBMITTED:
        raise ValidationError(_("The plan is waiting for approval; ask the leader to return it before changing it."))


# Plans ---------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, group: StudyGroup, year: int, main_line: str = "", by: User) -> StudyPlan:
    access.require(by, "change", group)
    if StudyPlan.objects.filter(group=group, year=year).exists():
        raise ValidationError({"year": _("The group already has a plan for %(year)d.") % {"year": year}})
    try:
        with transaction.atomic():
            plan = StudyPlan.objects.create(group=group, year=year, main_line=main_line)
    except IntegrityError as exc:
        raise ValidationError({"year": _("The group already has a plan for %(year)d.") % {"year": year}}) from exc
    audit.record(AuditEntry.Action.CREATE, plan, by=by)
    _mark_plan(plan)  # 八有 plan: partial from now
    months = PlanMonth.objects.bulk_create(PlanMonth(plan=plan, month=month) for month in range(1, 13))
    path = group.organization.path
    audit.write_many(action=AuditEntry.Action.CREATE, instances=months, user=by, organization_path_for=lambda _m: path)
    return plan


@transaction.atomic
def plan_update(*, plan: StudyPlan, main_line: str, themes: dict[int, str], by: User) -> StudyPlan:
    access.require(by, "change", plan)
    _require_draft(plan)
    before = audit.stored(plan)
    plan.main_line = main_line
    plan.save(update_fields=["main_line", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, plan, by=by, before=before)
    _save_themes(plan, themes, by)
    return plan


def _save_themes(plan: StudyPlan, themes: dict[int, str], by: User) -> list[tuple[int, str, str]]:
    """Store the month themes; return the (month, old, new) that changed."""
    changed = []
    for month in plan.months.filter(month__in=list(themes)):
        new = themes[month.month].strip()
        if month.theme != new:
            old, month.theme = month.theme, new
            changed.append((month.month, old, new))
            month.save(update_fields=["theme"])
            audit.record(AuditEntry.Action.UPDATE, month, by=by, changes={"theme": [old, new]})
    return changed


@transaction.atomic
def plan_submit(*, plan: StudyPlan, by: User) -> StudyPlan:
    access.require(by, "change", plan)
    core_services.lock(plan)
    if plan.status == StudyPlan.Status.SUBMITTED:
        raise ValidationError(_("The plan has already been submitted."), code=core_services.ALREADY_DONE)
    if plan.status != StudyPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan can be submitted."))
    if not plan.main_line.strip():
        raise ValidationError(_("Write the main line of the year before submitting the plan."))
    if not plan.topics.exists():
        raise ValidationError(_("Add at least one topic before submitting the plan."))
    before = audit.stored(plan)
    plan.status, plan.submitted_at, plan.submitted_by = StudyPlan.Status.SUBMITTED, timezone.now(), by
    plan.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, plan, by=by, before=before)
    _mark_plan(plan)  # 八有 plan (partial while not approved)
    notifications.send(
        to=core_selectors.group_leaders(group=plan.group),
        verb="plan_submitted",
        title=_("A study plan awaits your approval: %(plan)s") % {"plan": plan},
        body=_("The party office has submitted the plan. Read it, then approve it or return it with a comment."),
        url=plan.get_absolute_url(),
    )
    return plan


def _drafted_or_submitted_by(plan: StudyPlan, user: User) -> bool:
    """Answer whether ``user`` submitted the plan or created it (the audit log keeps who created it)."""
    from studygroup.models import AuditEntry

    if plan.submitted_by_id == user.pk:
        return True
    return AuditEntry.objects.filter(
        object_type=StudyPlan._meta.label_lower,
        object_id=str(plan.pk),
        action=AuditEntry.Action.CREATE,
        user=user,
    ).exists()


@transaction.atomic
def plan_approve(*, plan: StudyPlan, by: User) -> StudyPlan:
    access.require(by, "approve", plan)
    plan = StudyPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan.status == StudyPlan.Status.APPROVED:
        raise ValidationError(_("The plan has already been approved."), code=core_services.ALREADY_DONE)
    if plan.status != StudyPlan.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted plan can be approved."))
    if _drafted_or_submitted_by(plan, by):
        # Separation of duties: the one who drafts or submits a plan never approves it.
        raise ValidationError(_("You drafted or submitted this plan; another leader must approve it."))
    now = timezone.now()
    before = audit.stored(plan)
    plan.status, plan.approved_at, plan.approved_by, plan.filed_at = StudyPlan.Status.APPROVED, now, by, now
    plan.return_comment = ""
    plan.save(update_fields=["status", "approved_at", "approved_by", "filed_at", "return_comment", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, plan, by=by, before=before)
    _mark_plan(plan)  # 八有 plan, 七有 plan_early and report_up
    organization = plan.group.organization
    notifications.send(
        to=core_selectors.users_holding(organization=organization, roles=[access.STAFF]),
        verb="plan_approved",
        title=_("The study plan has been approved: %(plan)s") % {"plan": plan},
        body=_("The plan is approved and filed with the organization above."),
        url=plan.get_absolute_url(),
    )
    notifications.send(
        to=core_selectors.users_holding_above(organization=organization, roles=[access.STAFF, access.VIEWER]),
        verb="plan_filed",
        title=_("A study plan has been filed: %(plan)s") % {"plan": plan},
        body=_("Read it and leave a comment for the group if needed."),
        url=plan.get_absolute_url(),
    )
    return plan


@transaction.atomic
def plan_return(*, plan: StudyPlan, comment: str, by: User) -> StudyPlan:
    access.require(by, "approve", plan)
    core_services.lock(plan)
    if plan.status != StudyPlan.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted plan can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should change.")})
    before = audit.stored(plan)
    plan.status, plan.return_comment, plan.returned_at = StudyPlan.Status.DRAFT, comment.strip(), timezone.now()
    plan.save(update_fields=["status", "return_comment", "returned_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, plan, by=by, before=before)
    _mark_plan(plan)
    notifications.send(
        to=core_selectors.users_holding(organization=plan.group.organization, roles=[access.STAFF]),
        verb="plan_returned",
        title=_("The study plan was returned: %(plan)s") % {"plan": plan},
        body=comment.strip(),
        url=plan.get_absolute_url(),
    )
    return plan


@transaction.atomic
def plan_revise(*, plan: StudyPlan, main_line: str, themes: dict[int, str], why: str, by: User) -> PlanRevision | None:
    """Change an approved plan's main line or themes, keeping who, when, what and why."""
    access.require(by, "change", plan)
    if plan.status != StudyPlan.Status.APPROVED:
        raise ValidationError(_("Only an approved plan is revised; a draft is edited directly."))
    if not why.strip():
        raise ValidationError({"why": _("Give the reason for the revision.")})
    lines = []
    if plan.main_line != main_line:
        lines.append(_("Main line: %(old)s → %(new)s") % {"old": plan.main_line, "new": main_line})
        before = audit.stored(plan)
        plan.main_line = main_line
        plan.save(update_fields=["main_line", "updated_at"])
        audit.record(AuditEntry.Action.UPDATE, plan, by=by, before=before)
    for month, old, new in _save_themes(plan, themes, by):
        lines.append(_("Theme of month %(month)d: %(old)s → %(new)s") % {"month": month, "old": old or "—", "new": new})
    if not lines:
        return None
    return _revision(plan=plan, by=by, what="\n".join(lines), why=why.strip())


def _revision(*, plan: StudyPlan, by: User, what: str, why: str) -> PlanRevision:
    revision = PlanRevision.objects.create(plan=plan, by=by, what=what, why=why)
    audit.record(AuditEntry.Action.CREATE, revision, by=by)
    return revision


@transaction.atomic
def plan_comment(*, plan: StudyPlan, text: str, by: User) -> PlanComment:
    access.require(by, "comment_upward", plan)
    if plan.status != StudyPlan.Status.APPROVED:
        raise ValidationError(_("Only a filed plan can be commented on."))
    author = access.person_of(by)
    if author is None or not text.strip():
        raise ValidationError({"text": _("Write the comment.")})
    comment = PlanComment.objects.create(plan=plan, author=author, text=text.strip())
    audit.record(AuditEntry.Action.CREATE, comment, by=by)
    notifications.send(
        to=core_selectors.users_holding(organization=plan.group.organization, roles=[access.STAFF, access.LEADER]),
        verb="plan_commented",
        title=_("%(organization)s commented on the study plan") % {"organization": author.organization.name},
        body=comment.text,
        url=plan.get_absolute_url(),
    )
    return comment


# Topics --------------------------------------------------------------------------------------

TOPIC_FIELDS = ["month", "title", "source", "lead", "session_kind"]


def _check_lead(plan: StudyPlan, lead: Person | None) -> None:
    if lead is not None and not lead.organization.is_within(plan.group.organization):
        raise ValidationError({"lead": _("The lead reader must belong to this organization or one below it.")})


@transaction.atomic
def topic_add(*, plan: StudyPlan, by: User, **fields) -> PlanTopic:
    """Add a topic: to a draft directly, to an approved plan as a supplementary topic of the month."""
    access.require(by, "change", plan)
    if plan.status == StudyPlan.Status.SUBMITTED:
        _require_draft(plan)
    _check_lead(plan, fields.get("lead"))
    supplementary = plan.status == StudyPlan.Status.APPROVED
    topic = PlanTopic.objects.create(
        plan=plan,
        code=_code("t"),
        is_supplementary=supplementary,
        added_on=timezone.localdate() if supplementary else None,
        **{name: fields[name] for name in TOPIC_FIELDS if name in fields},
    )
    audit.record(AuditEntry.Action.CREATE, topic, by=by)
    if supplementary:
        _revision(
            plan=plan,
            by=by,
            what=_("Supplementary topic added to month %(month)d: %(title)s")
            % {"month": topic.month, "title": topic.title},
            why=fields.get("why") or _("Supplementary plan of the month."),
        )
    _mark_plan(plan)
    return topic


@transaction.atomic
def topic_update(*, topic: PlanTopic, by: User, why: str = "", **fields) -> PlanTopic:
    """Edit a topic of a draft, or revise one of an approved plan with a reason that is kept."""
    plan = topic.plan
    access.require(by, "change", plan)
    approved = plan.status == StudyPlan.Status.APPROVED
    if not approved:
        _require_draft(plan)
    elif not why.strip():
        raise ValidationError({"why": _("Give the reason for the revision.")})
    _check_lead(plan, fields.get("lead"))
    before = audit.stored(topic)
    changes = []
    for name in TOPIC_FIELDS:
        if name in fields and getattr(topic, name) != fields[name]:
            changes.append((name, getattr(topic, name), fields[name]))
            setattr(topic, name, fields[name])
    if not changes:
        return topic
    topic.save(update_fields=[name for name, _old, _new in changes] + ["updated_at"])
    audit.record(AuditEntry.Action.UPDATE, topic, by=by, before=before)
    if approved:
        labels = {name: str(PlanTopic._meta.get_field(name).verbose_name) for name in TOPIC_FIELDS}  # type: ignore[union-attr]
        what = "\n".join(
            f"{topic.title} · {labels[name]}:{_shown(topic, name, old)} → {_shown(topic, name, new)}"
            for name, old, new in changes
        )
        _revision(plan=plan, by=by, what=what, why=why.strip())
    _mark_plan(topic.plan)
    return topic


def _shown(topic: PlanTopic, name: str, value) -> str:
    field = PlanTopic._meta.get_field(name)
    if value is None:
        return "—"
    choices = dict(field.flatchoices) if field.choices else {}  # type: ignore[union-attr]
    return str(choices.get(value, value))


@transaction.atomic
def topic_delete(*, topic: PlanTopic, by: User) -> None:
    access.require(by, "change", topic.plan)
    _require_draft(topic.plan)
    audit.delete(topic, by=by)
    _mark_plan(topic.plan)


def _mark_plan(plan: StudyPlan) -> None:
    """The topics count in the year's rollups (the month does not matter: they are yearly figures)."""
    rollup_marks.mark(plan.group_id, datetime.date(plan.year, 1, 1))


# Materials and pre-study ----------------------------------------------------------------------


def _check_material_links(group: StudyGroup, topic: PlanTopic | None, session: Session | None) -> None:
    if topic is not None and topic.plan.group_id != group.pk:
        raise ValidationError({"topic": _("The topic belongs to another group.")})
    if session is not None and session.group_id != group.pk:
        raise ValidationError({"session": _("The session belongs to another group.")})


@transaction.atomic
def material_create(
    *,
    group: StudyGroup,
    title: str,
    kind: str,
    by: User,
    upload=None,
    url: str = "",
    text: str = "",
    topic: PlanTopic | None = None,
    session: Session | None = None,
) -> Material:
    access.require(by, "change", group)
    _check_material_links(group, topic, session)
    if kind == Material.Kind.FILE and upload is None:
        raise ValidationError({"upload": _("Choose the file to upload.")})
    if kind == Material.Kind.LINK and not url:
        raise ValidationError({"url": _("Give the address of the link.")})
    if kind == Material.Kind.TEXT and not text.strip():
        raise ValidationError({"text": _("Paste the text of the material.")})
    material = Material(group=group, title=title, kind=kind, topic=topic, session=session)
    if kind == Material.Kind.FILE:
        material.original_name = clean_name(upload.name)
        material.file.save(f"{uuid.uuid4().hex}{_extension(material.original_name)}", upload, save=False)
    elif kind == Material.Kind.LINK:
        material.url = url
    else:
        material.text = text.strip()
    material.save()
    audit.record(AuditEntry.Action.CREATE, material, by=by)
    return material


def _extension(name: str) -> str:
    import os

    return os.path.splitext(name)[1].lower()


@transaction.atomic
def material_publish(*, material: Material, by: User) -> Material:
    access.require(by, "change", material)
    core_services.lock(material)
    if material.published_at is not None:
        raise ValidationError(_("The material has already been published."), code=core_services.ALREADY_DONE)
    before = audit.stored(material)
    material.published_at = timezone.now()
    material.save(update_fields=["published_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, material, by=by, before=before)
    session = material.session
    if session is not None:
        rollup_marks.mark(session.group_id, session.starts_at)  # 七有 support
    on = timezone.localdate(session.starts_at) if session else timezone.localdate()
    body = (
        _("Please study it before the session of %(date)s and confirm in the app.")
        % {"date": formats.month_day_time_zh(session.starts_at)}
        if session
        else _("Please study it and confirm in the app.")
    )
    notifications.send(
        to=core_selectors.group_member_users(group=material.group, on=on),
        verb="material_published",
        title=_("New study material: %(title)s") % {"title": material.title},
        body=body,
        url=material.get_absolute_url(),
    )
    return material


@transaction.atomic
def material_delete(*, material: Material, by: User) -> None:
    access.require(by, "change", material)
    if material.published_at is not None:
        raise ValidationError(_("A published material is kept in the record and cannot be deleted."))
    material.file.delete(save=False)
    audit.delete(material, by=by)


def study_confirm(*, material: Material, by: User) -> StudyConfirmation:
    """Record that the member studied the material; confirming twice changes nothing."""
    access.require(by, "study", material)
    if material.published_at is None:
        raise ValidationError(_("The material has not been published yet."))
    person = access.person_of(by)
    confirmation, _created = StudyConfirmation.objects.get_or_create(material=material, person=person)
    return confirmation


@transaction.atomic
def prestudy_remind(*, session: Session, by: User) -> int:
    """Remind the members who have not yet studied every material of the session; return how many."""
    access.require(by, "change", session)
    status = selectors.prestudy_status(session=session)
    if not status.materials:
        raise ValidationError(_("The session has no published material yet."))
    pending = [row.person for row in status.rows if not row.is_complete]
    users = [person.user for person in pending if person.user_id]
    notifications.send(
        to=users,
        verb="prestudy_reminder",
        title=_("Reminder: study the materials before %(session)s") % {"session": session.title},
        body=_("The session starts on %(date)s. Open the materials and confirm when you have studied them.")
        % {"date": formats.month_day_time_zh(session.starts_at)},
        url=f"{selectors.materials_url()}?session={session.pk}",
    )
    return len(users)


# Research ------------------------------------------------------------------------------------


@transaction.atomic
def research_topic_create(
    *, group: StudyGroup, year: int, title: str, description: str = "", by: User
) -> ResearchTopic:
    access.require(by, "plans.research_propose", group)
    topic = ResearchTopic.objects.create(
        group=group, code=_code("r"), year=year, title=title, description=description, proposed_by=access.person_of(by)
    )
    audit.record(AuditEntry.Action.CREATE, topic, by=by)
    rollup_marks.mark(group.pk, datetime.date(year, 1, 1))  # research topics of the year figures
    return topic


@transaction.atomic
def research_claim(*, topic: ResearchTopic, by: User) -> ResearchTopic:
    access.require(by, "study", topic)
    locked = ResearchTopic.objects.select_for_update().get(pk=topic.pk)
    if locked.owner_id is not None:
        raise ValidationError(_("%(name)s has already claimed this topic.") % {"name": locked.owner.name})  # type: ignore[union-attr]
    before = audit.stored(topic)
    topic.owner, topic.claimed_at = access.person_of(by), timezone.now()
    topic.save(update_fields=["owner", "claimed_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, topic, by=by, before=before)
    return topic


@transaction.atomic
def research_set_co_researchers(*, topic: ResearchTopic, people: list[Person], by: User) -> ResearchTopic:
    access.require(by, "plans.research_team", topic)
    outside = [p.name for p in people if not p.organization.is_within(topic.group.organization)]
    if outside:
        raise ValidationError({"people": _("Not of this organization: %(names)s") % {"names": "、".join(outside)}})
    before = "、".join(sorted(topic.co_researchers.values_list("name", flat=True)))
    topic.co_researchers.set([p for p in people if p.pk != topic.owner_id])
    after = "、".join(sorted(topic.co_researchers.values_list("name", flat=True)))
    if after != before:
        audit.record(AuditEntry.Action.UPDATE, topic, by=by, changes={"co_researchers": [before, after]})
    return topic


@transaction.atomic
def research_report_submit(
    *, topic: ResearchTopic, title: str, submitted_on: datetime.date, by: User, text: str = "", upload=None
) -> ResearchReport:
    access.require(by, "plans.research_report", topic)
    if topic.owner_id is None:
        raise ValidationError(_("A topic must be claimed before a report is submitted."))
    if not text.strip() and upload is None:
        raise ValidationError({"text": _("Write the report or attach its file.")})
    report = ResearchReport(
        topic=topic,
        title=title,
        text=text.strip(),
        submitted_on=submitted_on,
        submitted_by=access.person_of(by) or topic.owner,
    )
    if upload is not None:
        report.original_name = clean_name(upload.name)
        report.file.save(f"{uuid.uuid4().hex}{_extension(report.original_name)}", upload, save=False)
    report.save()
    audit.record(AuditEntry.Action.CREATE, report, by=by)
    rollup_marks.mark(topic.group_id, submitted_on)  # research reports of the year figures
    return report
