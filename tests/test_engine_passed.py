"""The engine is built once where a process starts and passed to everything that reads the
store: the app answers pages, API calls and exports through the engine it was given, and
no runtime module of the app builds one of its own."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import engines
from data.settings import Settings
from engines.base import Engine, Rows, Statement
from tests.auth_fixtures import sign_in

ROOT = Path(__file__).resolve().parent.parent
GUARDED = ("queries", "callbacks", "layouts", "pages", "auth")
# Where a process of its own starts and builds its engine once (``python -m auth.admin``).
ENTRY_POINTS = {("auth/admin.py", "main")}


class CountingEngine:
    """The real engine, every attribute delegated, counting the statements it is asked."""

    def __init__(self, real: Engine) -> None:
        self._real = real
        self.calls = 0

    def run(self, statement: Statement) -> Rows:
        self.calls += 1
        return self._real.run(statement)

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> Rows:
        self.calls += 1
        return self._real.fetch(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_requests_are_answered_by_the_engine_the_app_was_given(settings: Settings) -> None:
    from app import create_app

    # Settings no engine was built for yet, and no results cache: every answer is asked of
    # the engine, and any engine_for() on the way would add an entry to the registry.
    own = replace(settings, login_fail_delay=0.0, results_cache_entries=0)
    assert own not in engines._built
    wrapper = CountingEngine(engines.ENGINES[own.store_engine](own))
    built = dict(engines._built)
    client = sign_in(create_app(own, engine=cast(Engine, wrapper)).server, "gm")
    for url in ("/api/reports/pnl-auto-cube?group_by=branch",
                "/export/pnl-auto-cube.csv?level=summary&group_by=branch"):
        before = wrapper.calls
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[:300])
        assert wrapper.calls > before, f"{url} was not answered by the app's engine"
    assert engines._built == built, "a request built an engine of its own"


def engine_for_calls(source: str, path: str) -> set[tuple[str, str]]:
    """(path, enclosing function) of every call of ``engine_for`` in ``source``, by any
    name it was imported as; ``<module>`` when outside a function."""
    tree = ast.parse(source, filename=path)
    names = {"engine_for"} | {a.asname for node in ast.walk(tree)
                              if isinstance(node, ast.ImportFrom)
                              for a in node.names if a.name == "engine_for" and a.asname}
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if where == "<module>" else f"{where}.{child.name}"
            if isinstance(child, ast.Call):
                f = child.func
                if (isinstance(f, ast.Name) and f.id in names) or (
                        isinstance(f, ast.Attribute) and f.attr == "engine_for"):
                    found.add((path, where))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def test_the_check_sees_calls_not_comments_or_text() -> None:
    source = '''
"""engine_for(settings) in a docstring"""
from engines import engine_for as build
import engines
# engine_for(settings) in a comment
def page(settings):
    text = "engine_for(settings)"
    return build(settings)
class Holder:
    def rows(self, settings):
        return engines.engine_for(settings).fetch("SELECT 1")
'''
    assert engine_for_calls(source, "x.py") == {("x.py", "page"), ("x.py", "Holder.rows")}


def test_no_runtime_module_builds_an_engine() -> None:
    found: set[tuple[str, str]] = set()
    for package in GUARDED:
        for file in sorted((ROOT / package).rglob("*.py")):
            rel = file.relative_to(ROOT).as_posix()
            found |= engine_for_calls(file.read_text(encoding="utf-8"), rel)
    assert found - ENTRY_POINTS == set(), "pass the engine in instead of building it"
    # An entry point that no longer builds one leaves the list.
    assert found >= ENTRY_POINTS
