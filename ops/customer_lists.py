"""The maintained 黑名单 and the reassignments of orphan policies: rows of the
operational store (ops/customer_lists_tables.py), every change audited. The analytical
store takes them at its next build (data/written_data.py); ``request_refresh`` starts
that build as a background job."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, select, update

from data.settings import OpsDb, Settings
from ops import db as ops_db
from ops import jobs
from ops.agent_reassign_tables import policy_agent_reassignment
from ops.audit import now_iso, record_to
from ops.customer_lists_tables import customer_blacklist, policy_reassignment

REFRESH_KIND = "refresh"
MAX_REASON = 200


class ListError(ValueError):
    """A change that cannot be made; the message says why, in Chinese."""


def blacklist_entries(db: OpsDb, *, include_removed: bool = False) -> list[dict[str, Any]]:
    query = select(customer_blacklist).order_by(customer_blacklist.c.entry_id.desc())
    if not include_removed:
        query = query.where(customer_blacklist.c.removed_at.is_(None))
    with ops_db.read(db) as con:
        return [dict(r._mapping) for r in con.execute(query).all()]


def add_to_blacklist(db: OpsDb, customer_code: str, reason: str, username: str) -> int:
    code, why = (customer_code or "").strip(), (reason or "").strip()
    if not code:
        raise ListError("客户代码: 必须填写")
    if not why:
        raise ListError("原因: 必须填写 (为什么列入黑名单)")
    if len(why) > MAX_REASON:
        raise ListError(f"原因: 最多 {MAX_REASON} 个字")
    with ops_db.write(db) as con:
        listed = con.execute(select(customer_blacklist.c.entry_id).where(
            customer_blacklist.c.customer_code == code,
            customer_blacklist.c.removed_at.is_(None))).first()
        if listed is not None:
            raise ListError(f"客户 {code} 已在黑名单中")
        entry_id = ops_db.inserted_id(con.execute(insert(customer_blacklist).values(
            customer_code=code, reason=why, added_by=username, added_at=now_iso())))
    record_to(db, "blacklist_added", username=username, page="customers-blacklist-edit",
              detail={"customer_code": code, "reason": why, "entry": entry_id})
    return int(entry_id)


def remove_from_blacklist(db: OpsDb, entry_id: int, username: str) -> None:
    with ops_db.write(db) as con:
        row = con.execute(select(customer_blacklist).where(
            customer_blacklist.c.entry_id == entry_id,
            customer_blacklist.c.removed_at.is_(None))).first()
        if row is None:
            raise ListError("该黑名单记录不存在或已移除")
        con.execute(update(customer_blacklist).where(
            customer_blacklist.c.entry_id == entry_id).values(
            removed_by=username, removed_at=now_iso()))
    record_to(db, "blacklist_removed", username=username, page="customers-blacklist-edit",
              detail={"customer_code": row.customer_code, "entry": entry_id})


def new_batch() -> str:
    return secrets.token_hex(8)


def record_reassignment(db: OpsDb, policy_nos: list[str], from_code: str, to_code: str,
                        username: str, *, batch: str | None = None) -> str:
    """Write one bulk reassignment (checked by the caller: queries/reassign.py) and its
    audit row; returns its batch id."""
    batch = batch or new_batch()
    at = now_iso()
    with ops_db.write(db) as con:
        con.execute(insert(policy_reassignment), [
            {"batch_id": batch, "policy_no": p, "from_staff_code": from_code,
             "to_staff_code": to_code, "by_username": username, "at": at}
            for p in policy_nos])
    record_to(db, "policies_reassigned", username=username, page="orphan-reassign",
              rows=len(policy_nos),
              detail={"batch": batch, "from": from_code, "to": to_code,
                      "policies": policy_nos[:50]})
    return batch


def record_agent_reassignment(db: OpsDb, moves: list[tuple[str, str]], to_code: str,
                              username: str, *, batch: str | None = None) -> str:
    """Write the new 代理人 of policies whose agent left (``moves``: policy number and the
    agent who left, checked by queries/reassign.py) and its audit row (before → after)."""
    batch = batch or new_batch()
    at = now_iso()
    with ops_db.write(db) as con:
        con.execute(insert(policy_agent_reassignment), [
            {"batch_id": batch, "policy_no": p, "from_agent_code": f, "to_agent_code": to_code,
             "by_username": username, "at": at} for p, f in moves])
    record_to(db, "policy_agents_reassigned", username=username, page="orphan-reassign",
              rows=len(moves),
              detail={"batch": batch, "role": "代理人",
                      "from": ", ".join(sorted({f for _, f in moves})), "to": to_code,
                      "policies": [p for p, _ in moves[:50]],
                      "changes": [{"policy": p, "from": f, "to": to_code}
                                  for p, f in moves[:50]]})
    return batch


def reassignments(db: OpsDb, limit: int = 200) -> list[dict[str, Any]]:
    """The latest reassignments of either party, newest first: ``role`` (经办人 / 代理人),
    ``from_code`` and ``to_code``."""
    handler = policy_reassignment.c
    agent = policy_agent_reassignment.c
    with ops_db.read(db) as con:
        rows = [{**dict(r._mapping), "role": "经办人", "from_code": r.from_staff_code,
                 "to_code": r.to_staff_code} for r in con.execute(
            select(policy_reassignment).order_by(handler.reassignment_id.desc())
            .limit(limit)).all()]
        rows += [{**dict(r._mapping), "role": "代理人", "from_code": r.from_agent_code,
                  "to_code": r.to_agent_code} for r in con.execute(
            select(policy_agent_reassignment).order_by(agent.reassignment_id.desc())
            .limit(limit)).all()]
    rows.sort(key=lambda r: (r["at"], r["role"] == "经办人"), reverse=True)
    return rows[:limit]


def request_refresh(settings: Settings, *, user_id: int | None, username: str | None
                    ) -> jobs.Job:
    """Queue a rebuild of the store's rollups with the decisions above (one waiting is
    enough: a refresh queued later reads the same rows)."""
    for job in jobs.list_jobs(settings.users_db, kind=REFRESH_KIND):
        if job.state == "queued":
            return job
    return jobs.submit(settings, REFRESH_KIND, {}, user_id=user_id, username=username)
