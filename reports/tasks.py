"""Celery jobs of the reports app. Each takes plain values and calls services; a long job fans out.

A job (``compile_digests``, ``year_summary_drafts``, ``rebuild_rollups``) keeps one ``TaskRun`` per job key,
takes the key's lease (``studygroup.jobs``), and dispatches one short task per organization or chunk with
Celery's canvas (a ``chord``: the tasks, then ``finish_run``). Each short task is idempotent (a digest per
organization and month, a published one never overwritten; a draft summary per group), counts its items on the
run once (``reports.runs``) and records an item's failure without stopping the others. A periodic job first
claims its key for the day or month (``jobs.claim``), so a second beat cannot run it twice.
"""

from __future__ import annotations

import datetime

from celery import chord, group, shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import digest_chunk, runs, services
from reports.models import MonthlyDigest, TaskRun
from studygroup import jobs
from studygroup.models import Organization, StudyGroup

TRANSIENT = jobs.TRANSIENT
# Groups per task when drafting summaries or computing the 八有 statuses of a rollup rebuild.
SUMMARY_CHUNK = 20
ROLLUP_CHUNK = 500
# Organizations per task when compiling digests (settings.DIGEST_CHUNK; read together: see reports.digest_chunk).
DIGEST_CHUNK = settings.DIGEST_CHUNK
CATCH_UP_MONTHS = 3


def previous_month(today: datetime.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def months_before(today: datetime.date, count: int) -> list[tuple[int, int]]:
    """The ``count`` months before ``today``'s, latest first."""
    months, (year, month) = [], (today.year, today.month)
    for _index in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append((year, month))
    return months


def organizations_with_groups(root: Organization | None = None) -> list[Organization]:
    """Every organization with a study group in its subtree (itself included), in tree order."""
    groups = StudyGroup.objects.filter(is_active=True)
    if root is not None:
        groups = groups.filter(organization__path__startswith=root.path)
    paths = set()
    for path in groups.values_list("organization__path", flat=True):
        paths.update(Organization.ancestor_paths(path, include_self=True))
    queryset = Organization.objects.filter(path__in=paths)
    if root is not None:
        queryset = queryset.filter(path__startswith=root.path)
    return list(queryset.order_by("path"))


def digest_chunks(organizations: list[Organization]) -> list[list[int]]:
    """The organizations' ids in chunks of a task each: a large subtree's summary (as long to compile as a chunk)
    alone and first, then ``DIGEST_CHUNK`` of the others at a time in tree order (a county with its towns reads
    the records of one subtree)."""
    detailed, summarised = digest_chunk.split_by_size(organizations)
    ids = [o.pk for o in detailed]
    return [[o.pk] for o in summarised] + [
        ids[start : start + DIGEST_CHUNK] for start in range(0, len(ids), DIGEST_CHUNK)
    ]


def digest_key(year: int, month: int, organization_id: int | None) -> str:
    return f"digests:{year}-{month:02d}:{organization_id or 'all'}"


def _dispatch(run: TaskRun, holder: str, tasks: list) -> None:
    """Run ``tasks`` in parallel, then close the run (at once when there is nothing to do)."""
    if not tasks:
        runs.finish(run.pk, holder, run.key)
        return
    chord(group(tasks))(finish_run.si(run.pk, holder, run.key))


def _start(task, *, name: str, key: str, run_id: int | None, organization=None, params=None, lease: str = ""):
    """The run this delivery works on and its holder, or (None, holder) when another live run holds the key."""
    holder = jobs.holder_of(task)
    if jobs.lease_holder(lease or key) not in (None, holder):
        return None, holder  # another run of the key is alive: leave its record alone
    run = TaskRun.objects.filter(pk=run_id).first() if run_id else TaskRun.objects.filter(key=key).first()
    if run is None or (run.holder != holder and run_id is None):
        run, startable = runs.open_run(name=name, key=key, organization=organization, params=params)
        if not startable:
            return None, holder
    if run.holder == holder and run.state in (TaskRun.State.SUCCEEDED, TaskRun.State.FAILED):
        return None, holder  # delivered again after it finished: nothing left to do
    if not jobs.lease_take(lease or run.key, holder):
        return None, holder
    return run, holder


@shared_task(bind=True, name="reports.compile_digests", **jobs.RETRY)
def compile_digests(
    self,
    year: int | None = None,
    month: int | None = None,
    organization_id: int | None = None,
    run_id: int | None = None,
    missing_only: bool = False,
) -> int:
    """Compile the month's digest of every organization with groups (or one subtree), a task per chunk of
    organizations; return how many organizations were dispatched. Without a month (the monthly schedule): catch
    up the last three months."""
    if year is None or month is None:
        return _catch_up(self)
    root = Organization.objects.filter(pk=organization_id).first() if organization_id else None
    organizations = organizations_with_groups(root)
    if missing_only:
        compiled = set(MonthlyDigest.objects.filter(year=year, month=month).values_list("organization_id", flat=True))
        organizations = [o for o in organizations if o.pk not in compiled]
        if not organizations:
            return 0
    key = digest_key(year, month, organization_id)
    params = {"year": year, "month": month, "organization_id": organization_id}
    run, holder = _start(self, name="compile_digests", key=key, run_id=run_id, organization=root, params=params)
    if run is None:
        return 0
    try:
        runs.begin(run, holder, len(organizations))
        chunks = digest_chunks(organizations)
        _dispatch(run, holder, [compile_digest_chunk.s(year, month, chunk, run.pk, holder) for chunk in chunks])
    except TRANSIENT:
        runs.waiting_for_retry(run.pk)
        raise
    return len(organizations)


def _catch_up(task) -> int:
    """Once a month (claimed, so a second beat does nothing): compile last month's digests, and those missing of
    the two months before (a run interrupted by an outage left some out)."""
    today = timezone.localdate()
    if not jobs.claim(f"beat:compile_digests:{today:%Y-%m}", jobs.holder_of(task)):
        return 0
    months = months_before(today, CATCH_UP_MONTHS)
    for index, (year, month) in enumerate(months):
        compile_digests.delay(year, month, None, None, missing_only=index > 0)
    return len(months)


@shared_task(bind=True, name="reports.compile_digest_chunk", **jobs.RETRY)
def compile_digest_chunk(self, year: int, month: int, organization_ids: list[int], run_id: int, holder: str) -> int:
    """A chunk of a run's digests, compiled together (``services.digest_compile_many``); should that fail, one by
    one, each organization's failure recorded on the run without stopping the others. Idempotent: a redelivered
    chunk skips what it counted and compiles the rest again, updating the same drafts."""
    run = TaskRun.objects.select_related("triggered_by").get(pk=run_id)
    organizations = Organization.objects.in_bulk(organization_ids)

    def work_for(organization_id: int):
        def work():
            organization = organizations.get(organization_id)
            if organization is None:
                raise ValueError(_("The organization no longer exists."))
            services.digest_compile(organization=organization, year=year, month=month, by=run.triggered_by)

        return work

    def work_all(keys: list[str]) -> None:
        chosen = [organizations[int(key)] for key in keys]  # one gone: compiled one by one, it is named
        services.digest_compile_many(organizations=chosen, year=year, month=month, by=run.triggered_by)

    items = [
        (str(pk), organizations[pk].name if pk in organizations else str(pk), work_for(pk)) for pk in organization_ids
    ]
    return runs.run_chunk(self, run_id=run_id, holder=holder, lease=run.key, items=items, work=work_all)


@shared_task(bind=True, name="reports.compile_digest_for", **jobs.RETRY)
def compile_digest_for(self, year: int, month: int, organization_id: int, run_id: int, holder: str) -> int:
    """One organization's digest of a run (idempotent: compiling again updates the draft)."""
    run = TaskRun.objects.select_related("triggered_by").get(pk=run_id)
    organization = Organization.objects.filter(pk=organization_id).first()
    label = organization.name if organization else str(organization_id)

    def work():
        if organization is None:
            raise ValueError(_("The organization no longer exists."))
        services.digest_compile(organization=organization, year=year, month=month, by=run.triggered_by)

    items = [(str(organization_id), label, work)]
    return runs.run_items(self, run_id=run_id, holder=holder, lease=run.key, items=items)


@shared_task(bind=True, name="reports.finish_run", **jobs.RETRY)
def finish_run(self, run_id: int, holder: str, lease: str) -> str:
    """The last task of a fanned-out job: its outcome on the run, its lease let go."""
    run = runs.finish(run_id, holder, lease)
    return run.state if run else ""


@shared_task(name="reports.notify_digest_readers", **jobs.RETRY)
def notify_digest_readers(digest_id: int) -> int:
    """Tell the members below a published digest that it is out (in batches; again, it tells nobody twice)."""
    digest = (
        MonthlyDigest.objects.filter(pk=digest_id, status=MonthlyDigest.Status.PUBLISHED)
        .select_related("organization")
        .first()
    )
    return services.digest_notify_readers(digest=digest) if digest is not None else 0


@shared_task(bind=True, name="reports.year_summary_drafts", **jobs.RETRY)
def year_summary_drafts(self, year: int | None = None) -> int:
    """On 20 December, draft every group's year summary from its figures (saved ones are left alone), a task per
    chunk of groups; return how many groups. The schedule's run claims its year first."""
    if year is None:
        year = timezone.localdate().year
        if not jobs.claim(f"beat:year_summary_drafts:{year}", jobs.holder_of(self)):
            return 0
    key = f"summaries:{year}"
    run, holder = _start(self, name="year_summary_drafts", key=key, run_id=None, params={"year": year})
    if run is None:
        return 0
    ids = list(StudyGroup.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    runs.begin(run, holder, len(ids))
    chunks = [ids[start : start + SUMMARY_CHUNK] for start in range(0, len(ids), SUMMARY_CHUNK)]
    _dispatch(run, holder, [draft_summaries.s(year, chunk, run.pk, holder) for chunk in chunks])
    return len(ids)


@shared_task(bind=True, name="reports.draft_summaries", **jobs.RETRY)
def draft_summaries(self, year: int, group_ids: list[int], run_id: int, holder: str) -> int:
    """Draft the year summaries of a chunk of groups (idempotent: a saved summary is left alone)."""
    from reports import narrative
    from reports.figures import year_figures_disclosed

    def work_for(group):
        def work():
            figures, _as_of, unregistered = year_figures_disclosed(group.organization, year)
            text = narrative.draft(
                organization=group.organization, year=year, figures=figures, unregistered=unregistered
            )
            services.summary_draft(group=group, year=year, text=text)

        return work

    groups = StudyGroup.objects.filter(pk__in=group_ids).select_related("organization").order_by("pk")
    items = [(str(g.pk), g.organization.name, work_for(g)) for g in groups]
    return runs.run_items(self, run_id=run_id, holder=holder, lease=f"summaries:{year}", items=items)


@shared_task(bind=True, name="reports.daily_reminders", **jobs.RETRY)
def daily_reminders(self) -> int:
    """Remind once a day: pre-study, make-ups due, observer reviews and reports due, overdue actions. The day's
    key is claimed first: a second beat (or a second delivery of another beat's message) sends nothing."""
    from reports.reminders import send_all

    today = timezone.localdate()
    key = f"reminders:{today:%Y-%m-%d}"
    holder = jobs.holder_of(self)
    if not jobs.claim(key, holder):
        return 0
    run, _startable = runs.open_run(name="daily_reminders", key=key)
    runs.begin(run, holder, 0)
    sent = send_all(today)
    TaskRun.objects.filter(pk=run.pk).update(done=sent, total=sent)
    runs.finish(run.pk, holder, key)
    return sent


@shared_task(bind=True, name="reports.refresh_rollups", **jobs.RETRY)
def refresh_rollups(self) -> int:
    """Rebuild the rollups of the groups marked dirty since the last run (every few minutes, so new records show
    within minutes); return how many rows were written. Holds the rollups' lease; one run per five minutes."""
    from reports.rollups import refresh_dirty

    now = timezone.localtime()
    holder = jobs.holder_of(self)
    slot = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    if not jobs.claim(f"beat:refresh_rollups:{slot:%Y-%m-%dT%H:%M}", holder) or not jobs.lease_take("rollups", holder):
        return 0
    try:
        return refresh_dirty()[1]
    finally:
        jobs.lease_release("rollups", holder)


@shared_task(bind=True, name="reports.rebuild_rollups", **jobs.RETRY)
def rebuild_rollups(self, year: int | None = None) -> int:
    """Rebuild every rollup of the year (nightly, and ``manage.py rebuild_rollups``): the groups' 八有 statuses a
    chunk per task, then the sums of every organization in one set-based task. Return how many groups."""
    today = timezone.localdate()
    if year is None:
        year = today.year
        if not jobs.claim(f"beat:rebuild_rollups:{today:%Y-%m-%d}", jobs.holder_of(self)):
            return 0
    key = f"rollups:{year}"
    run, holder = _start(self, name="rebuild_rollups", key=key, run_id=None, params={"year": year}, lease="rollups")
    if run is None:
        return 0
    ids = list(StudyGroup.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [ids[start : start + ROLLUP_CHUNK] for start in range(0, len(ids), ROLLUP_CHUNK)] or [[]]
    runs.begin(run, holder, len(chunks))
    # Figures as of now: a session that starts while the chunks run is counted by the next incremental run.
    as_of = timezone.now().isoformat()
    chord(group(rollup_statuses.s(year, chunk, run.pk, holder) for chunk in chunks))(
        rollup_totals.si(year, run.pk, holder, as_of)
    )
    return len(ids)


@shared_task(bind=True, name="reports.rollup_statuses", **jobs.RETRY)
def rollup_statuses(self, year: int, group_ids: list[int], run_id: int, holder: str) -> int:
    """Compute and store the 八有/七有 statuses of a chunk of groups (idempotent: they replace the stored ones)."""
    from reports.rollups import store_statuses

    def work():
        store_statuses(year, set(group_ids))

    first, last = (group_ids[0], group_ids[-1]) if group_ids else (0, 0)
    label = _("Groups %(first)s to %(last)s") % {"first": first, "last": last}
    return runs.run_items(self, run_id=run_id, holder=holder, lease="rollups", items=[(f"g{first}", label, work)])


@shared_task(bind=True, name="reports.rollup_totals", **jobs.RETRY)
def rollup_totals(self, year: int, run_id: int, holder: str, as_of: str | None = None) -> int:
    """The sums of every organization from the stored statuses, in one transaction, as of the moment the run
    started (``as_of``, ISO 8601); then the run's outcome."""
    from reports.rollups import rebuild

    if not runs.heartbeat(run_id, holder, "rollups"):
        return 0  # another rebuild took over
    try:
        moment = datetime.datetime.fromisoformat(as_of) if as_of else None
        written = rebuild(year, statuses_stored=True, as_of=moment)
    except TRANSIENT:
        raise
    except Exception as exc:
        runs.fail(run_id, holder, "rollups", _("Rebuilding failed: %(error)s") % {"error": exc})
        return 0
    runs.finish(run_id, holder, "rollups")
    return written
