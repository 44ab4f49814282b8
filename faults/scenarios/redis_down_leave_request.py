"""Redis is down while members ask for leave: each request answers at once, and the staff and the leader who decide
are e-mailed once each when Redis is back."""

import uuid

from faults import harness, web
from faults.world import build_town

TOWNS = 3


def run() -> dict:
    towns = [build_town() for _ in range(TOWNS)]
    web.warm_up(towns[0].staff)
    harness.BROKER.stop()
    with web.timed() as slowest:
        for town in towns:
            data = {"reason": "参加上级会议", "once": str(uuid.uuid4())}
            web.post(town.member, "sessions:leave-ask", town.session.pk, data=data)
    expected = {}
    for town in towns:
        expected[town.staff.email] = expected[town.leader.email] = 1
    return harness.recover_outbox(
        fault="Redis down during leave request",
        in_flight=f"{TOWNS} leave requests (slowest answer {slowest.seconds:.2f} s)",
        expected_mail=expected,
    )
