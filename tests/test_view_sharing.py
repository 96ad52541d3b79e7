"""Saved views shared with a colleague (a copy, only of one's own view, only to a user
who may open the page) and the per-user grid columns kept in the operational store."""

from __future__ import annotations

from typing import Any

import pytest

from auth.sharing import colleagues, share_view
from auth.users import UserRecord, get_user
from data.settings import Settings
from ops.grid_columns import save_columns, saved_columns, valid_cols
from ops.views import ViewError, list_views, save_view


def _user(settings: Settings, name: str) -> UserRecord:
    user = get_user(settings.users_db, username=name)
    assert user is not None
    return user


def test_a_view_is_shared_as_a_copy_with_a_colleague_of_the_page(
        settings: Settings, app_server: Any) -> None:
    gm, branch, claims = (_user(settings, n) for n in ("gm", "branch01", "claims01"))
    assert not claims.viewer().may_open("lapsed-auto")
    view = save_view(settings.users_db, gm.user_id, "lapsed-auto", "两家支公司",
                     "branch=1,2&run=1")
    offered = dict(colleagues(settings, gm.viewer(), "lapsed-auto"))
    assert offered[branch.user_id] == f"branch01 {branch.display_name}"
    assert gm.user_id not in offered and claims.user_id not in offered
    assert not any(name.startswith("tpl-") for name in offered.values())
    copy = share_view(settings, gm.viewer(), view.view_id, branch.user_id)
    assert (copy.user_id, copy.slug, copy.query) == (branch.user_id, "lapsed-auto",
                                                     "branch=1,2&run=1")
    assert copy.name == f"两家支公司 ({gm.display_name} 分享)"
    assert copy.view_id in {v.view_id for v in list_views(settings.users_db, branch.user_id)}
    with pytest.raises(ViewError, match="只能分享自己保存的视图"):
        share_view(settings, branch.viewer(), view.view_id, gm.user_id)
    with pytest.raises(ViewError, match="没有此页面的使用权限"):
        share_view(settings, gm.viewer(), view.view_id, claims.user_id)


def test_grid_columns_are_kept_per_user_and_page_and_only_in_the_grids_form(
        settings: Settings, app_server: Any) -> None:
    gm, branch = _user(settings, "gm"), _user(settings, "branch01")
    save_columns(settings.users_db, gm.user_id, "claims-open", "claim_no:200,!policy_no:120")
    save_columns(settings.users_db, gm.user_id, "claims-open", "claim_no:220,days_open:90")
    assert saved_columns(settings.users_db, gm.user_id, "claims-open") == \
        "claim_no:220,days_open:90"
    assert saved_columns(settings.users_db, branch.user_id, "claims-open") is None
    assert saved_columns(settings.users_db, gm.user_id, "claim-cycle") is None
    for bad in ("", "claim_no", "claim_no:abc", "x:1;DROP", "a:1," * 2000):
        assert not valid_cols(bad)
        with pytest.raises(ValueError, match="列设置无效"):
            save_columns(settings.users_db, gm.user_id, "claims-open", bad)
