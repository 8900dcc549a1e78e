"""The task queue in Django's admin: failed tasks with their error, and retrying them.

Replaces the read-only admin that django-tasks-db registers: same detail
page, plus attempts and the error in the list, and a "Retry selected tasks"
action that goes through ``task_retry`` like ``rapport tasks retry``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin as PackageTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from rapport.common.admin import ReadOnlyAdmin
from rapport.common.errors import RapportError
from rapport.core.jobs.services import task_retry
from rapport.core.models import OutboundEmail, ScheduleSlot, WorkerHeartbeat

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(PackageTaskResultAdmin):
    list_display = ("id", "task_name", "status", "attempts", "error", "enqueued_at", "finished_at", "run_after", "queue_name")  # type: ignore[assignment]
    list_filter = ("status", "queue_name", "task_path")
    search_fields = ("id", "task_path", "exception_class_path")
    actions = ["retry_selected"]

    @admin.display(description="attempts")
    def attempts(self, obj: DBTaskResult) -> int:
        return len(obj.worker_ids)

    @admin.display(description="error")
    def error(self, obj: DBTaskResult) -> str:
        lines = [line.strip() for line in obj.traceback.strip().splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""

    @admin.action(description="Retry selected tasks")
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[DBTaskResult]) -> None:
        try:
            retried = task_retry(actor=request.user, task_ids=list(queryset.values_list("pk", flat=True)), via="admin")  # type: ignore[arg-type]
        except RapportError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        self.message_user(request, f"{len(retried)} task(s) queued again.", level=messages.SUCCESS)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "queues", "started_at", "last_seen_at")


@admin.register(ScheduleSlot)
class ScheduleSlotAdmin(ReadOnlyAdmin):
    list_display = ("job", "slot", "claimed_by", "claimed_at", "task_result")
    list_filter = ("job",)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("subject", "to", "status", "created_at", "sent_at", "last_error")
    list_filter = ("status",)
    search_fields = ("subject", "message_id")
