"""Callbacks of saved views and of the detail grid's columns, registered once with
pattern-matching ids (layouts/saved_views.py). Each checks the page grant on the server
and acts for the signed-in user only."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import MATCH, Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

import auth
from auth.sharing import share_view
from callbacks.triggered import triggered_report
from data.settings import Settings
from layouts.saved_views import view_items
from ops.grid_columns import save_columns, valid_cols
from ops.views import SavedView, ViewError, delete_view, list_views, save_view
from queries.catalog import CATALOG

# What the user sees now (the grid writes its sort, filters and columns into the address
# bar without a request), with the name typed.
READ_VIEW = """
function (clicks, submits, name, saveId) {
    if (!clicks && !submits) { return window.dash_clientside.no_update; }
    const url = new URL(window.location.href);
    try {  // a detail list: its columns as they are now (a summary has no detail grid)
        const api = dash_ag_grid.getApi({type: "detail-grid", report: saveId.report});
        const cols = api.getColumnState().map(
            (c) => (c.hide ? "!" : "") + c.colId + ":" + Math.round(c.width || 0)).join(",");
        if (cols) { url.searchParams.set("cols", cols); }
    } catch (e) { /* no detail grid on the page */ }
    return {name: name || "", query: url.searchParams.toString(), at: Date.now()};
}
"""

# The grid's columns in the URL's form, sent when they differ from how the grid opened.
READ_COLUMNS = """
function (state, gridId) {
    const key = JSON.stringify(gridId);
    const cols = (state || []).map(
        (c) => (c.hide ? "!" : "") + c.colId + ":" + Math.round(c.width || 0)).join(",");
    window._gridColumnsSaved = window._gridColumnsSaved || {};
    if (window._gridColumnsSaved[key] === undefined) {
        window._gridColumnsSaved[key] = cols;
        return window.dash_clientside.no_update;
    }
    if (!cols || cols === window._gridColumnsSaved[key]) {
        return window.dash_clientside.no_update;
    }
    window._gridColumnsSaved[key] = cols;
    return cols;
}
"""

SHOW_COLUMNS = """
async function (visible, chooserId) {
    if (!visible) { return window.dash_clientside.no_update; }
    const api = await dash_ag_grid.getApiAsync({type: "detail-grid", report: chooserId.report});
    const all = api.getColumns().map((c) => c.getColId());
    api.setColumnsVisible(all.filter((c) => visible.includes(c)), true);
    api.setColumnsVisible(all.filter((c) => !visible.includes(c)), false);
    return window.dash_clientside.no_update;
}
"""

# Back to the catalog's columns (the grid's column definitions); saved as the new state.
RESET_COLUMNS = """
async function (clicks, resetId) {
    if (!clicks) { return window.dash_clientside.no_update; }
    const api = await dash_ag_grid.getApiAsync({type: "detail-grid", report: resetId.report});
    api.resetColumnState();
    return api.getColumns().map((c) => c.getColId());
}
"""


def _register_save(app: Dash, settings: Settings) -> None:
    db = settings.users_db

    @app.callback(
        Output({"type": "view-message", "report": MATCH}, "children"),
        Output({"type": "view-items", "report": MATCH}, "children"),
        Output({"type": "share-view", "report": MATCH}, "data"),
        Input({"type": "view-save-request", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def save(request):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not isinstance(request, dict):
            raise PreventUpdate
        try:
            view = save_view(db, viewer.user_id, slug, str(request.get("name") or ""),
                             str(request.get("query") or ""))
        except ViewError as exc:
            return _message(exc.args[0], "red"), no_update, no_update
        auth.audit.record("view_saved", page=slug, detail={"name": view.name})
        views = list_views(db, viewer.user_id, slug)
        return (_message(f"已保存视图“{view.name}”", "green"), view_items(views),
                _choices(views))


def _register_share(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "share-message", "report": MATCH}, "children"),
        Input({"type": "view-share", "report": MATCH}, "n_clicks"),
        State({"type": "share-view", "report": MATCH}, "value"),
        State({"type": "share-user", "report": MATCH}, "value"),
        prevent_initial_call=True,
    )
    def share(clicks, view_id, user_id):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not clicks:
            raise PreventUpdate
        if not view_id or not user_id:
            return _message("请选择视图和同事", "red")
        try:
            copy = share_view(settings, viewer, int(view_id), int(user_id))
        except (ViewError, ValueError) as exc:
            return _message(str(exc.args[0]) if isinstance(exc, ViewError)
                            else "视图或同事无效", "red")
        auth.audit.record("view_shared", page=slug,
                          detail={"name": copy.name, "to_user_id": copy.user_id})
        return _message(f"已分享: 同事的“我的视图”中多了“{copy.name}”", "green")


def _register_delete(app: Dash, settings: Settings) -> None:
    db = settings.users_db

    @app.callback(
        Output({"type": "share-message", "report": MATCH}, "children", allow_duplicate=True),
        Output({"type": "view-items", "report": MATCH}, "children", allow_duplicate=True),
        Output({"type": "share-view", "report": MATCH}, "data", allow_duplicate=True),
        Output({"type": "share-view", "report": MATCH}, "value"),
        Input({"type": "view-delete", "report": MATCH}, "n_clicks"),
        State({"type": "share-view", "report": MATCH}, "value"),
        prevent_initial_call=True,
    )
    def delete(clicks, view_id):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not clicks:
            raise PreventUpdate
        if not view_id or not str(view_id).isdigit() or \
                not delete_view(db, viewer.user_id, int(view_id)):
            return _message("请选择自己的视图", "red"), no_update, no_update, no_update
        auth.audit.record("view_deleted", page=slug, detail={"view_id": int(view_id)})
        views = list_views(db, viewer.user_id, slug)
        return (_message("已删除视图", "green"), view_items(views),
                _choices(views), None)


def _register_keep_columns(app: Dash, settings: Settings) -> None:
    db = settings.users_db

    @app.callback(
        Output({"type": "grid-columns", "report": MATCH}, "data", allow_duplicate=True),
        Input({"type": "grid-columns", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def keep_columns(cols):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not isinstance(cols, str) or not valid_cols(cols):
            raise PreventUpdate
        known = {c.key for c in CATALOG[slug].detail}
        if {p.split(":")[0].lstrip("!") for p in cols.split(",")} - known:
            raise PreventUpdate
        save_columns(db, viewer.user_id, slug, cols)
        return no_update


def register(app: Dash, settings: Settings) -> None:
    for modal in ("save", "share"):
        app.callback(
            Output({"type": f"view-{modal}-modal", "report": MATCH}, "opened"),
            Input({"type": f"view-open-{modal}", "report": MATCH}, "n_clicks"),
            prevent_initial_call=True,
        )(_open_modal)

    app.clientside_callback(
        READ_VIEW,
        Output({"type": "view-save-request", "report": MATCH}, "data"),
        Input({"type": "view-save", "report": MATCH}, "n_clicks"),
        Input({"type": "view-name", "report": MATCH}, "n_submit"),
        State({"type": "view-name", "report": MATCH}, "value"),
        State({"type": "view-save", "report": MATCH}, "id"),
        prevent_initial_call=True,
    )
    _register_save(app, settings)
    _register_share(app, settings)
    _register_delete(app, settings)

    app.clientside_callback(
        READ_COLUMNS,
        Output({"type": "grid-columns", "report": MATCH}, "data"),
        Input({"type": "detail-grid", "report": MATCH}, "columnState"),
        State({"type": "detail-grid", "report": MATCH}, "id"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        SHOW_COLUMNS,
        Output({"type": "col-choice", "report": MATCH}, "id"),
        Input({"type": "col-choice", "report": MATCH}, "value"),
        State({"type": "col-choice", "report": MATCH}, "id"),
        prevent_initial_call=True,
    )
    _register_keep_columns(app, settings)

    app.clientside_callback(
        RESET_COLUMNS,
        Output({"type": "col-choice", "report": MATCH}, "value"),
        Input({"type": "col-reset", "report": MATCH}, "n_clicks"),
        State({"type": "col-reset", "report": MATCH}, "id"),
        prevent_initial_call=True,
    )


def _open_modal(clicks: int | None) -> bool:
    triggered_report()
    return bool(clicks)


def _choices(views: list[SavedView]) -> list[dict[str, str]]:
    return [{"value": str(v.view_id), "label": v.name} for v in views]


def _message(text: str, color: str) -> object:
    return dmc.Text(text, c=color, size="sm", mt="sm", className="view-message")
