"""Writes of the self-study ledger: targets, entries, and the reminder near a period's end."""

from __future__ import annotations

import datetime
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.models import ResearchTopic, StudyPlan
from practice import ledger, selectors
from practice.models import Per, SelfStudyEntry, SelfStudyKind, SelfStudyReminder, SelfStudyTarget
from practice.periods import period_of
from studygroup import access, audit, formats, notifications
from studygroup.models import AuditEntry, Person, StudyGroup, User
from studygroup.uploads import clean_name

# The "1112" practice of seed 004: a book each quarter, a village stay each month, two reports a year
# (the fourth "1", reading theory every day, is not tracked: no time-on-app figure of any kind).
PRESET_1112 = {
    SelfStudyKind.BOOK: (Per.QUARTER, 1),
    SelfStudyKind.FIELD_STAY: (Per.MONTH, 1),
    SelfStudyKind.REPORT: (Per.YEAR, 2),
}


# Targets -------------------------------------------------------------------------------------


@transaction.atomic
def targets_set(*, plan: StudyPlan, targets: dict[str, tuple[str, int] | None], by: User) -> list[SelfStudyTarget]:
    """Set the plan's target of each kind named in ``targets`` (``None`` removes it); return the plan's targets."""
    access.require(by, "practice.targets_set", plan)
    StudyPlan.objects.select_for_update().get(pk=plan.pk)  # two saves at once apply one after the other
    for kind, value in targets.items():
        if kind not in SelfStudyKind.values:
            raise ValidationError(_("Unknown kind of self-study."))
        target = SelfStudyTarget.objects.filter(plan=plan, kind=kind).first()
        if value is None:
            if target is not None:
                audit.delete(target, by=by)
            continue
        per, count = value
        if per not in Per.values or not 1 <= count <= 99:
            raise ValidationError({kind: _("Choose a period and a count from 1 to 99.")})
        if target is None:
            target = SelfStudyTarget.objects.create(plan=plan, kind=kind, per=per, count=count)
            audit.record(AuditEntry.Action.CREATE, target, by=by)
        elif (target.per, target.count) != (per, count):
            before = audit.stored(target)
            target.per, target.count = per, count
            target.save(update_fields=["per", "count", "updated_at"])
            audit.record(AuditEntry.Action.UPDATE, target, by=by, before=before)
    return ledger.sorted_targets(plan.selfstudy_targets.all())


# Entries -------------------------------------------------------------------------------------


def _check_entry(*, person: Person, kind: str, on: datetime.date, title: str, research: ResearchTopic | None) -> None:
    errors = {}
    if kind not in SelfStudyKind.values:
        errors["kind"] = _("Choose a valid kind.")
    if on > timezone.localdate():
        errors["on"] = _("The date cannot be in the future.")
    if not title.strip():
        errors["title"] = _("Give the title.")
    if research is not None:
        if kind != SelfStudyKind.REPORT:
            errors["research"] = _("Only a research report links a research topic.")
        elif not selectors.research_topics_of(person=person, year=on.year).filter(pk=research.pk).exists():
            errors["research"] = _("Choose a research topic you own or take part in.")
    if errors:
        raise ValidationError(errors)


def _store(entry: SelfStudyEntry, upload) -> None:
    entry.original_name = clean_name(upload.name)
    entry.file.save(f"{uuid.uuid4().hex}{os.path.splitext(entry.original_name)[1].lower()}", upload, save=False)


@transaction.atomic
def entry_create(
    *,
    person: Person,
    kind: str,
    on: datetime.date,
    title: str,
    by: User,
    note: str = "",
    upload=None,
    research: ResearchTopic | None = None,
) -> SelfStudyEntry:
    """A member records what they studied on their own (the file, if any, is already checked by the form)."""
    access.require(by, "practice.selfstudy_record", person)
    _check_entry(person=person, kind=kind, on=on, title=title, research=research)
    entry = SelfStudyEntry(person=person, kind=kind, on=on, title=title.strip(), note=note.strip(), research=research)
    if upload is not None:
        _store(entry, upload)
    entry.save()
    audit.record(AuditEntry.Action.CREATE, entry, by=by)
    return entry


@transaction.atomic
def entry_update(
    *,
    entry: SelfStudyEntry,
    kind: str,
    on: datetime.date,
    title: str,
    by: User,
    note: str = "",
    upload=None,
    research: ResearchTopic | None = None,
) -> SelfStudyEntry:
    access.require(by, "practice.entry_change", entry)
    _check_entry(person=entry.person, kind=kind, on=on, title=title, research=research)
    before = audit.stored(entry)
    entry.kind, entry.on, entry.title, entry.note, entry.research = kind, on, title.strip(), note.strip(), research
    if upload is not None:
        _store(entry, upload)
    entry.save()
    audit.record(AuditEntry.Action.UPDATE, entry, by=by, before=before)
    return entry


@transaction.atomic
def entry_delete(*, entry: SelfStudyEntry, by: User) -> None:
    access.require(by, "practice.entry_change", entry)
    audit.delete(entry, by=by)


# The reminder near the end of a period ---------------------------------------------------------


def reminders_send(*, today: datetime.date) -> int:
    """Remind each member behind on a target once, in the last days of its period; return how many were told.

    One notification per member and day names every target they are behind on; a ``SelfStudyReminder``
    per (member, group, kind, period) makes sure nobody hears of one period twice, however often this runs.
    """
    days = settings.SELFSTUDY_REMINDER_DAYS
    plans = StudyPlan.objects.filter(year=today.year, selfstudy_targets__isnull=False).distinct()
    sent = 0
    for group in StudyGroup.objects.filter(plans__in=plans, is_active=True).select_related("organization"):
        _plan, targets = selectors.plan_with_targets(group=group, year=today.year)
        closing = [t for t in targets if 0 <= (period_of(t.per, today).end - today).days < days]
        if closing:
            sent += _remind_group(group, closing, today)
    return sent


def _remind_group(group: StudyGroup, targets: list[SelfStudyTarget], today: datetime.date) -> int:
    seats = selectors.judged_seats(group=group, day=today)
    counts = selectors.month_counts(person_ids=[seat.person_id for seat in seats], year=today.year)
    sent = 0
    for seat in seats:
        person = seat.person
        if person.user_id is None:
            continue
        behind = []
        for target in targets:
            period = period_of(target.per, today)
            done = sum(counts.get(person.pk, {}).get(target.kind, {}).get(month, 0) for month in period.months)
            if done < target.count and _claim(person, group, target.kind, period.start):
                behind.append(
                    _("%(target)s: %(done)d of %(count)d by %(date)s")
                    % {
                        "target": target.get_kind_display(),
                        "done": done,
                        "count": target.count,
                        "date": formats.month_day_zh(period.end),
                    }
                )
        if behind:
            notifications.send(
                to=[person.user],
                verb="selfstudy_behind",
                title=_("Self-study: %(items)s") % {"items": "; ".join(behind)},
                body=_("Record what you have read or where you have been in your self-study ledger."),
                url=reverse("practice:my-selfstudy"),
            )
            sent += 1
    return sent


def _claim(person: Person, group: StudyGroup, kind: str, period_start: datetime.date) -> bool:
    """Record that this period's reminder goes out; ``False`` when it already went (the unique key decides)."""
    try:
        with transaction.atomic():
            SelfStudyReminder.objects.create(person=person, group=group, kind=kind, period_start=period_start)
    except IntegrityError:
        return False
    return True
