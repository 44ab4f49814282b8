"""A worker killed with ``kill -9`` (main process and pool) in the middle of compiling digests, then started again
as its supervisor would (issue 15, failure 3 and 4): the tasks it held come back after the visibility timeout,
the run record carries on (one record, never "running" forever) and every digest is compiled once."""

from __future__ import annotations

import time

if __name__ == "__main__":
    from faults.scenarios import _jobs_support as support

    support.setup()

from faults.scenarios import _jobs_support as support

YEAR, MONTH, TOWNS = 2026, 10, 12


def run() -> dict:
    from django.conf import settings

    from reports.tasks import compile_digests

    county = support.tree(TOWNS)
    support.purge_queues()
    env = support.environment()
    window = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 90
    recovery = None
    with support.worker(env, name="doomed") as doomed:
        compile_digests.delay(YEAR, MONTH, county.pk)
        support.wait_for(lambda: support.run_done(county, YEAR, MONTH) >= 3, 120, "the compile never started")
        doomed.kill()
        killed_at, done_then = time.monotonic(), support.run_done(county, YEAR, MONTH)
    with support.worker(env, name="restarted"):
        try:
            support.wait_for(lambda: support.run_state(county, YEAR, MONTH) == "succeeded", window, "no recovery")
            recovery = round(time.monotonic() - killed_at, 1)
        except AssertionError:
            pass
    outcome = support.digest_outcome(county, YEAR, MONTH)
    return {
        "fault": "worker (main process and pool) killed -9 mid-compile, restarted (window: visibility timeout)",
        "in_flight": f"digests of {outcome['total']} organizations, {done_then} done at the kill",
        "lost": outcome["lost"],
        "duplicated": outcome["duplicated"],
        "recovery_s": recovery,
    }


if __name__ == "__main__":
    print(run())
