"""The outbox relay: publish the outbox messages the web could not hand to the broker (``studygroup.outbox``).

Run exactly as a long-lived process beside the workers (a systemd unit with ``Restart=always``): it needs only the
database to find work, so it keeps going while Redis is down and empties the outbox when Redis is back. A beat
task would not do: beat itself needs the broker. Several relays may run; each row is taken by one of them
(``FOR UPDATE SKIP LOCKED``).
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from studygroup import outbox


class Command(BaseCommand):
    help = "Publish pending outbox messages to Celery, every few seconds (--once: one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Publish what is due once, then exit.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between passes (default 2).")
        parser.add_argument("--batch", type=int, default=outbox.BATCH, help="Messages per pass at most.")

    def handle(self, *args, once=False, interval=2.0, batch=outbox.BATCH, verbosity=1, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while True:
            published, failed = self._pass(batch)
            if verbosity > 1 or (once and verbosity):
                self.stdout.write(f"{published} published, {failed} failed")
            if once or stopping:
                return
            if published < batch:  # a full batch: more may be waiting, go on at once
                time.sleep(interval)
            if stopping:
                return

    def _pass(self, batch: int) -> tuple[int, int]:
        if not connection.in_atomic_block:
            close_old_connections()  # a database that went away meanwhile: reconnect instead of failing forever
        try:
            return outbox.relay(batch=batch)
        except Exception as exc:  # the database is down: say so and try again on the next pass
            self.stderr.write(f"relay pass failed: {exc!r}")
            return 0, 0
