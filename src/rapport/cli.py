"""The ``rapport`` command: Django's management commands under one name.

``rapport serve``, ``rapport worker``, ``rapport createuser`` and ``rapport demo``
are Rapport's own commands; every Django command (``migrate``, ``shell``...)
works too. ``rapport --help`` lists them.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "rapport"
    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
