"""A writer process for the durability tests (run as ``python -m tests.security.durability_writer``).

``setup``: migrate the database of DATABASE_URL / RAPPORT_VAR_DIR and create the writing user.
``write TAG COUNT LEDGER``: create COUNT contacts through the service; each id is appended to
LEDGER (and fsync'd) only after its transaction committed. Errors are printed, one per line.
``pragmas``: print the SQLite connection's journal mode and busy timeout as JSON.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rapport.core.models import User
    from rapport.core.services import user_create
    from rapport.customers.services import contact_create

    command = sys.argv[1]
    if command == "setup":
        call_command("migrate", verbosity=0)
        user_create(username="writer", password="correct-horse-battery", role="sales_rep")
    elif command == "pragmas":
        with connection.cursor() as cursor:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        print(json.dumps({"journal_mode": mode, "busy_timeout": timeout, "transaction_mode": connection.transaction_mode}))
    elif command == "write":
        tag, count, ledger = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        actor = User.objects.get(username="writer")
        with open(ledger, "a", encoding="utf-8") as out:
            for n in range(count):
                try:
                    contact = contact_create(actor=actor, data={"last_name": f"{tag} {n}"})
                except Exception as exc:
                    print(f"{type(exc).__name__}: {exc}", flush=True)
                    if connection.vendor == "postgresql":
                        return  # the server is gone: a crash test ends its writers this way
                    continue
                # contact_create returned: its transaction committed. Only now is the id a promise.
                out.write(f"{contact.pk}\n")
                out.flush()
                os.fsync(out.fileno())


if __name__ == "__main__":
    main()
