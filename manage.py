#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditportal.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, so a missing secret is one clear line
    except ImproperlyConfigured as error:
        sys.exit(f"creditportal: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
