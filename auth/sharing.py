"""Sharing a saved view with a colleague: the colleague gets a copy among their own
views, named with who shared it. The copy holds filters, not data: opened, it runs
under the colleague's own grant and data scope like any link they follow."""

from __future__ import annotations

from auth.users import UserRecord, get_user, list_users
from data.settings import Settings
from ops.views import NAME_MAX, SavedView, ViewError, list_views, save_view
from queries.access import Viewer


def _may_receive(user: UserRecord | None, slug: str) -> bool:
    return user is not None and user.enabled and not user.is_template and \
        user.viewer().may_open(slug)


def colleagues(settings: Settings, viewer: Viewer, slug: str) -> list[tuple[int, str]]:
    """(user id, "员工代码 姓名") of every other active user who may open ``slug``."""
    return [(u.user_id, f"{u.username} {u.display_name}")
            for u in list_users(settings.users_db, templates=False)
            if u.user_id != viewer.user_id and _may_receive(u, slug)]


def share_view(settings: Settings, viewer: Viewer, view_id: int, to_user_id: int
               ) -> SavedView:
    """A copy of the viewer's own view ``view_id`` among ``to_user_id``'s views;
    ``ViewError`` (in Chinese) when the view is not the viewer's or the colleague may
    not open its page."""
    view = next((v for v in list_views(settings.users_db, viewer.user_id)
                 if v.view_id == view_id), None)
    if view is None:
        raise ViewError("只能分享自己保存的视图")
    to = get_user(settings.users_db, user_id=to_user_id)
    if to is None or to.user_id == viewer.user_id or not _may_receive(to, view.slug):
        raise ViewError("该同事没有此页面的使用权限, 不能分享")
    suffix = f" ({viewer.display_name} 分享)"
    name = view.name[:NAME_MAX - len(suffix)] + suffix
    return save_view(settings.users_db, to.user_id, view.slug, name, view.query)
