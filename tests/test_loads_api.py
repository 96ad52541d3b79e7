"""Data loads through ``/api/loads`` and the 6.6 page: in one process, and under
``bin/serve`` with three workers, where every poll reaches a worker that did not take
the upload and the load outlives the worker that started it."""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from auth.templates import ensure_demo_users
from data.export_layout import export_store
from data.generate import generate
from data.load import load_history
from data.settings import Settings
from engines import engine_for
from ops import jobs
from tests.auth_fixtures import sign_in
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database
from tests.served_app import Remote, kill_every_worker, serve, spans_overlap


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> dict[str, Any]:
    """A store of 500 policies, its users, and the files of its book as one zip."""
    root = tmp_path_factory.mktemp("api-loads")
    own = with_own_database(replace(settings, store_path=root / "store.duckdb",
                                    login_fail_delay=0.0, jobs_max_running=2),
                            root / "users.sqlite")
    generate(own.store_path, 500, 3, AS_OF, own)
    export_store(own.store_path, root / "files")
    ensure_demo_users(engine_for(own))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted((root / "files").iterdir()):
            z.write(f, f"t1/{f.name}")
    return {"settings": own, "zip": buf.getvalue(), "root": root}


def _wait(get: Any, job_id: str, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        resp = get(f"/api/loads/{job_id}")
        assert resp.status_code == 200, (resp.status_code, resp.data)
        state = resp.get_json()
        if state["state"] in jobs.FINAL_STATES:
            return state
        time.sleep(0.2)
    raise AssertionError("load did not finish")


def test_api_load_runs_to_done_and_only_its_owner_sees_it(book: dict[str, Any]) -> None:
    from app import create_app

    server = create_app(book["settings"]).server
    admin = sign_in(server, "admin")
    resp = admin.post("/api/loads", data={"files": (io.BytesIO(book["zip"]), "t1.zip")},
                      content_type="multipart/form-data")
    assert resp.status_code == 202
    started = resp.get_json()
    assert started["state"] in {"queued", "running"} and len(started["files"]) == 18
    # One load at a time: a second one waits queued, and is cancelled before it starts.
    second = admin.post("/api/loads", data={"files": (io.BytesIO(book["zip"]), "t1.zip")},
                        content_type="multipart/form-data").get_json()
    assert second["state"] == "queued"
    cancelled = admin.post(f"/api/loads/{second['job_id']}/cancel").get_json()
    assert cancelled["state"] == "cancelled" and cancelled["state_label"] == "已取消"
    done = _wait(admin.get, started["job_id"])
    assert done["state"] == "done" and done["result"]["ok"] is True
    assert done["message"].startswith("已导入") and done["percent"] == 100.0
    listed = [j["job_id"] for j in admin.get("/api/loads").get_json()["loads"]]
    assert listed == [second["job_id"], started["job_id"]]  # newest first
    assert load_history(book["settings"])[0]["ok"] == 1
    # Another signed-in user without the page: refused; the job id alone gives nothing.
    assert sign_in(server, "gm").get(f"/api/loads/{started['job_id']}").status_code == 403
    unknown = admin.get(f"/api/loads/{'0' * 32}")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_job"


def test_api_refuses_files_it_cannot_load(book: dict[str, Any]) -> None:
    from app import create_app

    admin = sign_in(create_app(book["settings"]).server, "admin")
    resp = admin.post("/api/loads", data={"files": (io.BytesIO(b"a,b\n"), "policies.csv")},
                      content_type="multipart/form-data")
    assert resp.status_code == 400 and "不认识的文件: policies.csv" in resp.get_json()["message"]
    empty = admin.post("/api/loads", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "没有可导入的文件" in empty.get_json()["message"]




# --- under bin/serve with three workers ------------------------------------------------

LOADS_IN_SUITE = 3  # bench/bench_loads.py starts ten


def test_loads_under_three_workers_are_never_unknown(book: dict[str, Any],
                                                     tmp_path: Path) -> None:
    settings: Settings = book["settings"]
    history_before = len(load_history(settings))
    with serve(settings, tmp_path, web_workers=3) as served:
        admin = Remote(served.base, "admin")
        ids = [admin.start_load(book["zip"])]
        # Every worker is killed while the first load runs: gunicorn starts new ones,
        # and the load, a process of its own, goes on.
        kill_every_worker(served, admin)
        ids += [admin.start_load(book["zip"]) for _ in range(LOADS_IN_SUITE - 1)]
        results = admin.wait_all(ids)
    assert set(admin.statuses) == {200, 202}  # never 404 "unknown_job"
    assert [r["state"] for r in results] == ["done"] * LOADS_IN_SUITE
    assert all(r["result"]["ok"] for r in results), [r["message"] for r in results]
    assert not spans_overlap(results)  # one load at a time replaced the store
    assert len(load_history(settings)) == history_before + LOADS_IN_SUITE
