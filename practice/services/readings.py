"""Writes of 荐读领学: a member recommends a reading; staff pick it into a session's materials and name the lead
reader."""

from __future__ import annotations

import os
import uuid

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans import services as plan_services
from plans.models import Material
from practice.models import Recommendation
from practice.services.reporting import ALREADY_DONE
from sessions import services as session_services
from sessions.models import StudySession
from studygroup import access, audit
from studygroup.models import AuditEntry, Person, StudyGroup, User
from studygroup.uploads import clean_name


@transaction.atomic
def recommendation_create(
    *, group: StudyGroup, title: str, why: str, by: User, source: str = "", url: str = "", upload=None
) -> Recommendation:
    """A member of the group recommends a reading: title, where it is from, a link or a file, and why."""
    access.require(by, "practice.recommend", group)
    person = Person.objects.filter(user=by).first()
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the title.")
    if not why.strip():
        errors["why"] = _("Say why it is worth reading.")
    if errors:
        raise ValidationError(errors)
    recommendation = Recommendation(
        group=group, recommended_by=person, title=title.strip(), source=source.strip(), url=url, why=why.strip()
    )
    if upload is not None:
        recommendation.original_name = clean_name(upload.name)
        extension = os.path.splitext(recommendation.original_name)[1].lower()
        recommendation.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    recommendation.save()
    audit.record(AuditEntry.Action.CREATE, recommendation, by=by)
    return recommendation


@transaction.atomic
def recommendation_pick(
    *, recommendation: Recommendation, session: StudySession, lead: Person, publish: bool, by: User
) -> Material:
    """Put a recommended reading into a coming session's materials and name its lead reader (领学人)."""
    access.require(by, "practice.recommendation_pick", recommendation)
    if Recommendation.objects.select_for_update().get(pk=recommendation.pk).picked_at is not None:
        raise ValidationError(_("This reading has already been picked."), code=ALREADY_DONE)
    if session.group_id != recommendation.group_id or session.has_started:
        raise ValidationError({"session": _("Choose a coming session of the group.")})
    if not recommendation.group.active_memberships().filter(person=lead).exists():
        raise ValidationError({"lead": _("The lead reader must be a member of the group.")})
    material = plan_services.material_create(
        group=recommendation.group, session=session, by=by, **_material(recommendation)
    )
    if publish:
        plan_services.material_publish(material=material, by=by)
    session_services.session_lead_set(session=session, lead=lead, by=by)
    before = audit.stored(recommendation)
    recommendation.session, recommendation.material, recommendation.lead = session, material, lead
    recommendation.picked_at, recommendation.picked_by = timezone.now(), by
    recommendation.save(update_fields=["session", "material", "lead", "picked_at", "picked_by", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, recommendation, by=by, before=before)
    return material


def _material(recommendation: Recommendation) -> dict:
    """The material's form: the recommended file, else its link, else the text of the recommendation."""
    title = recommendation.title
    if recommendation.file:
        upload = File(recommendation.file.open("rb"), name=recommendation.original_name or "file")
        return {"title": title, "kind": Material.Kind.FILE, "upload": upload}
    if recommendation.url:
        return {"title": title, "kind": Material.Kind.LINK, "url": recommendation.url}
    text = "\n".join(part for part in (recommendation.source, recommendation.why) if part)
    return {"title": title, "kind": Material.Kind.TEXT, "text": text}
