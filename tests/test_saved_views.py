"""Saved views in the operational store: per user and page, replaced by name, and only
the owner removes one."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.views import ViewError, delete_view, list_views, save_view
from tests.ops_fixtures import fresh_database


def test_views_are_per_user_and_saved_again_by_name(tmp_path: Path) -> None:
    db = fresh_database(tmp_path / "views.sqlite")
    first = save_view(db, 1, "lapsed-auto", "本月脱保", "date_from=2026-11-01&run=1")
    again = save_view(db, 1, "lapsed-auto", " 本月脱保 ", "date_from=2026-11-15&run=1")
    save_view(db, 1, "claim-cycle", "广州", "branch=1")
    save_view(db, 2, "lapsed-auto", "本月脱保", "x=1")
    assert again.view_id == first.view_id and again.query == "date_from=2026-11-15&run=1"
    assert [(v.slug, v.name) for v in list_views(db, 1)] == [
        ("claim-cycle", "广州"), ("lapsed-auto", "本月脱保")]
    assert [v.query for v in list_views(db, 2, "lapsed-auto")] == ["x=1"]
    assert not delete_view(db, 2, first.view_id)  # not user 2's view
    assert delete_view(db, 1, first.view_id)
    assert [v.name for v in list_views(db, 1)] == ["广州"]


def test_a_view_needs_a_name_of_reasonable_length(tmp_path: Path) -> None:
    db = fresh_database(tmp_path / "views.sqlite")
    with pytest.raises(ViewError, match="视图名称"):
        save_view(db, 1, "lapsed-auto", "  ", "run=1")
    with pytest.raises(ViewError, match="筛选条件过长"):
        save_view(db, 1, "lapsed-auto", "长", "x" * 5000)
