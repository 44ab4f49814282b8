"""Redis is down while staff press 立即编制: each press answers at once and records its run; when Redis is back each
run compiles its digest, once."""

from faults import harness, web
from faults.world import build_town
from reports.models import MonthlyDigest, TaskRun
from studygroup.models import OutboxMessage

TOWNS = 3
YEAR, MONTH = 2026, 3


def run() -> dict:
    towns = [build_town() for _ in range(TOWNS)]
    web.warm_up(towns[0].staff)
    harness.BROKER.stop()
    with web.timed() as slowest:
        for town in towns:
            web.post(town.staff, "reports:digest-compile", data={"year": YEAR, "month": MONTH})
    runs = TaskRun.objects.filter(name="compile_digests", organization__in=[town.organization for town in towns])
    messages = list(
        OutboxMessage.objects.filter(
            task_name="reports.compile_digests", kwargs__run_id__in=list(runs.values_list("pk", flat=True))
        )
    )

    def compiled() -> bool:
        digests = MonthlyDigest.objects.filter(year=YEAR, month=MONTH, organization__in=[t.organization for t in towns])
        return runs.filter(state=TaskRun.State.SUCCEEDED).count() == TOWNS and digests.count() == TOWNS

    return harness.recover_outbox(
        fault="Redis down during 立即编制",
        in_flight=f"{TOWNS} compile requests, {len(messages)} in the outbox (slowest answer {slowest.seconds:.2f} s)",
        expected_mail={},
        done=compiled,
        duplicates=lambda worker: sum(max(0, harness.executions(worker, m.pk) - 1) for m in messages),
    )
