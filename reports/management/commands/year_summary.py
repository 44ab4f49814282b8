import json

from django.core.management.base import BaseCommand, CommandError

from reports.figures import year_figures
from studygroup.dbrouter import use_replica
from studygroup.models import Organization


class Command(BaseCommand):
    help = (
        "Print the year figures of an organization's subtree (records-format.md, 'Year figures'), exact: read from "
        "the stored rollup and 八有 statuses when they are current for the subtree, otherwise computed live. It "
        "only reads: it never refreshes the rollups (the periodic job does)."
    )
    # Read only, and timed as a whole (start-up included): the system checks would load every URL and view.
    requires_system_checks: list[str] = []

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
