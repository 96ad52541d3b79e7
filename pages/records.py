"""The record pages: /policy/<保单号> and /claim/<立案号> (queries/links.py), each checked
for the signed-in viewer on the server."""

from __future__ import annotations

from typing import Any

import dash

import auth
from layouts.record_page import KIND_WORDS, record_missing, record_page
from queries.links import RECORD_PATHS
from queries.record_data import record_view
from queries.records import RECORD_PAGES


def _layout_for(kind: str):  # type: ignore[no-untyped-def]
    def layout(number: str = "", **_args: str) -> Any:
        viewer = auth.current_viewer()
        view = None if viewer is None else record_view(auth.current_engine(), kind,
                                                        number, viewer)
        return record_missing(kind, number) if view is None else record_page(view)

    return layout


def register_record_pages() -> None:
    for kind in RECORD_PAGES:
        dash.register_page(f"record-{kind}", path_template=f"{RECORD_PATHS[kind]}/<number>",
                           title=f"{KIND_WORDS[kind]}详情 - 保险分析查询系统",
                           name=f"{KIND_WORDS[kind]}详情", layout=_layout_for(kind))
