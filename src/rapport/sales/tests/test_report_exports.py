"""The forecast page's exports: CSV and Excel hold the same table, with the page's filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook


def test_csv_and_xlsx_hold_the_table_the_page_shows(users, client_for, make_deal, stages):
    today = dt.date.today()
    make_deal(users["north_rep"], amount="1000", expected_close_date=today.isoformat(), stage_id=stages["Negotiation"].pk)
    make_deal(users["north_rep2"], amount="250.50", expected_close_date=today.isoformat())
    make_deal(users["south_rep"], amount="9999", expected_close_date=today.isoformat())
    client = client_for(users["manager"])
    params = {"group_by": "owner", "period": "quarter"}
    page = client.get("/sales/forecast/", params)
    shown = [[r.period, r.group_name, r.pipeline] for r in page.context["result"].rows]
    as_csv = list(csv.reader(io.StringIO(client.get("/sales/forecast/export.csv", params).content.decode())))
    response = client.get("/sales/forecast/export.xlsx", params)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="forecast.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    as_xlsx = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert as_csv[0] == as_xlsx[0] and as_xlsx[0][:2] == ["period", "owner"]
    assert [[r[0], r[1], Decimal(r[5])] for r in as_csv[1:]] == shown
    assert [[r[0], r[1], Decimal(str(r[5]))] for r in as_xlsx[1:]] == shown
    assert sum(Decimal(str(r[5])) for r in as_xlsx[1:]) == Decimal("1250.50")  # the south rep's deal is not the manager's
    bad = client.get("/sales/forecast/export.xlsx", {"period": "week"})
    assert bad.status_code == 422 and b"period" in bad.content
