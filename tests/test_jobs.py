"""The job runner: states kept in the operational store, the work in a process of its
own, a server-wide cap, cancelling, and a job whose process dies reported failed."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest

from data.settings import Settings
from ops import jobs
from ops.runner import EXTRA_HANDLERS_ENV
from tests.ops_fixtures import with_own_database


@pytest.fixture
def ops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(EXTRA_HANDLERS_ENV, "probe=tests.job_probe")
    plain = Settings(store_path=tmp_path / "store.duckdb", jobs_max_running=2)
    return with_own_database(plain, tmp_path / "ops.sqlite")


def _wait(settings: Settings, job_id: str, seconds: float = 60) -> jobs.Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = jobs.get(settings.users_db, job_id)
        assert job is not None
        if job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def _submit(settings: Settings, **params: object) -> jobs.Job:
    return jobs.submit(settings, "probe", params, user_id=1, username="tester")


def test_a_job_runs_in_its_own_process_and_ends_done(ops: Settings) -> None:
    job = _submit(ops, seconds=1.0, steps=4)
    assert job.state == "running"  # a slot was free
    seen = set()
    while not (current := jobs.get(ops.users_db, job.job_id)).finished:  # type: ignore[union-attr]
        seen.add(current.step)
        time.sleep(0.05)
    assert current.state == "done" and current.message == "完成 4 步"
    assert current.progress == 1.0 and current.public()["percent"] == 100.0
    assert current.result["pid"] != os.getpid() and current.result["steps"] == 4
    assert seen & {"第 2 步", "第 3 步"}  # progress is visible while it runs
    assert current.finished_at is not None and current.started_at is not None


def test_a_failing_job_is_failed_with_its_reason(ops: Settings) -> None:
    done = _wait(ops, _submit(ops, fail=True).job_id)
    assert done.state == "failed" and "探针按要求失败" in done.message


def test_the_cap_queues_jobs_and_each_finishing_job_starts_the_next(ops: Settings) -> None:
    ids = [_submit(ops, seconds=1.2, steps=3).job_id for _ in range(5)]
    most_running = 0
    while True:
        states = [jobs.get(ops.users_db, i).state for i in ids]  # type: ignore[union-attr]
        most_running = max(most_running, states.count("running"))
        if all(s in jobs.FINAL_STATES for s in states):
            break
        time.sleep(0.05)
    assert most_running == 2  # the cap, reached and never passed
    assert states == ["done"] * 5
    finished = sorted((j.started_at, j.finished_at) for j in
                      (jobs.get(ops.users_db, i) for i in ids) if j)
    # At no moment were three running: the third started after one of the first two
    # ended (either may end first).
    assert finished[2][0] >= min(finished[0][1], finished[1][1])


def test_cancel_a_queued_and_a_running_job(ops: Settings) -> None:
    one = replace(ops, jobs_max_running=1)
    running = _submit(one, seconds=30, steps=60)
    queued = _submit(one, seconds=0.1)
    assert jobs.get(one.users_db, queued.job_id).state == "queued"  # type: ignore[union-attr]
    assert jobs.request_cancel(one.users_db, queued.job_id).state == "cancelled"  # type: ignore[union-attr]
    jobs.request_cancel(one.users_db, running.job_id)
    stopped = _wait(one, running.job_id, 20)
    assert stopped.state == "cancelled" and stopped.message == "已取消"
    assert _wait(one, queued.job_id).state == "cancelled"  # never started after all


def test_a_job_whose_process_dies_is_reported_failed(ops: Settings,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    job = _submit(ops, seconds=60, steps=120)
    deadline = time.monotonic() + 30
    while (pid := jobs.get(ops.users_db, job.job_id).pid) is None:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    monkeypatch.setattr(jobs, "STALE_SECONDS", 1.0)
    time.sleep(1.5)
    jobs.dispatch(ops)
    dead = jobs.get(ops.users_db, job.job_id)
    assert dead is not None and dead.state == "failed" and "意外结束" in dead.message


def test_a_users_limit_refuses_more_unfinished_jobs(ops: Settings) -> None:
    first = jobs.submit(ops, "probe", {"seconds": 0.5}, user_id=7, username="limited",
                        per_user=1, refused="已有 {n} 个")
    with pytest.raises(jobs.Refused, match="已有 1 个"):
        jobs.submit(ops, "probe", {"seconds": 0.5}, user_id=7, username="limited",
                    per_user=1, refused="已有 {n} 个")
    assert _wait(ops, first.job_id).state == "done"
    again = jobs.submit(ops, "probe", {"seconds": 0.1}, user_id=7, username="limited",
                        per_user=1)  # the first one finished: a slot of the user's is free
    assert _wait(ops, again.job_id).state == "done"


def test_jobs_are_listed_per_user_and_unknown_ids_are_none(ops: Settings) -> None:
    mine = _submit(ops, seconds=0.1)
    other = jobs.submit(ops, "probe", {"seconds": 0.1}, user_id=2, username="other")
    assert [j.job_id for j in jobs.list_jobs(ops.users_db, user_id=1)] == [mine.job_id]
    assert jobs.get(ops.users_db, "0" * 32) is None and jobs.get(ops.users_db, "x") is None
    _wait(ops, mine.job_id)
    _wait(ops, other.job_id)
