#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that compare or write code and never sign, serve or send anything: they run without SECRET_KEY (and
# with DEBUG as set, off unless asked), on a throwaway key, so `makemigrations --check` works in any checkout.
KEYLESS_COMMANDS = {"makemigrations"}


def main() -> None:
    # Development mode is asked for with DEBUG=1, never inferred: without it the settings require SECRET_KEY.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("STUDYGROUP_KEYLESS_COMMAND", sys.argv[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
