"""Cross-domain flow: the demo's suspicious customer reaches Fraud review through the worker, as on `./dev run`.

The demo writes its orders and the return through the sales services; their events queue the arrival checks, and the
worker ``./dev run`` starts (here one pass of it, with no periodic job) turns them into the three flags.
"""

from __future__ import annotations

from typing import Any

import pytest

from rapport.analytics.anomaly_queue import AnomalyFilter, anomaly_flag_page_for_user
from rapport.analytics.models import AnomalyFlag
from rapport.core.models import User
from rapport.core.tests.smtp import make_worker
from rapport.dataops.demo import DemoPlan, load_demo

pytestmark = pytest.mark.django_db


def test_after_the_worker_runs_fraud_review_holds_the_suspicious_customers_three_flags(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the events after each commit, as outside a test
        load_demo(DemoPlan(contacts=120, accounts=30, leads=20, batch_size=200, seed=7))
    assert not AnomalyFlag.objects.exists()  # found by the worker, not while loading

    worker = make_worker()
    while worker.run_once()[0]:
        pass

    found = set(AnomalyFlag.objects.values_list("rule", "severity", "status"))
    assert found == {("order_burst", "medium", "open"), ("amount_outlier", "high", "open"), ("refund_over_paid", "high", "open")}
    [suspicious] = set(AnomalyFlag.objects.values_list("account__name", flat=True))
    for username in ("admin", "manager"):  # the demo's logins for fraud review see them on the queue's first page
        page = anomaly_flag_page_for_user(user=User.objects.get(username=username), filters=AnomalyFilter(statuses=("open",)))
        assert {flag.account.name for flag in page.items} == {suspicious} and len(page.items) == 3
