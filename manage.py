#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongzhou_care.settings.dev")
    from django.core.management import execute_from_command_line

    from tongzhou_care.core.audit import command_context

    # Writes of commands and the shell name their command and account (docs/audit.md).
    with command_context(sys.argv):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
