from django.core.management.base import BaseCommand, CommandError

from reports.bundle.exporter import write
from studygroup.dbrouter import use_replica
from studygroup.models import Organization


class Command(BaseCommand):
    help = "Write the records of an organization's subtree as a bundle (records-format.md) to standard output."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization code")
        parser.add_argument("--year", type=int, help="only the records of this year")

    @use_replica()
    def handle(self, *args, org, year=None, **options):
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f'unknown organization code "{org}"')
        # Written as it is read: the memory needed stays the same whatever the size of the subtree.
        for piece in write(organization, year):
            self.stdout.write(piece, ending="")
        self.stdout.write("")
