"""疑似客户审核: the queue's rows and the decisions on them, for the page and the API.

Rows come from the catalog's 疑似重复客户 list (``customer-suspects``), so scope and
masking are the reports' own; a decision is taken only on a pair the user can see, and
kept in the operational store (ops/customers.py), applied by the next load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data.settings import Settings
from engines.base import Engine
from ops import customers as decisions_store
from queries import engine as reporting
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.filters import FilterError, parse_filters

REVIEW_SLUG = "customer-review"
LIST_SLUG = "customer-suspects"
MASTERS_SLUG = "customer-masters"
DECISIONS = {"merge": "合并为同一客户", "split": "拆分 (移出原客户)",
             "not_same": "不是同一客户", "undo": "撤销决定"}
STORED_LABELS = {"merge": "已决定合并", "not_same": "已决定不是同一客户", "detach": "已决定拆分"}
SIDES = {"l": "甲", "r": "乙"}
MAX_REASON = 200


class ReviewError(ValueError):
    """Bad input to a decision: ``field`` names it, the message says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def pair_key(row: Mapping[str, Any]) -> str:
    ends = sorted(f"{row[f'source_system_{x}']}|{row[f'customer_code_{x}']}" for x in "lr")
    return "~".join(ends)


def _with_decisions(settings: Settings, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = [pair_key(r) for r in rows]
    live = decisions_store.decisions(settings.users_db, pair_keys=keys)
    by_key = {d["pair_key"]: d for d in live}
    for row, key in zip(rows, keys, strict=True):
        d = by_key.get(key)
        row["pair_key"] = key
        row["decision"] = None if d is None else {
            "decision_id": d["decision_id"], "decision": d["decision"],
            "label": STORED_LABELS[d["decision"]], "made_by": d["made_by"],
            "made_at": d["made_at"], "reason": d["reason"]}
    return rows


@dataclass(frozen=True)
class SuspectPage:
    rows: list[dict[str, Any]]
    total: int | None
    offset: int
    limit: int


def suspects(engine: Engine, viewer: Viewer, args: Mapping[str, Any], *,
             limit: int = 20, offset: int = 0) -> SuspectPage:
    """A page of the queue with each pair's live decision; filters as the list's."""
    report = CATALOG[LIST_SLUG]
    values = parse_filters(report, args, engine.settings.today)
    result = reporting.run_detail(engine, report, values, viewer, limit=limit, offset=offset)
    return SuspectPage(_with_decisions(engine.settings, [dict(r) for r in result.rows]),
                       result.total, offset, limit)


def suspect(engine: Engine, viewer: Viewer, suspect_id: int) -> dict[str, Any] | None:
    """One pair if it lies in the viewer's scope (else None: as if it did not exist)."""
    report = CATALOG[LIST_SLUG]
    values = parse_filters(report, {}, engine.settings.today)
    result = reporting.run_detail(
        engine, report, values, viewer, limit=1, with_total=False,
        column_filters={"suspect_id": {"filterType": "number", "type": "equals",
                                       "filter": suspect_id}})
    rows = [dict(r) for r in result.rows]
    return _with_decisions(engine.settings, rows)[0] if rows else None


def _checked(body: Mapping[str, Any]) -> tuple[str, str | None, str]:
    if not isinstance(body, Mapping):
        raise ReviewError("decision", "请求内容应为 JSON 对象, 如 {\"decision\": \"merge\"}")
    decision = body.get("decision")
    if decision not in DECISIONS:
        raise ReviewError("decision", "decision (决定) 应为 merge (合并)、split (拆分)、"
                                      f"not_same (不是同一客户) 或 undo (撤销), 收到 {decision!r}")
    side = body.get("side")
    if decision == "split":
        if side not in SIDES:
            raise ReviewError("side", "拆分需要 side (拆出哪一条记录): l (甲) 或 r (乙), "
                                      f"收到 {side!r}")
    elif side is not None:
        raise ReviewError("side", "只有拆分 (split) 需要 side")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise ReviewError("reason", f"reason (理由) 应为不超过 {MAX_REASON} 字的文本")
    return decision, side, reason.strip()


def decide(engine: Engine, viewer: Viewer, suspect_id: int,
           body: Mapping[str, Any]) -> dict[str, Any] | None:
    """Take a decision on a pair the viewer sees; None when the pair is not theirs to see.
    Raises ReviewError for bad input (before anything is written)."""
    decision, side, reason = _checked(body)
    row = suspect(engine, viewer, suspect_id)
    if row is None:
        return None
    db = engine.settings.users_db
    if decision == "undo":
        live = row["decision"]
        if live is None:
            raise ReviewError("decision", "这对疑似客户还没有决定, 无可撤销")
        decisions_store.undo_decision(db, live["decision_id"], viewer.username)
        return suspect(engine, viewer, suspect_id)
    refs = {x: decisions_store.Record(row[f"customer_code_{x}"], row[f"source_system_{x}"])
            for x in "lr"}
    if decision == "split":
        assert side is not None
        decisions_store.record_decision(
            db, decision="detach", a=refs[side], b=None, username=viewer.username,
            pair_key=row["pair_key"], master_no=row[f"master_no_{side}"], reason=reason)
    else:
        decisions_store.record_decision(
            db, decision=decision, a=refs["l"], b=refs["r"], username=viewer.username,
            pair_key=row["pair_key"], master_no=f"{row['master_no_l']},{row['master_no_r']}",
            reason=reason)
    return suspect(engine, viewer, suspect_id)


def undo(engine: Engine, viewer: Viewer, decision_id: int) -> bool:
    """Undo a live decision on customers in the viewer's scope: one of the 统一客户号 it
    was taken on must be visible to them in the 统一客户 list (a merge applied by a load
    keeps one of the two numbers)."""
    found = decisions_store.decision(engine.settings.users_db, decision_id)
    if found is None or found["undone_at"] is not None:
        return False
    report = CATALOG[MASTERS_SLUG]
    visible = False
    for number in filter(None, (found["master_no"] or "").split(",")):
        values = parse_filters(report, {"master": number}, engine.settings.today)
        if reporting.run_detail(engine, report, values, viewer, limit=1,
                             with_total=False).rows:
            visible = True
            break
    return visible and decisions_store.undo_decision(engine.settings.users_db, decision_id,
                                                     viewer.username)


__all__ = ["DECISIONS", "FilterError", "ReviewError", "SuspectPage", "decide", "suspect",
           "suspects", "undo"]
