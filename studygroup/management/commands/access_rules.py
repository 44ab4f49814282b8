"""Print the rule book: every named access rule, its app and what it allows."""

from django.core.management.base import BaseCommand

from studygroup import access


class Command(BaseCommand):
    help = "List every access rule (name, app, description) that access.can and access.require answer."

    def handle(self, *args, **options):
        table = access.rule_table()
        name_width = max(len(name) for name, _app, _doc in table)
        app_width = max(len(app) for _name, app, _doc in table)
        self.stdout.write(f"{'rule':<{name_width}}  {'app':<{app_width}}  description")
        for name, app, doc in table:
            mark = "" if access.RULES[name].superuser else " [*]"
            self.stdout.write(f"{name:<{name_width}}  {app:<{app_width}}  {doc}{mark}")
        self.stdout.write("[*] asked for superusers too: the rule is about who someone is, not about reach.")
