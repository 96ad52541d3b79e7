"""The latest USD exchange rate as every worker of a served app answers it, and a T+1 day
of rates to load: how the ClickHouse-served tests and bench see a new day arrive."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import requests

from auth.templates import DEMO_PASSWORD
from tests.served_app import Served

RATES = "/api/reports/exchange-rates"
USD_RATES = {"date_from": "2026-11-01", "date_to": "2026-12-31", "currency": "USD"}
RATE_ARGS = {**USD_RATES, "level": "detail", "limit": "1"}


def day_zip(day: str, usd: str) -> bytes:
    """A T+1 day of one file: the day's exchange rates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("day/exchange_rate.csv", "currency_code,rate_date,rate_to_cny\n"
                                            f"USD,{day},{usd}\nEUR,{day},8.123456\n")
    return buf.getvalue()


def access_log_env(access_log: Path) -> dict[str, str]:
    """``bin/serve``'s environment for an access log naming each request's worker."""
    return {"WEB_ACCESS_LOG": str(access_log),
            "GUNICORN_CMD_ARGS": "--access-logformat '%(p)s %(U)s %(s)s'"}


class Reader:
    """Reads the latest exchange rate, one request per connection, and learns from
    gunicorn's access log which worker answered each."""

    def __init__(self, served: Served, access_log: Path) -> None:
        self.served, self.access_log = served, access_log
        self.session = requests.Session()
        self.session.headers["Connection"] = "close"  # each request may reach any worker
        resp = self.session.post(f"{served.base}/login", allow_redirects=False, timeout=60,
                                 data={"username": "gm", "password": DEMO_PASSWORD})
        assert resp.status_code == 302, resp.status_code

    def latest_rate(self) -> tuple[int, str, str]:
        """(worker pid, date, USD rate) of the newest row the report lists."""
        seen = self._answered()
        resp = self.session.get(f"{self.served.base}{RATES}", params=RATE_ARGS, timeout=60)
        assert resp.status_code == 200, resp.text[:500]
        [usd] = resp.json()["rows"]
        assert usd["currency_code"] == "USD", usd
        deadline = time.monotonic() + 10
        while len(answered := self._answered()) == len(seen):
            assert time.monotonic() < deadline, "the access log names no worker"
            time.sleep(0.05)
        return answered[-1], str(usd["rate_date"])[:10], f"{float(usd['rate_to_cny']):.6f}"

    def every_worker(self, pids: set[int], seconds: float = 90) -> dict[int, tuple[str, str]]:
        """What each of ``pids`` answers (every answer is kept; one per worker back).

        Requests are spaced out: a worker busy warming a store it has just opened takes
        its next request only once it is done, and back-to-back requests would all go to
        the idle ones."""
        answers: dict[int, set[tuple[str, str]]] = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, day, rate = self.latest_rate()
            answers.setdefault(pid, set()).add((day, rate))
            if set(answers) >= pids:
                break
            time.sleep(0.1)
        assert set(answers) == pids, f"workers {pids}, answered by {set(answers)}"
        assert all(len(a) == 1 for a in answers.values()), answers  # one day per worker
        return {pid: next(iter(a)) for pid, a in answers.items()}

    def _answered(self) -> list[int]:
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return [int(line.split()[0].strip("<>")) for line in text.splitlines() if RATES in line]
