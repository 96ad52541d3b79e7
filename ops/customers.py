"""Reading and writing 客户识别 decisions and rule priorities (ops/customer_tables.py).

Each change and its audit row are written in one transaction; an undo stamps the
decision, it never deletes it. ``load_inputs`` is what every load applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from data.customers import DEFAULT_RULES, Decisions, MatchConfig, MatchRule
from data.settings import OpsDb
from ops import db as ops_db
from ops.audit import now_iso
from ops.customer_tables import DECISION_KINDS, customer_decisions, customer_rules
from ops.tables import audit

PAGE = "customer-suspects"


@dataclass(frozen=True)
class Record:
    """One source record: its business key."""

    customer_code: str
    source_system: str


def _audit(con: Connection, username: str, event: str, page: str,
           detail: dict[str, Any]) -> None:
    con.execute(insert(audit).values(at=now_iso(), username=username, event=event, page=page,
                                     detail=json.dumps(detail, ensure_ascii=False)))


def record_decision(db: OpsDb, *, decision: str, a: Record, b: Record | None, username: str,
                    pair_key: str | None = None, master_no: str | None = None,
                    reason: str = "") -> int:
    """Keep a decision (merge / not_same / detach) and audit it; returns its id. An
    earlier live decision on the same records is undone by it (the last word counts)."""
    if decision not in DECISION_KINDS:
        raise ValueError(f"未知的决定 {decision!r}")
    if decision != "detach" and b is None:
        raise ValueError("合并或标记不是同一客户需要两条记录")
    with ops_db.write(db) as con:
        for old in _live_on(con, a, b):
            _stamp_undone(con, old, username, superseded=True)
        new_id = ops_db.inserted_id(con.execute(insert(customer_decisions).values(
            decision=decision, customer_code_a=a.customer_code, source_system_a=a.source_system,
            customer_code_b=b.customer_code if b else None,
            source_system_b=b.source_system if b else None, pair_key=pair_key,
            master_no=master_no, reason=reason, made_by=username, made_at=now_iso())))
        _audit(con, username, "customer_decision", PAGE, {
            "decision_id": new_id, "decision": decision, "a": [a.source_system, a.customer_code],
            "b": [b.source_system, b.customer_code] if b else None, "pair_key": pair_key,
            "master_no": master_no, "reason": reason})
    return int(new_id)


def _live_on(con: Connection, a: Record, b: Record | None) -> list[int]:
    t = customer_decisions.c
    rows = con.execute(select(t.decision_id, t.customer_code_a, t.source_system_a,
                              t.customer_code_b, t.source_system_b)
                       .where(t.undone_at.is_(None))).fetchall()
    wanted = {(a.customer_code, a.source_system)} | (
        {(b.customer_code, b.source_system)} if b else set())
    out = []
    for row in rows:
        refs = {(row[1], row[2])} | ({(row[3], row[4])} if row[3] else set())
        if refs == wanted:
            out.append(row[0])
    return out


def _stamp_undone(con: Connection, decision_id: int, username: str, *,
                  superseded: bool = False) -> None:
    con.execute(update(customer_decisions).where(
        customer_decisions.c.decision_id == decision_id).values(
        undone_by=username, undone_at=now_iso()))
    _audit(con, username, "customer_decision_undo", PAGE,
           {"decision_id": decision_id, "superseded": superseded})


def undo_decision(db: OpsDb, decision_id: int, username: str) -> bool:
    """Undo a live decision; False when there is none of that id (or it is undone)."""
    with ops_db.write(db) as con:
        t = customer_decisions.c
        live = con.execute(select(t.decision_id).where(
            t.decision_id == decision_id, t.undone_at.is_(None))).first()
        if live is None:
            return False
        _stamp_undone(con, decision_id, username)
    return True


def decisions(db: OpsDb, *, live_only: bool = True, pair_keys: list[str] | None = None
              ) -> list[dict[str, Any]]:
    t = customer_decisions.c
    query = select(customer_decisions).order_by(t.decision_id)
    if live_only:
        query = query.where(t.undone_at.is_(None))
    if pair_keys is not None:
        if not pair_keys:
            return []
        query = query.where(t.pair_key.in_(pair_keys))
    with ops_db.read(db) as con:
        return [dict(r._mapping) for r in con.execute(query).fetchall()]


def decisions_on(db: OpsDb, records: list[Record]) -> list[dict[str, Any]]:
    """Every decision (undone ones too) naming one of ``records``, oldest first."""
    if not records:
        return []
    t = customer_decisions.c
    codes = sorted({r.customer_code for r in records})
    query = select(customer_decisions).where(
        t.customer_code_a.in_(codes) | t.customer_code_b.in_(codes)).order_by(t.decision_id)
    keys = {(r.customer_code, r.source_system) for r in records}
    with ops_db.read(db) as con:
        rows = [dict(r._mapping) for r in con.execute(query).fetchall()]
    return [r for r in rows if (r["customer_code_a"], r["source_system_a"]) in keys
            or (r["customer_code_b"], r["source_system_b"]) in keys]


def decision(db: OpsDb, decision_id: int) -> dict[str, Any] | None:
    with ops_db.read(db) as con:
        row = con.execute(select(customer_decisions).where(
            customer_decisions.c.decision_id == decision_id)).first()
    return dict(row._mapping) if row else None


def rules(db: OpsDb) -> tuple[MatchRule, ...]:
    """The rules in priority order (disabled ones included); the defaults when none kept."""
    t = customer_rules.c
    with ops_db.read(db) as con:
        rows = con.execute(select(customer_rules).order_by(t.position)).fetchall()
    if not rows:
        return DEFAULT_RULES
    return tuple(MatchRule(r.rule_code, tuple(json.loads(r.fields)), bool(r.decisive),
                           bool(r.enabled)) for r in rows)


def save_rules(db: OpsDb, new_rules: tuple[MatchRule, ...], username: str) -> None:
    """Replace the rule priorities (checked as a MatchConfig first) and audit the change."""
    MatchConfig(rules=new_rules)  # refuses duplicate codes and unknown fields
    if not any(r.enabled for r in new_rules):
        raise ValueError("至少要启用一条规则")
    before = rules(db)
    with ops_db.write(db) as con:
        con.execute(delete(customer_rules))
        stamp = now_iso()
        for position, rule in enumerate(new_rules, start=1):
            con.execute(insert(customer_rules).values(
                rule_code=rule.code, position=position, fields=json.dumps(list(rule.fields)),
                decisive=int(rule.decisive), enabled=int(rule.enabled), updated_by=username,
                updated_at=stamp))
        _audit(con, username, "customer_rules", "customer-rules", {
            "before": [_rule_text(r) for r in before], "after": [_rule_text(r) for r in new_rules]})


def _rule_text(rule: MatchRule) -> str:
    return f"{rule.code}{'' if rule.enabled else ' (停用)'}"


def load_inputs(db: OpsDb) -> tuple[MatchConfig, Decisions]:
    """What a load applies: the rule priorities and every live decision."""
    live = decisions(db)
    return MatchConfig(rules=rules(db)), Decisions.from_rows(live)
