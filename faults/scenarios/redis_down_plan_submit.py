"""Redis is down while staff submit plans: each submit answers at once, and each leader is e-mailed once when Redis
is back (the outbox and its relay)."""

from faults import harness, web
from faults.world import build_town

TOWNS = 3


def run() -> dict:
    towns = [build_town() for _ in range(TOWNS)]
    web.warm_up(towns[0].staff)
    harness.BROKER.stop()
    with web.timed() as slowest:
        for town in towns:
            web.post(town.staff, "plans:plan-submit", town.plan.pk)
    return harness.recover_outbox(
        fault="Redis down during plan submit",
        in_flight=f"{TOWNS} plan submits (slowest answer {slowest.seconds:.2f} s)",
        expected_mail={town.leader.email: 1 for town in towns},
    )
