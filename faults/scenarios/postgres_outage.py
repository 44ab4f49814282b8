"""PostgreSQL gone for 40 s under a worker compiling digests (issue 15, failure 5): each organization's task
retries with backoff, the run carries on when the database is back and no digest is missing (the job used to be
abandoned at 298/300 after ~20 s). The worker reaches PostgreSQL through a proxy that drops every connection and
refuses new ones for the outage."""

from __future__ import annotations

import os
import time

if __name__ == "__main__":
    from faults.scenarios import _jobs_support as support

    support.setup()

from faults.scenarios import _jobs_support as support

YEAR, MONTH, TOWNS = 2026, 10, 12
OUTAGE_S = float(os.environ.get("FAULTS_PG_OUTAGE", "40"))


def run() -> dict:
    from reports.tasks import compile_digests

    county = support.tree(TOWNS)
    support.purge_queues()
    recovery = None
    with support.PostgresProxy() as proxy, support.worker(support.environment(proxy.url()), name="pg-outage"):
        compile_digests.delay(YEAR, MONTH, county.pk)
        support.wait_for(lambda: support.run_done(county, YEAR, MONTH) >= 3, 120, "the compile never started")
        proxy.outage()
        done_then = support.run_done(county, YEAR, MONTH)
        time.sleep(OUTAGE_S)
        proxy.restore()
        back = time.monotonic()
        try:
            # The longest wait between two retries is 150 s (studygroup.jobs.RETRY).
            support.wait_for(lambda: support.run_state(county, YEAR, MONTH) == "succeeded", 240, "no recovery")
            recovery = round(time.monotonic() - back, 1)
        except AssertionError:
            pass
    outcome = support.digest_outcome(county, YEAR, MONTH)
    return {
        "fault": f"PostgreSQL unreachable for {OUTAGE_S:.0f} s mid-compile",
        "in_flight": f"digests of {outcome['total']} organizations, {done_then} done at the outage",
        "lost": outcome["lost"],
        "duplicated": outcome["duplicated"],
        "recovery_s": recovery,
    }


if __name__ == "__main__":
    print(run())
