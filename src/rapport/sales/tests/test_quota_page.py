"""The quota page: managers set their reports' quotas with errors at the fields; reps only read theirs."""

from __future__ import annotations

from decimal import Decimal

from rapport.sales.models import Quota


def test_a_manager_sets_quotas_with_inline_errors(users, client_for, django_assert_max_num_queries):
    manager = client_for(users["manager"])
    page = manager.get("/sales/quotas/")
    reps = dict(page.context["form"].fields["user_id"].choices)
    assert users["north_rep"].pk in reps and users["south_rep"].pk not in reps
    bad = manager.post(
        "/sales/quotas/",
        {"user_id": users["north_rep"].pk, "period_start": "2026-04-01", "period_end": "2026-03-01", "amount": "x", "currency": "CNY"},
    )
    assert bad.status_code == 422
    assert bad.context["form"].errors == {"period_end": ["The period ends before it starts."], "amount": ["“x” is not an amount."]}
    assert Quota.objects.count() == 0
    outsider = manager.post(
        "/sales/quotas/",
        {"user_id": users["south_rep"].pk, "period_start": "2026-04-01", "period_end": "2026-06-30", "amount": "1", "currency": "CNY"},
    )
    assert outsider.status_code == 422 and "user_id" in outsider.context["form"].errors and Quota.objects.count() == 0
    ok = manager.post(
        "/sales/quotas/",
        {"user_id": users["north_rep"].pk, "period_start": "2026-04-01", "period_end": "2026-06-30", "amount": "500000", "currency": "CNY"},
    )
    assert ok.status_code == 302
    quota = Quota.objects.get()
    assert (quota.user, quota.amount, quota.set_by) == (users["north_rep"], Decimal("500000.00"), users["manager"])
    from rapport.sales.quotas import quota_set

    for month in ("07", "10"):
        quota_set(
            actor=users["manager"],
            user_id=users["north_rep2"].pk,
            period_start=f"2026-{month}-01",
            period_end=f"2026-{month}-28",
            amount="1",
            currency="CNY",
        )
    with django_assert_max_num_queries(12):
        listed = manager.get("/sales/quotas/")
    assert len(listed.context["quotas"]) == 3 and quota in listed.context["quotas"]


def test_a_rep_reads_but_cannot_set(users, client_for):
    rep = client_for(users["north_rep"])
    page = rep.get("/sales/quotas/")
    assert page.status_code == 200 and page.context["may_set"] is False and b"data-quota-form" not in page.content
    refused = rep.post(
        "/sales/quotas/",
        {"user_id": users["north_rep"].pk, "period_start": "2026-04-01", "period_end": "2026-06-30", "amount": "1", "currency": "CNY"},
    )
    assert refused.status_code == 422 and Quota.objects.count() == 0
