"""Writes of 荐读领学: a member recommends a reading; staff pick it into a session's materials and name the lead
reader."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

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

logger = logging.getLogger(__name__)


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
    with _material(recommendation) as fields:
        material = plan_services.material_create(group=recommendation.group, session=session, by=by, **fields)
    if publish and not recommendation.file_missing:
        plan_services.material_publish(material=material, by=by)
    session_services.session_lead_set(session=session, lead=lead, by=by)
    before = audit.stored(recommendation)
    recommendation.session, recommendation.material, recommendation.lead = session, material, lead
    recommendation.picked_at, recommendation.picked_by = timezone.now(), by
    recommendation.save(update_fields=["session", "material", "lead", "picked_at", "picked_by", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, recommendation, by=by, before=before)
    return material


@contextmanager
def _material(recommendation: Recommendation) -> Iterator[dict]:
    """The material's form: the recommended file (open while the material copies it), else its link, else the text
    of the recommendation.

    A file the storage no longer holds is left out, and ``recommendation.file_missing`` says so: the reading is
    still picked, by its link or its text, rather than refused for good (a recommendation is not edited)."""
    title = recommendation.title
    if recommendation.file:
        try:
            handle = recommendation.file.open("rb")
        except FileNotFoundError:
            logger.warning("Recommended file %s is missing from the file storage", recommendation.file.name)
            recommendation.file_missing = True
        else:
            with handle:
                yield {
                    "title": title,
                    "kind": Material.Kind.FILE,
                    "upload": File(handle, name=recommendation.original_name or "file"),
                }
            return
    if recommendation.url:
        yield {"title": title, "kind": Material.Kind.LINK, "url": recommendation.url}
        return
    text = "\n".join(part for part in (recommendation.source, recommendation.why) if part)
    yield {"title": title, "kind": Material.Kind.TEXT, "text": text}
