import json

from django.core.management.base import BaseCommand, CommandError

from reports.figures import year_figures
from studygroup.dbrouter import use_replica
from studygroup.models import Organization


class Command(BaseCommand):
    help = "Print the year figures of an organization's subtree (records-format.md, 'Year figures')."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization code")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--json", action="store_true", help="print one JSON object (the only format offered)")

    @use_replica()
    def handle(self, *args, org, year, **options):
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f'unknown organization code "{org}"')
        self.stdout.write(json.dumps(year_figures(organization, year), ensure_ascii=False, indent=2))
