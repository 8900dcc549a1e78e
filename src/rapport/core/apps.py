import time

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from rapport.core.two_factor import remember_state_at_login

        user_logged_in.connect(remember_state_at_login, dispatch_uid="rapport.core.two_factor")

        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_in_wal_mode, dispatch_uid="rapport.core.sqlite_wal")


def _sqlite_in_wal_mode(sender: object, connection: object, **kwargs: object) -> None:
    """Put a SQLite file in WAL mode once; the mode stays with the file.

    Asking for it on every new connection (an init_command) needs a lock that SQLite does not wait
    for: a web process connecting while another writes failed with "database is locked" (a 500).
    """
    if getattr(connection, "vendor", "") != "sqlite":
        return
    from django.db import OperationalError

    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        # Two web processes opening a new file at once both find it in the old mode; the one whose switch
        # finds the file locked waits for the other's and reads the mode again (a 500 on the first login).
        for attempt in range(100):
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()
            if not mode or str(mode[0]).lower() in {"wal", "memory"}:
                return
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                return
            except OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.05)
