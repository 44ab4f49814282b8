from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from demo.seed import ADMIN_USERNAME, DEMO_PASSWORD, seed_demo
from studygroup.models import Organization


class Command(BaseCommand):
    help = "Create the demo hierarchy of Linjiang city with a login for every role; safe to run again."

    def handle(self, *args, **options):
        logins = seed_demo()
        names = dict(
            Organization.objects.filter(code__in=[login.organization for login in logins]).values_list("code", "name")
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data is ready. Every login below uses the password %(password)s") % {"password": DEMO_PASSWORD}
            )
        )
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.description}({names[login.organization]})")
        self.stdout.write(f"  {ADMIN_USERNAME.ljust(width)}  " + _("System administrator (Django admin)"))
