"""One typed settings object, read from environment variables with defaults.

Every part of the product receives a ``Settings`` instance; nothing deeper reads
``os.environ`` itself. The environment is read through pydantic-settings
(``Environment``), a variable per setting it may change, named as the setting in capitals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationError, ValidationInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# The operational store's locator: a SQLAlchemy/PostgreSQL URL, or the path of a SQLite file.
OpsDb = str | Path


def _engine(raw: str) -> str:
    engine = raw.strip().lower()
    if engine not in {"duckdb", "clickhouse"}:
        raise ValueError(f"环境变量 STORE_ENGINE 应为 duckdb 或 clickhouse, 实际为 {raw!r}")
    return engine


def _unset_when_blank(kind: type[Any], message: str
                      ) -> Callable[[Any, ValidationInfo], Any]:
    """A before-validator: an empty variable counts as unset (the default applies); one
    that does not parse is refused in Chinese, naming the variable."""
    def parse(raw: Any, info: ValidationInfo) -> Any:
        if raw is None or raw == "":
            return None
        try:
            return kind(raw) if isinstance(raw, str) else raw
        except ValueError as exc:
            raise ValueError(f"环境变量 {info.field_name} {message}, 实际为 {raw!r}") from exc
    return parse


def _words(raw: Any) -> Any:
    # "JLK, JLA" → ("JLK", "JLA"): a comma-separated list, not JSON.
    return tuple(w.strip() for w in raw.split(",") if w.strip()) if isinstance(raw, str) \
        else raw


def _flag(raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    return raw.strip().lower() in {"1", "true", "yes", "on"} if isinstance(raw, str) else raw


EnvInt = Annotated[int | None, BeforeValidator(_unset_when_blank(int, "应为整数"))]
EnvDate = Annotated[date | None, BeforeValidator(
    _unset_when_blank(date.fromisoformat, "应为 ISO 日期 (YYYY-MM-DD)"))]
EnvFlag = Annotated[bool | None, BeforeValidator(_flag)]
EnvWords = Annotated[tuple[str, ...] | None, NoDecode, BeforeValidator(_words)]


class Environment(BaseSettings):
    """The environment variables the product reads, by their names: a name left unset
    (or, for numbers, dates and flags, set empty) leaves ``Settings``' default."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    STORE_PATH: Path | None = None
    USERS_PATH: Annotated[Path | None, BeforeValidator(lambda raw: raw or None)] = None
    DATABASE_URL: str | None = None
    HOST: str | None = None
    PORT: EnvInt = None
    SECRET_KEY: str | None = None
    PRODUCTION: EnvFlag = None
    DEMO_POLICIES: EnvInt = None
    DEMO_SEED: EnvInt = None
    AS_OF: EnvDate = None
    DUCKDB_THREADS: EnvInt = None
    WARM_SECONDS: EnvInt = None
    DUCKDB_MEMORY_LIMIT: str | None = None
    BUILD_MEMORY_LIMIT: str | None = None
    BUILD_THREADS: EnvInt = None
    STORE_ENGINE: Annotated[str | None, AfterValidator(
        lambda raw: None if raw is None else _engine(raw))] = None
    CLICKHOUSE_URL: str | None = None
    RESULTS_CACHE_ENTRIES: EnvInt = None
    RESULTS_CACHE_CELLS: EnvInt = None
    LAPSE_GRACE_DAYS: EnvInt = None
    RECEIVABLE_EXCLUDED_RISKS: EnvWords = None
    VIP_PREMIUM: Decimal | None = None
    VIP_CONTRIBUTION: Decimal | None = None
    KEY_PREMIUM: Decimal | None = None
    RECEIVABLE_CUTOFF: EnvDate = None
    EXPORT_DIR: Path | None = None
    EXCEL_MAX_ROWS: EnvInt = None
    XLSX_SYNC_MAX_ROWS: EnvInt = None
    JOBS_MAX_RUNNING: EnvInt = None
    LOGIN_MAX_FAILURES_PER_ADDRESS: EnvInt = None
    SESSION_IDLE_MINUTES: EnvInt = None
    SESSION_LIFETIME_DAYS: EnvInt = None
    # Each origin without a trailing slash.
    TRUSTED_ORIGINS: Annotated[tuple[str, ...] | None, NoDecode, BeforeValidator(_words),
                               AfterValidator(lambda found: None if found is None else
                                              tuple(o.rstrip("/") for o in found))] = None
    TIME_ZONE: str | None = None
    IMPORT_MAX_ERRORS: EnvInt = None
    IMPORT_DATE_MIN: EnvDate = None
    IMPORT_DATE_MAX: EnvDate = None
    IMPORT_XLSX_MAX_ROWS: EnvInt = None
    IMPORT_XLSX_MAX_BYTES: EnvInt = None
    SUMMARY_MAX_LIMIT: EnvInt = None
    EXPORT_MAX_RUNNING: EnvInt = None


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
        """The settings the environment gives (``Environment``); a variable that does not
        parse is a ``ValueError`` naming it."""
        try:
            given = Environment().model_dump(exclude_none=True)
        except ValidationError as exc:
            error = exc.errors()[0]
            cause = (error.get("ctx") or {}).get("error")
            raise ValueError(str(cause) if isinstance(cause, ValueError) else
                             f"环境变量 {error['loc'][0]} 的值 {error['input']!r} 无效") from exc
        return cls(**{name.lower(): value for name, value in given.items()})
