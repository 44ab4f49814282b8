#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    # Development mode is asked for with DEBUG=1, never inferred: without it the settings require SECRET_KEY.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
