"""Background work of data operations: lead imports (``lead_import.py``)."""

from __future__ import annotations

from django_tasks import task

from rapport.core.jobs.retry import retrying
from rapport.dataops.lead_import import lead_import_run


@retrying(max_attempts=5)
@task()
def run_lead_import(lead_import_id: int) -> dict[str, int]:
    """Import a confirmed file; a retry after a crash resumes at the first row not yet imported."""
    done = lead_import_run(lead_import_id=lead_import_id)
    return {"created": done.created_count, "duplicates": done.duplicate_count, "errors": done.error_count}
