"""Background Excel exports: start, progress, download, cancel; only the user who started
a job sees it, under the same grant and scope; more rows than a sheet holds is a clear
message offering CSV, never a cut file. Small limits from settings keep it fast."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from auth.templates import DEMO_PASSWORD, ensure_demo_users
from auth.users import create_user, get_user, update_user
from data.settings import Settings
from engines import engine_for
from engines.base import Engine
from queries.engine import ColumnMeta
from queries.export import TooManyRowsForExcel, write_xlsx

SLUG = "pnl-auto-cube"
QUARTER = "start_from=2024-01-01&start_to=2024-03-31"  # ~1,800 rows on the test store
YEAR = "start_from=2024-01-01&start_to=2024-12-31"  # ~7,000 rows: past EXCEL_MAX_ROWS
EXCEL_MAX_ROWS = 4_000
SYNC_MAX_ROWS = 1_000
TESTER = "export_tester"


@pytest.fixture(scope="module")
def jobs_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return replace(settings, login_fail_delay=0.0, excel_max_rows=EXCEL_MAX_ROWS,
                   xlsx_sync_max_rows=SYNC_MAX_ROWS,
                   export_dir=tmp_path_factory.mktemp("export-jobs"))


@pytest.fixture(scope="module")
def server(jobs_settings: Settings) -> Flask:
    from app import create_app

    ensure_demo_users(engine_for(jobs_settings))
    if get_user(jobs_settings.users_db, username=TESTER) is None:
        create_user(jobs_settings.users_db, username=TESTER, display_name="导出测试",
                    password=DEMO_PASSWORD, scope="company", pages={SLUG},
                    must_change_password=False)
    return create_app(jobs_settings).server


@pytest.fixture
def client_for(server: Flask) -> Callable[[str], FlaskClient]:
    def signed_in(username: str) -> FlaskClient:
        client = server.test_client()
        resp = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 302
        return client
    return signed_in


def wait_finished(client: FlaskClient, job_id: str, timeout: float = 60) -> list[dict]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = client.get(f"/api/exports/{job_id}")
        assert resp.status_code == 200, resp.get_json()
        seen.append(resp.get_json())
        if seen[-1]["state"] in {"done", "cancelled", "failed", "too_many_rows"}:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"job not finished in {timeout}s: {seen[-1]}")


@pytest.fixture(scope="module")
def finished_job(server: Flask) -> Iterator[dict[str, Any]]:
    """One gm job run to the end, shared by the tests that only read it."""
    client = server.test_client()
    client.post("/login", data={"username": "gm", "password": DEMO_PASSWORD})
    start = client.post(f"/api/reports/{SLUG}/exports?level=detail&{QUARTER}"
                        "&sort=premium_cny:desc")
    assert start.status_code == 202, start.get_json()
    job = start.get_json()
    yield {"start": job, "polls": wait_finished(client, job["job_id"]), "client": client}


def test_job_reports_progress_and_downloads_every_row(finished_job: dict[str, Any]) -> None:
    client, start, polls = finished_job["client"], finished_job["start"], finished_job["polls"]
    api = client.get(f"/api/reports/{SLUG}?level=detail&limit=20&{QUARTER}"
                     "&sort=premium_cny:desc").get_json()
    assert start["state"] == "running" and start["rows_total"] == api["total"] > 1000
    assert start["download_url"] is None
    done = polls[-1]
    assert done["state"] == "done", done
    assert done["rows_done"] == done["rows_total"] == api["total"]
    assert done["percent"] == 100 and "已导出" in done["message"]
    progress = [p["rows_done"] for p in polls]
    assert progress == sorted(progress)  # never goes backwards
    resp = client.get(done["download_url"])
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("保单号", "已决赔付率(%)", "到款保费")  # the key measures early
    assert len(rows) == 1 + api["total"]
    # Same order as the API's first page (the sort was passed to the job).
    assert [r[0] for r in rows[1:21]] == [r["policy_no"] for r in api["rows"]]
    listed = client.get("/api/exports").get_json()["jobs"]
    assert start["job_id"] in {j["job_id"] for j in listed}


def test_other_user_cannot_see_poll_cancel_or_download(finished_job: dict[str, Any],
                                                       client_for: Callable) -> None:
    job_id = finished_job["start"]["job_id"]
    other = client_for("branch01")  # may open the same page, but did not start the job
    for method, path in (("get", f"/api/exports/{job_id}"),
                         ("get", f"/api/exports/{job_id}/download"),
                         ("post", f"/api/exports/{job_id}/cancel"),
                         ("delete", f"/api/exports/{job_id}")):
        resp = getattr(other, method)(path)
        assert resp.status_code == 404, (path, resp.status_code)
        assert b"PK" not in resp.data[:2]
    assert job_id not in {j["job_id"] for j in other.get("/api/exports").get_json()["jobs"]}
    anonymous = finished_job["client"].application.test_client()
    assert anonymous.get(f"/api/exports/{job_id}/download").status_code == 401
    # Still there for its owner.
    assert finished_job["client"].get(f"/api/exports/{job_id}").get_json()["state"] == "done"
    assert other.get("/api/exports/not-a-job-id").status_code == 404


def test_no_grant_no_job(client_for: Callable) -> None:
    resp = client_for("claims01").post(f"/api/reports/{SLUG}/exports?{QUARTER}")
    assert resp.status_code == 403


def test_cancel_stops_the_job_and_leaves_no_file(client_for: Callable,
                                                 jobs_settings: Settings) -> None:
    client = client_for("gm")
    start = client.post(f"/api/reports/{SLUG}/exports?{QUARTER}").get_json()
    cancel = client.post(f"/api/exports/{start['job_id']}/cancel")
    assert cancel.status_code == 200 and cancel.get_json()["cancel_requested"] is True
    final = wait_finished(client, start["job_id"])[-1]
    assert final["state"] == "cancelled" and final["download_url"] is None
    assert final["rows_done"] < final["rows_total"]
    assert client.get(f"/api/exports/{start['job_id']}/download").status_code == 409
    folder = jobs_settings.export_dir / "jobs" / start["job_id"]
    assert not list(folder.glob("result.xlsx*"))


def test_more_rows_than_excel_offers_csv_never_a_cut_file(client_for: Callable) -> None:
    client = client_for("gm")
    total = client.get(f"/api/reports/{SLUG}?level=detail&limit=1&{YEAR}").get_json()["total"]
    assert total > EXCEL_MAX_ROWS
    resp = client.post(f"/api/reports/{SLUG}/exports?level=detail&{YEAR}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["code"] == "too_many_rows" and body["rows"] == total
    assert f"{total:,}" in body["error"] and f"{EXCEL_MAX_ROWS:,}" in body["error"]
    assert "超过 Excel" in body["error"] and "CSV" in body["error"]
    csv = client.get(body["csv_url"])
    assert csv.status_code == 200
    assert len(csv.data.decode("utf-8-sig").splitlines()) == 1 + total
    # The direct xlsx route says the same.
    direct = client.get(f"/export/{SLUG}.xlsx?level=detail&{YEAR}")
    assert direct.status_code == 400 and direct.get_json()["code"] == "too_many_rows"


def test_large_direct_xlsx_is_sent_to_a_job(client_for: Callable) -> None:
    resp = client_for("gm").get(f"/export/{SLUG}.xlsx?level=detail&{QUARTER}")
    assert resp.status_code == 400
    assert resp.get_json()["code"] == "use_export_job" and "后台" in resp.get_json()["error"]


def test_writer_refuses_to_cut(tmp_path: Path) -> None:
    cols = [ColumnMeta("n", "序号", "int")]
    with pytest.raises(TooManyRowsForExcel, match="至少 11 行"):
        write_xlsx(tmp_path / "x.xlsx", "t", cols, ({"n": i} for i in range(50)), max_rows=10)
    assert write_xlsx(tmp_path / "y.xlsx", "t", cols, ({"n": i} for i in range(10)),
                      max_rows=10) == 10


def test_scope_change_refuses_the_file(client_for: Callable, jobs_settings: Settings) -> None:
    client = client_for(TESTER)
    job = client.post(f"/api/reports/{SLUG}/exports?start_from=2024-01-01"
                      "&start_to=2024-01-31").get_json()
    assert wait_finished(client, job["job_id"])[-1]["state"] == "done"
    user = get_user(jobs_settings.users_db, username=TESTER)
    assert user is not None
    update_user(jobs_settings.users_db, user.user_id, scope="branch", branch_id=1)
    try:
        resp = client.get(f"/api/exports/{job['job_id']}/download")
        assert resp.status_code == 403 and "数据范围" in resp.get_json()["error"]
        update_user(jobs_settings.users_db, user.user_id, scope="company", branch_id=None,
                    pages=[])
        assert client.get(f"/api/exports/{job['job_id']}/download").status_code == 403
    finally:
        update_user(jobs_settings.users_db, user.user_id, scope="company", branch_id=None,
                    pages=[SLUG])


def _callback(client: FlaskClient, first_output: str, inputs: list[dict],
              state: list[dict]) -> dict[str, Any]:
    """POST to Dash as the browser does; the callback is found by its first output."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps
               if f'"type":"{first_output}"' in d["output"].strip(".").split("...")[0])
    outputs = []
    for part in dep["output"].strip(".").split("..."):
        id_json, _, prop = part.rpartition(".")
        outputs.append({"id": {**json.loads(id_json), "report": SLUG}, "property": prop})
    trigger = inputs[0]
    single = not dep["output"].startswith("..")  # one output is sent bare, not in a list
    payload = {"output": dep["output"], "outputs": outputs[0] if single else outputs,
               "inputs": inputs, "state": state,
               "changedPropIds": [f"{_key(trigger['id']['type'])}.{trigger['property']}"]}
    resp = client.post("/_dash-update-component", json=payload)
    assert resp.status_code == 200, resp.data[:300]
    return {k: {p.split("@")[0]: v for p, v in props.items()}
            for k, props in resp.get_json()["response"].items()}


def _click_excel(client: FlaskClient, query: dict[str, str], grid: dict | None = None,
                 clicks: int = 1) -> dict[str, Any]:
    """The detail page's Excel button, with the page's query and the grid's last request."""
    return _callback(
        client, "export-job",
        [{"id": _ids("export-start"), "property": "n_clicks", "value": clicks}],
        [{"id": _ids("page-query"), "property": "data", "value": query},
         {"id": _ids("detail-grid"), "property": "getRowsRequest", "value": grid}])


def _ids(kind: str) -> dict[str, str]:
    return {"report": SLUG, "type": kind}


def _key(kind: str) -> str:
    return json.dumps(_ids(kind), separators=(",", ":"), sort_keys=True)


def test_page_buttons_start_poll_and_link_the_file(client_for: Callable) -> None:
    """The detail page's callbacks, as the browser calls them."""
    client = client_for("gm")
    query = {"start_from": "2024-01-01", "start_to": "2024-01-31", "run": "1",
             "level": "detail"}
    started = _click_excel(client, query)
    job_id = started[_key("export-job")]["data"]
    assert started[_key("export-poll")]["disabled"] is False
    for _ in range(300):
        polled = _callback(
            client, "export-progress",
            [{"id": _ids("export-poll"), "property": "n_intervals", "value": 1}],
            [{"id": _ids("export-job"), "property": "data", "value": job_id}])
        if polled[_key("export-poll")]["disabled"]:
            break
        time.sleep(0.2)
    assert polled[_key("export-progress")]["value"] == 100
    assert "已完成" in polled[_key("export-text")]["children"]
    href = polled[_key("export-link")]["href"]
    assert href == f"/api/exports/{job_id}/download"
    assert client.get(href).status_code == 200
    # Another user polling that job id through the page learns nothing.
    other = _callback(
        client_for("branch01"), "export-progress",
        [{"id": _ids("export-poll"), "property": "n_intervals", "value": 1}],
        [{"id": _ids("export-job"), "property": "data", "value": job_id}])
    assert other[_key("export-link")]["href"] == ""
    assert "不存在" in other[_key("export-text")]["children"]
    # Too many rows: the message offers CSV and no job starts.
    big = _click_excel(client, {**query, "start_to": "2024-12-31"}, clicks=2)
    text = json.dumps(big[_key("export-message")]["children"], ensure_ascii=False)
    assert "超过 Excel" in text and f"/export/{SLUG}.csv?" in text
    assert _key("export-job") not in big


def test_exports_hold_the_rows_the_grid_shows(client_for: Callable) -> None:
    """Sorted and filtered on the grid, the CSV link and the Excel job give those rows in
    that order, as the JSON API does, and a bad filter is a clear 400."""
    client = client_for("gm")
    column_filters = {"plate_no": {"filterType": "text", "type": "contains", "filter": "沪"}}
    grid = {"startRow": 0, "endRow": 100, "filterModel": column_filters,
            "sortModel": [{"colId": "premium_cny", "sort": "asc"}]}
    query = {"start_from": "2024-01-01", "start_to": "2024-03-31", "run": "1",
             "level": "detail"}
    api = client.get(f"/api/reports/{SLUG}", query_string={
        "level": "detail", "limit": "5000", "start_from": "2024-01-01",
        "start_to": "2024-03-31", "sort": "premium_cny:asc",
        "filter": json.dumps(column_filters)}).get_json()
    wanted = [r["policy_no"] for r in api["rows"]]
    unfiltered = client.get(f"/api/reports/{SLUG}?level=detail&limit=1&{QUARTER}").get_json()
    assert 0 < api["total"] == len(wanted) < unfiltered["total"]
    assert all("沪" in r["plate_no"] for r in api["rows"])
    premiums = [r["premium_cny"] for r in api["rows"]]
    assert premiums == sorted(premiums)

    linked = _callback(
        client, "export-csv",
        [{"id": _ids("detail-grid"), "property": "getRowsRequest", "value": grid}],
        [{"id": _ids("page-query"), "property": "data", "value": query}])
    href = linked[_key("export-csv")]["href"]
    assert href.startswith(f"/export/{SLUG}.csv?") and "sort=premium_cny%3Aasc" in href
    lines = list(csv.reader(io.StringIO(client.get(href).data.decode("utf-8-sig"))))
    assert lines[0][0] == "保单号" and [r[0] for r in lines[1:]] == wanted

    started = _click_excel(client, query, grid)
    job_id = started[_key("export-job")]["data"]
    done = wait_finished(client, job_id)[-1]
    assert done["state"] == "done" and done["rows_total"] == len(wanted)
    ws = load_workbook(io.BytesIO(client.get(done["download_url"]).data), read_only=True).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == wanted

    bad = client.get(f"/export/{SLUG}.csv?{QUARTER}&filter=not-json")
    assert bad.status_code == 400 and bad.get_json()["filter"] == "filter"
    assert "JSON" in bad.get_json()["error"]
    unknown = client.get(f"/export/{SLUG}.csv", query_string={
        "start_from": "2024-01-01", "start_to": "2024-03-31",
        "filter": json.dumps({"no_such": {"type": "contains", "filter": "x"}})})
    assert unknown.status_code == 400 and unknown.get_json()["filter"] == "no_such"


@pytest.mark.parametrize("slug", ["lapsed-auto", "pnl-auto-cube", "receivable-person",
                                  "premium-received-daily"])
@pytest.mark.parametrize("personal", [True, False])
def test_streamed_export_matches_the_engine_pages(engine: Engine, slug: str,
                                                  personal: bool) -> None:
    """One joined, SQL-masked statement gives byte for byte the CSV of the engine's pages."""
    from queries import engine as reporting
    from queries.access import DataScope, Viewer
    from queries.catalog import CATALOG
    from queries.export import csv_chunks, detail_csv, detail_xlsx
    from tests.catalog_args import wide_args

    report = CATALOG[slug]
    viewer = Viewer(0, "t", "t", frozenset(CATALOG), DataScope("branch", branch_id=1),
                    personal)
    values = reporting.parse_filters(report, wide_args(report, engine.settings.today),
                                     engine.settings.today)
    # Sorted like a user would: the streamed statement and the keyset pages agree.
    sort = [(report.detail[0].key, "desc")] if report.detail[0].lookup is None else []
    pages = list(reporting.iter_detail_rows(engine, report, values, viewer, sort, page=997))
    expected = "".join(csv_chunks(reporting.detail_columns(report), pages))
    streamed = b"".join(detail_csv(engine, report, values, viewer, sort)).decode()
    assert streamed.startswith("\ufeff")
    assert streamed == expected
    assert expected.count("\n") == len(pages) + 1 > 50
    if slug != "lapsed-auto":
        return
    masked = [r["mobile"] for r in pages if r.get("mobile")]
    assert masked and all(("****" in m) != personal for m in masked)
    path = engine.settings.export_dir / f"stream-{personal}.xlsx"
    assert detail_xlsx(path, engine, report, values, viewer, sort=sort) == len(pages)
    ws = load_workbook(path, read_only=True).active
    cells = list(ws.iter_rows(min_row=2, values_only=True))
    keys = [c.key for c in report.detail]
    for row, page_row in zip(cells[:200], pages[:200], strict=True):
        for key, cell in zip(keys, row, strict=True):
            want = page_row[key]
            got = cell.date().isoformat() if hasattr(cell, "date") else cell
            assert got == (None if want == "" else want), (key, got, want)


@pytest.mark.browser
def test_excel_button_shows_progress_then_a_download_link(server: Flask, browser: Any) -> None:
    """In headless Chromium: 明细 → Excel → progress → 下载 Excel 文件 → the file."""
    import threading

    from werkzeug.serving import make_server

    http = make_server("127.0.0.1", 0, server, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_port}"
    # The process's one Chromium (tests/browser_fixtures.py), a context of its own.
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "gm")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/reports/{SLUG}?start_from=2024-01-01&start_to=2024-01-31"
                  "&run=1&level=detail")
        page.get_by_text("← 返回汇总").wait_for()
        total = int(page.get_by_text("共 ").first.inner_text()
                    .replace("共", "").replace("条", "").replace(",", "").strip())
        page.get_by_role("button", name="Excel").click()
        link = page.get_by_text("下载 Excel 文件")
        link.wait_for(timeout=60_000)
        done = page.get_by_text("已完成").inner_text()
        assert done.startswith(f"已完成: {total:,} 行"), (done, total)
        with page.expect_download() as info:
            link.click()
        ws = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True).active
        assert ws.max_row == total + 1
    finally:
        context.close()
        http.shutdown()


def test_summary_job_with_a_date_first_column_ends_done(client_for: Callable) -> None:
    client = client_for("gm")
    start = client.post("/api/reports/premium-received-daily/exports?level=summary"
                        "&summary=by-day-branch&received_from=2026-10-01&received_to=2026-10-31")
    assert start.status_code == 202, start.get_json()
    done = wait_finished(client, start.get_json()["job_id"])[-1]
    assert done["state"] == "done", done
    rows = list(load_workbook(io.BytesIO(client.get(done["download_url"]).data),
                              read_only=True).active.iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and len(rows) > 2


def test_summary_job_follows_the_summary_sort(client_for: Callable) -> None:
    client = client_for("gm")
    query = f"group_by=branch&{QUARTER}"
    shown = client.get(f"/api/reports/{SLUG}?{query}&ssort=settled_ratio:desc").get_json()
    by_code = client.get(f"/api/reports/{SLUG}?{query}&ssort=").get_json()
    codes = [r["branch_code"] for r in shown["rows"]]
    assert codes != [r["branch_code"] for r in by_code["rows"]], "needs an order of its own"
    start = client.post(f"/api/reports/{SLUG}/exports?level=summary&{query}"
                        "&ssort=settled_ratio:desc")
    assert start.status_code == 202, start.get_json()
    done = wait_finished(client, start.get_json()["job_id"])[-1]
    assert done["state"] == "done", done
    rows = list(load_workbook(io.BytesIO(client.get(done["download_url"]).data),
                              read_only=True).active.iter_rows(values_only=True))
    # The groups in the order the page showed, then the totals.
    assert [r[0] for r in rows[1:-1]] == codes and rows[-1][0] == "合计"
    bad = client.post(f"/api/reports/{SLUG}/exports?level=summary&{query}&sort=nope:desc")
    assert bad.status_code == 400 and bad.get_json()["filter"] == "sort"
