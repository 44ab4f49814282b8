#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    # A machine with neither SECRET_KEY nor DEBUG set is a developer's: run commands in development mode
    # instead of failing on the missing key. Deployments set SECRET_KEY, so DEBUG stays off for them.
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
