import sys
import time

from django.core.management.base import BaseCommand, CommandError

from reports.bundle.importer import BundleError, import_bundle


class Command(BaseCommand):
    help = "Import a records bundle (records-format.md): all or nothing; every problem is reported with its place."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the bundle, or - for standard input")

    def handle(self, *args, file, **options):
        raw = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()  # noqa: SIM115
        started = time.monotonic()

        def progress(section: str, count: int) -> None:
            self.stderr.write(f"  {section}: {count}")

        try:
            counts = import_bundle(raw, progress=progress)
        except BundleError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} problems; nothing was imported") from exc
        self.stdout.write(f"imported {sum(counts.values())} records in {time.monotonic() - started:.1f} s")
