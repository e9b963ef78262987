#!/usr/bin/env python
"""Django's command-line utility for HOPE Coordinator."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hope.settings")
    from django.core.management import execute_from_command_line

    from hope.startup import exit_on_bad_settings

    with exit_on_bad_settings():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
