"""One typed settings object, read from environment variables with defaults.

Every part of the product receives a ``Settings`` instance; nothing deeper reads
``os.environ`` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The operational store's locator: a SQLAlchemy/PostgreSQL URL, or the path of a SQLite file.
OpsDb = str | Path


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"环境变量 {name} 应为整数, 实际为 {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_date(name: str, default: date | None) -> date | None:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"环境变量 {name} 应为 ISO 日期 (YYYY-MM-DD), 实际为 {raw!r}") from exc


def _engine(raw: str) -> str:
    engine = raw.strip().lower()
    if engine not in {"duckdb", "clickhouse"}:
        raise ValueError(f"环境变量 STORE_ENGINE 应为 duckdb 或 clickhouse, 实际为 {raw!r}")
    return engine


@dataclass(frozen=True)
class Settings:
    store_path: Path = ROOT / "var" / "store.duckdb"
    # The operational store (users, grants, audit, load history, jobs, saved views):
    # SQLite at ``users_path`` (default beside the store, which is read-only), or the
    # database ``database_url`` names (postgresql://user:pass@host/db) when set.
    users_path: Path | None = None
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8050
    # None: a random key made once and kept beside the users store (see auth/secret.py).
    secret_key: str | None = None
    production: bool = False
    demo_policies: int = 200_000
    demo_seed: int = 2026
    # "Today" of the generated book; None means the real date.
    as_of: date | None = None
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "2GB"
    # Seconds a process spends warming a store it opens (at start-up, after a swap): each
    # report's opening summary runs once, so a user's first request reads no cold column.
    warm_seconds: int = 15
    build_memory_limit: str = "5GB"  # for generating or importing a store
    # The generator's threads: more than cores, as its steps wait on writes; on 2 cores
    # 4 threads built 10 M policies in 142 s against 173 s with 2. (The importer uses
    # DUCKDB_THREADS: its joins on business keys got slower with more.)
    build_threads: int = 4
    # Which engine answers the reports: the DuckDB file above, or ClickHouse at
    # ``clickhouse_url`` (http(s)://user:pass@host:8123/db, or chdb:///path embedded).
    store_engine: str = "duckdb"
    clickhouse_url: str = ""
    # Summaries and detail pages kept per store, report, filters and scope; 0 = off.
    results_cache_entries: int = 512
    results_cache_cells: int = 2_000_000  # values (rows x columns) the cache may hold
    # Business rules that REPORTS.md calls settings.
    lapse_grace_days: int = 30
    receivable_excluded_risks: tuple[str, ...] = ("JLK", "JLA", "DAD", "YAE")
    receivable_cutoff: date = date(2003, 9, 1)
    # Customer value grades (客户价值分级) of a year, read when the store is built: VIP
    # from this premium and this contribution (到款保费 - 已决 - 未决) up; 重要 from
    # the key premium up with a contribution not below zero.
    vip_premium: Decimal = Decimal("50000")
    vip_contribution: Decimal = Decimal("10000")
    key_premium: Decimal = Decimal("10000")
    # 续保管理: policies ending within this many days ahead (and ended this many ago).
    renewal_window_days: int = 90
    export_dir: Path = field(default_factory=lambda: ROOT / "var" / "exports")
    # Rows of one xlsx sheet below its header (Excel's limit; lower only in tests), and the
    # largest xlsx written inside a request (bigger ones run as a background job).
    excel_max_rows: int = 1_048_575
    xlsx_sync_max_rows: int = 100_000
    # The most groups a summary answers in one request (the API's ``limit``).
    summary_max_limit: int = 25_000
    # Background Excel jobs running at once on the server (more wait, queued).
    export_max_running: int = 4
    # Sign-in hardening: a pause after each failure, a lock after too many.
    login_fail_delay: float = 0.5
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    login_max_failures_per_address: int = 30
    # Sessions end after this long without a request, and this long after signing in.
    session_idle_minutes: int = 480
    session_lifetime_days: int = 7
    # Origins besides the server's own host allowed to post (behind a proxy that renames
    # the host), e.g. "https://bi.example.com".
    trusted_origins: tuple[str, ...] = ()
    time_zone: str = "Asia/Shanghai"  # how the audit log shows times

    # Background jobs (imports, large exports) running at once on the whole server.
    jobs_max_running: int = 4
    # Importer bounds: problems listed per file before it stops checking that file; the
    # plausible range of every date in the files; what one .xlsx may hold.
    import_max_errors: int = 10_000
    import_date_min: date = date(1900, 1, 1)
    import_date_max: date = date(2100, 12, 31)
    import_xlsx_max_rows: int = 500_000
    import_xlsx_max_columns: int = 64
    import_xlsx_max_cell_chars: int = 2_000
    import_xlsx_max_bytes: int = 256 * 2**20  # uncompressed, all parts of the zip

    @property
    def users_db(self) -> OpsDb:
        """Where the operational store is: a database URL, or the SQLite file."""
        return self.database_url or self.users_path or self.store_path.with_name("users.sqlite")

    @property
    def today(self) -> date:
        return self.as_of or date.today()

    @classmethod
    def from_env(cls) -> Settings:
        store = Path(_env("STORE_PATH", str(cls.store_path)))
        users = os.environ.get("USERS_PATH")
        excluded = _env("RECEIVABLE_EXCLUDED_RISKS", "JLK,JLA,DAD,YAE")
        return cls(
            store_path=store,
            users_path=Path(users) if users else None,
            database_url=_env("DATABASE_URL", ""),
            host=_env("HOST", cls.host),
            port=_env_int("PORT", cls.port),
            secret_key=os.environ.get("SECRET_KEY"),
            production=_env_bool("PRODUCTION", False),
            demo_policies=_env_int("DEMO_POLICIES", cls.demo_policies),
            demo_seed=_env_int("DEMO_SEED", cls.demo_seed),
            as_of=_env_date("AS_OF", None),
            duckdb_threads=_env_int("DUCKDB_THREADS", cls.duckdb_threads),
            warm_seconds=_env_int("WARM_SECONDS", cls.warm_seconds),
            duckdb_memory_limit=_env("DUCKDB_MEMORY_LIMIT", cls.duckdb_memory_limit),
            build_memory_limit=_env("BUILD_MEMORY_LIMIT", cls.build_memory_limit),
            build_threads=_env_int("BUILD_THREADS", cls.build_threads),
            store_engine=_engine(_env("STORE_ENGINE", cls.store_engine)),
            clickhouse_url=_env("CLICKHOUSE_URL", cls.clickhouse_url),
            results_cache_entries=_env_int("RESULTS_CACHE_ENTRIES", cls.results_cache_entries),
            results_cache_cells=_env_int("RESULTS_CACHE_CELLS", cls.results_cache_cells),
            lapse_grace_days=_env_int("LAPSE_GRACE_DAYS", cls.lapse_grace_days),
            receivable_excluded_risks=tuple(c.strip() for c in excluded.split(",") if c.strip()),
            vip_premium=Decimal(_env("VIP_PREMIUM", str(cls.vip_premium))),
            vip_contribution=Decimal(_env("VIP_CONTRIBUTION", str(cls.vip_contribution))),
            key_premium=Decimal(_env("KEY_PREMIUM", str(cls.key_premium))),
            receivable_cutoff=_env_date("RECEIVABLE_CUTOFF", cls.receivable_cutoff)
            or cls.receivable_cutoff,
            export_dir=Path(_env("EXPORT_DIR", str(ROOT / "var" / "exports"))),
            excel_max_rows=_env_int("EXCEL_MAX_ROWS", cls.excel_max_rows),
            xlsx_sync_max_rows=_env_int("XLSX_SYNC_MAX_ROWS", cls.xlsx_sync_max_rows),
            jobs_max_running=_env_int("JOBS_MAX_RUNNING", cls.jobs_max_running),
            login_max_failures_per_address=_env_int("LOGIN_MAX_FAILURES_PER_ADDRESS",
                                                    cls.login_max_failures_per_address),
            session_idle_minutes=_env_int("SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            session_lifetime_days=_env_int("SESSION_LIFETIME_DAYS", cls.session_lifetime_days),
            trusted_origins=tuple(o.strip().rstrip("/") for o in
                                  _env("TRUSTED_ORIGINS", "").split(",") if o.strip()),
            time_zone=_env("TIME_ZONE", cls.time_zone),
            import_max_errors=_env_int("IMPORT_MAX_ERRORS", cls.import_max_errors),
            import_date_min=_env_date("IMPORT_DATE_MIN", cls.import_date_min)
            or cls.import_date_min,
            import_date_max=_env_date("IMPORT_DATE_MAX", cls.import_date_max)
            or cls.import_date_max,
            import_xlsx_max_rows=_env_int("IMPORT_XLSX_MAX_ROWS", cls.import_xlsx_max_rows),
            import_xlsx_max_bytes=_env_int("IMPORT_XLSX_MAX_BYTES", cls.import_xlsx_max_bytes),
            summary_max_limit=_env_int("SUMMARY_MAX_LIMIT", cls.summary_max_limit),
            export_max_running=_env_int("EXPORT_MAX_RUNNING", cls.export_max_running),
        )
