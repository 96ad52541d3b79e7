"""Settings from the environment (pydantic-settings): the same names and defaults, blanks
as unset, comma lists, and a Chinese message naming a variable that does not parse."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from data.settings import Environment, Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in Environment.model_fields:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_every_variable_names_a_setting_in_capitals() -> None:
    settings = {f.name for f in fields(Settings)}
    assert {name.lower() for name in Environment.model_fields} <= settings
    assert all(name.isupper() for name in Environment.model_fields)


def test_nothing_set_gives_the_defaults(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings.from_env() == Settings()


def test_values_parse_as_before(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in {
        "PORT": " 9000 ", "HOST": "", "PRODUCTION": "maybe", "AS_OF": "2026-11-24",
        "STORE_ENGINE": " ClickHouse ", "RECEIVABLE_EXCLUDED_RISKS": " JLK , ,X",
        "TRUSTED_ORIGINS": "https://a.example/ , https://b/", "USERS_PATH": "",
        "VIP_PREMIUM": "123.45", "RECEIVABLE_CUTOFF": "", "DEMO_SEED": "",
        "STORE_PATH": "/s/store.duckdb", "SECRET_KEY": "",
    }.items():
        clean_env.setenv(name, value)
    s = Settings.from_env()
    assert (s.port, s.host, s.production, s.as_of, s.store_engine) == (
        9000, "", False, date(2026, 11, 24), "clickhouse")
    assert s.receivable_excluded_risks == ("JLK", "X")
    assert s.trusted_origins == ("https://a.example", "https://b")
    assert s.users_path is None and s.secret_key == ""
    assert s.vip_premium == Decimal("123.45")
    assert s.receivable_cutoff == Settings.receivable_cutoff  # blank: the default
    assert s.demo_seed == Settings.demo_seed
    assert s.store_path == Path("/s/store.duckdb")
    clean_env.setenv("PRODUCTION", "Yes")
    clean_env.setenv("RECEIVABLE_EXCLUDED_RISKS", "")
    assert Settings.from_env().production is True
    assert Settings.from_env().receivable_excluded_risks == ()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("PORT", "80x", "环境变量 PORT 应为整数, 实际为 '80x'"),
    ("AS_OF", "2026-13-01", "环境变量 AS_OF 应为 ISO 日期 (YYYY-MM-DD), 实际为 '2026-13-01'"),
    ("STORE_ENGINE", "pg", "环境变量 STORE_ENGINE 应为 duckdb 或 clickhouse, 实际为 'pg'"),
    ("VIP_PREMIUM", "abc", "环境变量 VIP_PREMIUM 的值 'abc' 无效"),
])
def test_a_bad_value_names_its_variable(clean_env: pytest.MonkeyPatch, name: str, value: str,
                                        message: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(ValueError) as caught:
        Settings.from_env()
    assert str(caught.value) == message
