"""The shell's phone menu: the header's button opens and closes the menu drawer (in the
browser, no request)."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from layouts.shell import SHELL_ID


def register(app: Dash) -> None:
    app.clientside_callback(
        """(opened, navbar) => Object.assign({}, navbar,
               {collapsed: {mobile: !opened}})""",
        Output(SHELL_ID, "navbar"), Input("nav-burger", "opened"), State(SHELL_ID, "navbar"),
        prevent_initial_call=True)
