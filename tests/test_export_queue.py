"""Background Excel jobs under load: a user's limit holds however many requests arrive at
once (check and create are one step under the jobs folder's lock), and the server runs
at most EXPORT_MAX_RUNNING jobs; the others wait queued (排队中) and start as slots free."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.templates import DEMO_PASSWORD, ensure_demo_users
from auth.users import create_user, get_user
from callbacks.export_callbacks import progress_text
from data.settings import Settings
from engines import engine_for
from queries import export_jobs
from queries.catalog import CATALOG
from tests.ops_fixtures import with_own_database

SLUG = "pnl-auto-cube"
EVERYTHING = "level=detail"  # every auto policy of the test store: a job of some seconds
QUARTER = "level=detail&start_from=2024-01-01&start_to=2024-03-31"
USERS = ("queue_a", "queue_b")
FINAL = {"done", "cancelled", "failed", "too_many_rows"}


def _server(settings: Settings, export_dir: Path, max_running: int) -> Flask:
    from app import create_app

    # A queue of its own: the jobs live in the operational store, so another database.
    fast = with_own_database(replace(settings, login_fail_delay=0.0, export_dir=export_dir,
                                     export_max_running=max_running),
                             export_dir / "users.sqlite")
    ensure_demo_users(engine_for(fast))
    for name in USERS:
        if get_user(fast.users_db, username=name) is None:
            create_user(fast.users_db, username=name, display_name=name,
                        password=DEMO_PASSWORD, scope="company", pages=set(CATALOG),
                        must_change_password=False)
    return create_app(fast).server


def sign_in(server: Flask, username: str) -> FlaskClient:
    client = server.test_client()
    resp = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    return client


def same_session(server: Flask, signed_in: FlaskClient, n: int) -> list[FlaskClient]:
    """``n`` clients carrying the signed-in client's session (one browser, many tabs)."""
    name = server.config.get("SESSION_COOKIE_NAME", "session")
    cookie = signed_in.get_cookie(name)
    assert cookie is not None
    clients = []
    for _ in range(n):
        c = server.test_client()
        c.set_cookie(name, cookie.value)
        assert c.get("/api/exports").status_code == 200
        clients.append(c)
    return clients


def cancel_all(client: FlaskClient) -> None:
    for job in client.get("/api/exports").get_json()["jobs"]:
        if job["state"] not in FINAL:
            client.post(f"/api/exports/{job['job_id']}/cancel")


def wait_state(client: FlaskClient, job_id: str, states: set[str], timeout: float = 90
               ) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/exports/{job_id}").get_json()
        if status["state"] in states:
            return status
        time.sleep(0.2)
    raise AssertionError(f"{job_id} never reached {states}: {status}")


@pytest.fixture(scope="module")
def busy_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Flask]:
    yield _server(settings, tmp_path_factory.mktemp("queue-4"), max_running=4)


@pytest.fixture(scope="module")
def one_slot_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[Flask]:
    yield _server(settings, tmp_path_factory.mktemp("queue-1"), max_running=1)


def test_twenty_simultaneous_requests_of_one_user_start_two_jobs(busy_server: Flask) -> None:
    owner = sign_in(busy_server, "queue_a")
    clients = same_session(busy_server, owner, 20)
    barrier = threading.Barrier(len(clients))

    def start(client: FlaskClient) -> int:
        barrier.wait()
        return client.post(f"/api/reports/{SLUG}/exports?{EVERYTHING}").status_code

    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            codes = list(pool.map(start, clients))
        jobs = owner.get("/api/exports").get_json()["jobs"]
        assert codes.count(202) == 2 and codes.count(429) == 18, codes
        assert len(jobs) == 2
        refused = owner.post(f"/api/reports/{SLUG}/exports?{EVERYTHING}")
        assert refused.status_code == 429 and "排队" in refused.get_json()["error"]
    finally:
        cancel_all(owner)


def test_past_the_server_cap_a_job_waits_queued_and_starts_when_a_slot_frees(
        one_slot_server: Flask) -> None:
    first, second = (sign_in(one_slot_server, name) for name in USERS)
    try:
        running = first.post(f"/api/reports/{SLUG}/exports?{EVERYTHING}")
        assert running.status_code == 202 and running.get_json()["state"] == "running"
        queued = second.post(f"/api/reports/{SLUG}/exports?{QUARTER}")
        assert queued.status_code == 202, queued.get_json()
        job = queued.get_json()
        assert job["state"] == "queued" and job["state_label"] == "排队中"
        time.sleep(1.0)
        polled = second.get(f"/api/exports/{job['job_id']}").get_json()
        assert polled["state"] == "queued" and polled["rows_done"] == 0
        status = export_jobs.JobStatus(job["job_id"], 0, SLUG, "", "detail", "x.xlsx",
                                       state="queued", rows_total=job["rows_total"])
        assert progress_text(status).startswith("排队中")
        # Cancelled while queued: it never runs.
        extra = second.post(f"/api/reports/{SLUG}/exports?{QUARTER}").get_json()
        assert extra["state"] == "queued"
        cancelled = second.post(f"/api/exports/{extra['job_id']}/cancel").get_json()
        assert cancelled["state"] == "cancelled"
        # The running job ends; its slot goes to the queued one, which finishes.
        first.post(f"/api/exports/{running.get_json()['job_id']}/cancel")
        wait_state(first, running.get_json()["job_id"], {"cancelled", "done"})
        done = wait_state(second, job["job_id"], {"done"} | FINAL)
        assert done["state"] == "done" and done["rows_done"] == job["rows_total"] > 0
        assert second.get(f"/api/exports/{extra['job_id']}").get_json()["state"] == "cancelled"
    finally:
        cancel_all(first)
        cancel_all(second)
