"""Every write of the reports app: digests compiled, edited and published; job runs started; year summaries saved."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from itertools import groupby
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import digest as digest_content
from reports.models import MonthlyDigest, TaskRun, YearSummary
from studygroup import access, audit, notifications, outbox, rollup_marks
from studygroup import services as core_services
from studygroup.models import AuditEntry, Notification, Organization, StudyGroup, User


@transaction.atomic
def digest_compile(*, organization: Organization, year: int, month: int, by: User | None = None) -> MonthlyDigest:
    """Compile (or recompile) the month's digest; one per organization and month; a published one is kept as is.

    ``by``: the user who asked for the run (``None`` for the monthly schedule).
    """
    existing = (
        MonthlyDigest.objects.select_for_update().filter(organization=organization, year=year, month=month).first()
    )
    if existing is not None and existing.status == MonthlyDigest.Status.PUBLISHED:
        return existing
    content = digest_content.build(organization, year, month)
    now = timezone.now()
    if existing is None:
        number = MonthlyDigest.objects.filter(organization=organization, year=year, month__lt=month).count() + 1
        try:
            with transaction.atomic():
                created = MonthlyDigest.objects.create(
                    organization=organization, year=year, month=month, number=number, content=content, compiled_at=now
                )
            audit.record(AuditEntry.Action.CREATE, created, by=by)
            _renumber_drafts(organization, year, by)
            created.refresh_from_db(fields=["number"])
            return created
        except IntegrityError:
            # Another worker created it a moment ago: recompile that one.
            existing = MonthlyDigest.objects.select_for_update().get(organization=organization, year=year, month=month)
            if existing.status == MonthlyDigest.Status.PUBLISHED:
                return existing
    before = audit.stored(existing)
    existing.content, existing.compiled_at = content, now
    existing.save(update_fields=["content", "compiled_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, existing, by=by, before=before)
    return existing


def _renumber_drafts(organization: Organization, year: int, by: User | None) -> None:
    """Number the year's issues in month order, whatever order they were compiled in; a published number stays."""
    digests = MonthlyDigest.objects.select_for_update().filter(organization=organization, year=year).order_by("month")
    for number, digest in enumerate(digests, start=1):
        if digest.status != MonthlyDigest.Status.PUBLISHED and digest.number != number:
            old, digest.number = digest.number, number
            digest.save(update_fields=["number", "updated_at"])
            audit.record(AuditEntry.Action.UPDATE, digest, by=by, changes={"number": [old, number]})


@transaction.atomic
def digest_compile_many(
    *, organizations: Sequence[Organization], year: int, month: int, by: User | None = None
) -> list[MonthlyDigest]:
    """Compile (or recompile) the month's digests of a chunk of organizations, each as ``digest_compile`` does it
    alone (the same content, number and log entries; a published one kept as is), read set-based and written in
    bulk. Compiling again gives the same digests, not new ones; a digest another worker created meanwhile makes
    the chunk fail whole (the run then compiles its organizations one by one). Return the digests written."""
    from reports import digest_chunk

    by_pk = {organization.pk: organization for organization in organizations}
    existing = {
        found.organization_id: found
        for found in MonthlyDigest.objects.select_for_update()
        .filter(organization__in=list(by_pk), year=year, month=month)
        .order_by()
    }
    chosen = [
        o for o in organizations if o.pk not in existing or existing[o.pk].status != MonthlyDigest.Status.PUBLISHED
    ]
    contents = digest_chunk.build_many(chosen, year, month)
    now = timezone.now()
    updated = [existing[o.pk] for o in chosen if o.pk in existing]
    before = {found.pk: audit.values(found) for found in updated}
    for found in updated:
        found.organization = by_pk[found.organization_id]
        found.content, found.compiled_at, found.updated_at = contents[found.organization_id], now, now
    _store_contents(updated, now)
    changed = {found.pk: audit.update_changes(found, before[found.pk]) for found in updated}
    _log_many(AuditEntry.Action.UPDATE, [found for found in updated if changed[found.pk]], by, changed.get)
    fresh = [o for o in chosen if o.pk not in existing]
    earlier = dict(
        MonthlyDigest.objects.filter(organization__in=fresh, year=year, month__lt=month)
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values_list("organization", "n")
    )
    created = MonthlyDigest.objects.bulk_create(
        [
            MonthlyDigest(
                organization=o,
                year=year,
                month=month,
                number=earlier.get(o.pk, 0) + 1,
                content=contents[o.pk],
                compiled_at=now,
            )
            for o in fresh
        ],
        batch_size=500,
    )
    _log_many(AuditEntry.Action.CREATE, created, by)
    if fresh:  # an issue of a later month compiled before this one is numbered after it now
        _renumber_drafts_many(fresh, year, by)
    return updated + created


def _store_contents(digests: list[MonthlyDigest], now) -> None:
    """Write the new content of ``digests`` (compiled ``now``) in one statement. On PostgreSQL an ``UPDATE`` from
    arrays: ``bulk_update``'s ``CASE`` of a few hundred JSON documents costs more than compiling them."""
    if not digests:
        return
    if connection.vendor != "postgresql":
        MonthlyDigest.objects.bulk_update(digests, ["content", "compiled_at", "updated_at"], batch_size=500)
        return
    field = MonthlyDigest._meta.get_field("content")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {MonthlyDigest._meta.db_table} AS digest"  # noqa: S608 - the table's name, not input
            " SET content = new.content, compiled_at = %s, updated_at = %s"
            " FROM unnest(%s::bigint[], %s::jsonb[]) AS new (id, content) WHERE digest.id = new.id",
            [now, now, [d.pk for d in digests], [json.dumps(d.content, cls=field.encoder) for d in digests]],
        )


def _log_many(action: str, digests: list[MonthlyDigest], by: User | None, changes_for=None) -> None:
    audit.write_many(
        action=action,
        instances=digests,
        changes_for=(lambda d: changes_for(d.pk)) if changes_for else None,
        user=by,
        organization_path_for=lambda d: d.organization.path,
    )


def _renumber_drafts_many(organizations: list[Organization], year: int, by: User | None) -> None:
    """``_renumber_drafts`` of each of ``organizations`` in one read and one bulk write."""
    by_pk = {organization.pk: organization for organization in organizations}
    digests = (
        MonthlyDigest.objects.select_for_update()
        .filter(organization__in=list(by_pk), year=year)
        .order_by("organization_id", "month")
    )
    renumbered, changes, now = [], {}, timezone.now()
    for _organization, issues in groupby(digests, key=attrgetter("organization_id")):
        for number, issue in enumerate(issues, start=1):
            if issue.status != MonthlyDigest.Status.PUBLISHED and issue.number != number:
                changes[issue.pk] = {"number": [issue.number, number]}
                issue.number, issue.updated_at = number, now
                issue.organization = by_pk[issue.organization_id]
                renumbered.append(issue)
    MonthlyDigest.objects.bulk_update(renumbered, ["number", "updated_at"], batch_size=500)
    _log_many(AuditEntry.Action.UPDATE, renumbered, by, changes.get)


@transaction.atomic
def digest_compile_start(*, organization: Organization, year: int, month: int, by: User) -> TaskRun:
    """Record a run compiling the month's digests of ``organization``'s subtree; its job is an outbox message,
    started once this commits (at once, or by the relay when the broker is down).

    The run is the key's one record: started afresh when it has finished or was interrupted, left alone (and not
    started twice) while it is going.

    Refuses, naming the field, a month that has not begun: the current month may be compiled so far (a draft
    that the monthly schedule compiles again once the month is over), a later one has nothing to report yet.
    """
    refuse_future_month(year, month)
    # The job calls the services of this module, so it is imported when a run starts.
    from reports import runs
    from reports.tasks import digest_key

    run, startable = runs.open_run(
        name="compile_digests",
        key=digest_key(year, month, organization.pk),
        organization=organization,
        by=by,
        params={"year": year, "month": month, "organization_id": organization.pk},
    )
    if startable:
        outbox.enqueue(
            "reports.compile_digests", year=year, month=month, organization_id=organization.pk, run_id=run.pk
        )
    run.started_now = startable
    return run


def refuse_future_month(year: int, month: int) -> None:
    """Raise a ``ValidationError`` on ``year`` or ``month`` when that month begins after this one."""
    today = timezone.localdate()
    if year > today.year:
        message = _("That year has not begun; choose %(year)s or earlier.") % {"year": today.year}
        raise ValidationError({"year": ValidationError(message, code="future")})
    if year == today.year and month > today.month:
        message = _("That month has not begun; choose %(month)s or earlier.") % {"month": today.month}
        raise ValidationError({"month": ValidationError(message, code="future")})


@transaction.atomic
def digest_update(*, digest: MonthlyDigest, foreword: str, excluded: list[str], by: User) -> MonthlyDigest:
    access.require(by, "change", digest)
    if digest.status == MonthlyDigest.Status.PUBLISHED:
        raise ValidationError(_("A published digest is not changed."))
    before = audit.stored(digest)
    digest.foreword, digest.excluded = foreword.strip(), sorted(set(excluded))
    digest.save(update_fields=["foreword", "excluded", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, digest, by=by, before=before)
    return digest


@transaction.atomic
def digest_publish(*, digest: MonthlyDigest, by: User) -> MonthlyDigest:
    access.require(by, "change", digest)
    core_services.lock(digest)
    if digest.status == MonthlyDigest.Status.PUBLISHED:
        raise ValidationError(_("The digest has already been published."), code=core_services.ALREADY_DONE)
    before = audit.stored(digest)
    digest.status, digest.published_at = MonthlyDigest.Status.PUBLISHED, timezone.now()
    digest.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, digest, by=by, before=before)
    # The members are told by a job, in batches: a province's digest reaches tens of thousands.
    outbox.enqueue("reports.notify_digest_readers", key=f"digest-published:{digest.pk}", digest_id=digest.pk)
    return digest


NOTIFY_BATCH = 1000


def digest_notify_readers(*, digest: MonthlyDigest, batch: int = NOTIFY_BATCH) -> int:
    """Tell the members seated in the digest's subtree that it is out, ``batch`` of them at a time (one insert of
    notifications each, in its own transaction); those an earlier run already told are skipped, so running the
    job again tells nobody twice. Return how many were told."""
    url = digest.get_absolute_url()
    told = Notification.objects.filter(verb="digest_published", url=url, recipient=OuterRef("pk"))
    readers = (
        User.objects.filter(
            is_active=True,
            person__memberships__group__organization__path__startswith=digest.organization.path,
            person__memberships__end_on__isnull=True,
        )
        .exclude(Exists(told))
        .distinct()
        .order_by("pk")
    )
    body = _("The study digest of %(period)s is out.") % {"period": digest.content.get("period", "")}
    sent, last = 0, 0
    while chunk := list(readers.filter(pk__gt=last)[:batch]):
        with transaction.atomic():
            sent += len(notifications.send(to=chunk, verb="digest_published", title=str(digest), body=body, url=url))
        last = chunk[-1].pk
    return sent


@transaction.atomic
def summary_save(*, group: StudyGroup, year: int, text: str, by: User) -> YearSummary:
    """Save the group's year-end summary (this is what makes 有总结 met)."""
    access.require(by, "change", group)
    if not text.strip():
        raise ValidationError({"text": _("Write the summary.")})
    before = audit.stored(YearSummary.objects.filter(group=group, year=year).first())
    summary, created = YearSummary.objects.update_or_create(
        group=group, year=year, defaults={"text": text.strip(), "is_final": True}
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, summary, by=by)
    else:
        audit.record(AuditEntry.Action.UPDATE, summary, by=by, before=before)
    rollup_marks.mark(group.pk, datetime.date(year, 1, 1))  # 八有 and 七有 summary
    return summary


@transaction.atomic
def summary_draft(*, group: StudyGroup, year: int, text: str) -> YearSummary:
    """Store a compiled draft unless staff already saved the summary (never overwritten)."""
    summary, created = YearSummary.objects.get_or_create(
        group=group, year=year, defaults={"text": text, "is_final": False}
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, summary, by=None)
    elif not summary.is_final:
        before = audit.stored(summary)
        summary.text = text
        summary.save(update_fields=["text", "updated_at"])
        audit.record(AuditEntry.Action.UPDATE, summary, by=None, before=before)
    return summary
