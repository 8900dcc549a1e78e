"""Background work: Rapport's layer over django-tasks and its database backend.

django-tasks gives the ``@task`` decorator and ``enqueue``; django-tasks-db
stores each task as a row and runs it (``DBTaskResult``). This package adds
what a CRM needs from that queue (see docs/adr/0003-background-work.md):

* ``worker``     — ``rapport worker``: heartbeat, reaper, scheduler tick, task loop;
* ``retry``      — ``@retrying(...)``: attempts, exponential backoff with jitter;
* ``liveness``   — heartbeats and the reaper that requeues a lost worker's tasks;
* ``scheduler``  — periodic jobs, each slot fired once however many workers run;
* ``idempotency``— ``once(key)``: a completion key committed with the work;
* ``services`` / ``selectors`` — retrying failed tasks, listing them;
* ``mail``       — ``email_queue`` and the ``send_email`` task (SMTP).

Writing a task that is safe to repeat
-------------------------------------
Delivery is at least once: a task whose worker is killed, or whose success
could not be recorded, runs again. So a task

1. takes ids and plain values, never model instances, and loads what it needs;
2. calls services, which own the permission checks, writes and audit entries;
3. does its writes in one transaction (``transaction.atomic``): a kill before
   the commit leaves nothing behind, and the retry starts from clean;
4. when it cannot tell from the data whether it already ran, wraps the work
   in ``with once(f"campaign:{campaign_id}:contact:{contact_id}") as first:``
   so the completion key commits with the work and a repeat skips it;
5. sends to the outside world (SMTP, webhooks) only after its own state says
   "not yet sent", marks it sent right after, and gives the receiver a stable
   identifier (a Message-ID, an idempotency header) to drop the rare duplicate.

Enqueue from services with ``transaction.on_commit`` so a task never sees
data that was rolled back.
"""
