"""The JSON API's contract and errors, and the export file formats."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from auth.audit import query_audit
from data.settings import Settings


def test_listing_describes_filters_and_columns(login: Any) -> None:
    reports = {r["slug"]: r for r in login("gm").get("/api/reports").get_json()["reports"]}
    cube = reports["pnl-auto-cube"]
    assert cube["title"] == "车险盈亏综合状况"
    assert {"key": "use_nature", "label": "使用性质", "kind": "multi", "required": False} \
        in cube["filters"]
    assert any(c["label"] == "保单号" for c in cube["columns"])


def test_summary_and_detail_with_cursor(login: Any) -> None:
    client = login("gm")
    s = client.get("/api/reports/pnl-auto-cube?group_by=branch,use_years").get_json()
    assert s["group_by"] == ["branch", "use_years"]
    assert s["totals"]["policies"] == sum(r["policies"] for r in s["rows"])
    first = client.get("/api/reports/pnl-auto-cube?level=detail&limit=50"
                       "&sort=premium_cny:desc").get_json()
    second = client.get("/api/reports/pnl-auto-cube?level=detail&limit=50&sort=premium_cny:desc"
                        f"&cursor={first['next_cursor']}").get_json()
    assert first["total"] == second["total"] == s["totals"]["policies"]
    assert first["rows"][-1]["premium_cny"] >= second["rows"][0]["premium_cny"]
    assert not {r["policy_no"] for r in first["rows"]} & {r["policy_no"] for r in second["rows"]}


def test_bad_filter_is_400_naming_the_filter(login: Any) -> None:
    client = login("gm")
    resp = client.get("/api/reports/lapsed-auto?end_from=2025-02-30&end_to=2025-03-01")
    assert resp.status_code == 400
    assert resp.get_json()["filter"] == "end" and "终保日期" in resp.get_json()["error"]
    resp = client.get("/api/reports/proposal-status?status=1,w")
    assert resp.status_code == 400 and resp.get_json()["filter"] == "status"
    resp = client.get("/api/reports/pnl-auto-cube?group_by=plate_no")
    assert resp.status_code == 400 and resp.get_json()["filter"] == "group_by"
    resp = client.get("/api/reports/pnl-auto-cube?level=detail&cursor=garbage")
    assert resp.status_code == 400


def test_unknown_slug_is_404(login: Any) -> None:
    resp = login("gm").get("/api/reports/no-such-report")
    assert resp.status_code == 404 and "no-such-report" in resp.get_json()["error"]


def test_csv_export_opens_in_excel(login: Any) -> None:
    resp = login("gm").get("/export/pnl-auto-cube.csv?level=summary&group_by=branch")
    assert resp.status_code == 200
    assert resp.data.startswith("\ufeff".encode())
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("归属支公司代码,归属支公司名称,保单数,签单保费")
    assert lines[-1].split(",")[1] == "合计" or lines[-1].startswith("合计")
    assert len(lines) == 1 + 12 + 1


def test_xlsx_export_has_headers_formats_and_frozen_pane(login: Any,
                                                         settings: Settings) -> None:
    args = "start_from=2024-01-01&start_to=2024-06-30"
    client = login("gm")
    total = client.get(f"/api/reports/pnl-auto-cube?level=detail&limit=1&{args}").get_json()
    resp = client.get(f"/export/pnl-auto-cube.xlsx?level=detail&{args}")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["保单号", "已决赔付率(%)", "到款保费"]  # the key columns first
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None
    assert ws.max_row == total["total"] + 1
    money = header.index("签单保费") + 1
    assert ws.cell(row=2, column=money).number_format == "#,##0.00"
    start = header.index("起保日期") + 1
    assert ws.cell(row=2, column=start).number_format == "yyyy-mm-dd"
    exports = query_audit(settings.users_db, event="export", username="gm")
    assert any(e["page"] == "pnl-auto-cube" and e["rows"] == total["total"] for e in exports)
