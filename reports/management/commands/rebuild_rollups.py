from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.rollups import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every dashboard rollup of a year (the nightly full rebuild; the periodic job rebuilds marked groups)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year (default: this year)")

    def handle(self, *args, year=None, **options):
        self.stdout.write(str(rebuild(year or timezone.localdate().year)))
