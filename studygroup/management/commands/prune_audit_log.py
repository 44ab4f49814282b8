"""Delete audit entries older than AUDIT_RETENTION_DAYS (at least 180 days)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from studygroup import audit


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (never younger than 180 days)."

    def handle(self, *args, **options):
        deleted = audit.prune()
        self.stdout.write(f"{deleted} entries older than {settings.AUDIT_RETENTION_DAYS} days deleted.")
