import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.bundle.importer import BundleError, import_bundle, load


class Command(BaseCommand):
    help = "Import a records bundle (records-format.md): all or nothing; every problem is reported with its place."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the bundle, or - for standard input")

    def handle(self, *args, file, **options):
        try:
            raw = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}) from exc
        started = time.monotonic()

        def progress(section: str, count: int) -> None:
            self.stderr.write(f"  {section}: {count}")

        try:
            document = load(raw)
            del raw  # the bytes are not kept beside the document while it is imported
            imported = import_bundle(document, progress=progress)
        except BundleError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                _("%(count)d problems found; nothing was imported.") % {"count": len(exc.errors)}
            ) from exc
        self.stdout.write(
            _("Checked %(count)d records, created or changed %(written)d, in %(seconds).1f s.")
            % {
                "count": sum(imported.counts.values()),
                "written": imported.written,
                "seconds": time.monotonic() - started,
            }
        )
