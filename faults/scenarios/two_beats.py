"""Two beats running at once (a deployment mistake, or a failover) firing the daily reminders every few seconds
(issue 15, failure 6): the day's key is claimed in the database, so each person is reminded once."""

from __future__ import annotations

import datetime
import time

if __name__ == "__main__":
    from faults.scenarios import _jobs_support as support

    support.setup()

from faults.scenarios import _jobs_support as support

FIRES_EVERY_S, RUN_S = 3, 20
NAME = "故障演练:每3秒发送每日提醒"


def _people(count: int) -> list:
    """Members each with an overdue measure: the daily reminders owe each of them one reminder."""
    from django.utils import timezone

    from audits.tests.factories import ActionFactory
    from studygroup.models import StudyGroup
    from studygroup.tests.factories import user_with_role

    county = support.tree(0)
    group = StudyGroup.objects.get(organization=county)
    people = [user_with_role("member", county) for _index in range(count)]
    for person in people:
        ActionFactory(group=group, owner=person.person, due_on=timezone.localdate() - datetime.timedelta(days=1))
    return people


def run() -> dict:
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from studygroup.models import JobClaim, Notification

    people = _people(5)
    started = timezone.now()
    # This scenario is the day's reminder run of the fault database: forget an earlier run's claim.
    JobClaim.objects.filter(key=f"reminders:{timezone.localdate():%Y-%m-%d}").delete()
    every, _created = IntervalSchedule.objects.get_or_create(every=FIRES_EVERY_S, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name=NAME).delete()
    PeriodicTask.objects.create(name=NAME, task="reports.daily_reminders", interval=every)
    support.purge_queues()
    env = support.environment()
    recovery = None
    try:
        with (
            support.worker(env, name="two-beats", slow=False),
            support.beat(env, "beat-a"),
            support.beat(env, "beat-b"),
        ):
            first = time.monotonic()
            support.wait_for(
                lambda: Notification.objects.filter(recipient__in=people, verb="action_overdue").count() >= len(people),
                60,
                "nobody was reminded",
            )
            recovery = round(time.monotonic() - first, 1)
            time.sleep(RUN_S)  # both beats keep firing it
    finally:
        PeriodicTask.objects.filter(name=NAME).delete()
    received = {
        person.pk: Notification.objects.filter(recipient=person, verb="action_overdue", created_at__gte=started).count()
        for person in people
    }
    return {
        "fault": "two beats firing the daily reminders every 3 s",
        "in_flight": f"{len(people)} people owed a reminder, {RUN_S} s of both beats",
        "lost": sum(1 for n in received.values() if n == 0),
        "duplicated": sum(max(0, n - 1) for n in received.values()),
        "recovery_s": recovery,
    }


if __name__ == "__main__":
    print(run())
