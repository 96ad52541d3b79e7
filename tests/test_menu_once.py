"""Every request resolves its user's grants through the menu: the menu is made once per
state of the catalog, and a report registered after start-up is still listed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from queries import menu
from queries.catalog import CATALOG


def test_menu_is_made_once_per_catalog_state(monkeypatch: pytest.MonkeyPatch) -> None:
    first = menu.pages()
    assert menu.pages() is first
    extra = replace(CATALOG["exchange-rates"], slug="exchange-rates-copy", number="4.99")
    monkeypatch.setitem(CATALOG, extra.slug, extra)
    grown = menu.pages()
    assert extra.slug in {p.slug for p in grown} and grown is not first
    monkeypatch.delitem(CATALOG, extra.slug)
    assert extra.slug not in {p.slug for p in menu.pages()}
