"""客户数据管理 pages that are not reports: 9.5 疑似客户审核 and 6.7 客户识别规则."""

from __future__ import annotations

from dash import Dash

from engines.base import Engine


def register_customer_data_pages(app: Dash, engine: Engine) -> None:
    from pages import customer_review, customer_rules

    customer_review.register(app, engine)
    customer_rules.register(app, engine.settings)
