"""综合查询: one box finding customers, policies, vehicles and claims by 证件号, 手机,
电话, 姓名, 地址, 车牌, 车架号, 保单号, 立案号 or 报案号.

Terms are looked up in the sorted tables of data/search_index.py (one value, a few row
groups), then every hit is kept only when the viewer's data scope holds its business:
a customer with a policy (as 被保险人 or 投保人) in scope, a policy or claim in scope.
A user without the personal-data permission cannot look anyone up by a personal field:
a query that is an ID or phone number is refused, and addresses are not searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot

from data.settings import Settings
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.compile import Statement, escape_like
from queries.links import customer_url, record_url
from queries.masking import mask_value
from queries.store import run

CUSTOMER_AREA = "customers"
MAX_QUERY = 60
MIN_QUERY = 2
MAX_HITS = 50  # of each kind
MIN_ADDRESS = 4  # characters of an address before it is searched (a scan)

PERSONAL_FIELDS = ("id_no", "mobile", "phone")
FIELD_LABELS = {"id_no": "证件号", "mobile": "手机", "phone": "电话", "name": "姓名",
                "address": "地址", "policy_no": "保单号", "plate_no": "车牌",
                "vin": "车架号", "claim_no": "立案号", "report_no": "报案号"}
# Digits (and an ID's X) only: the shape of an ID, mobile or phone number.
_NUMBER_LIKE = re.compile(r"^[0-9][0-9\s\-]{5,}[0-9Xx]$")


class SearchRefused(Exception):
    """The query asks for something the viewer may not search by (message in Chinese)."""


@dataclass
class SearchResult:
    query: str
    customers: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {"query": self.query, "customers": self.customers, "policies": self.policies,
                "vehicles": self.vehicles, "claims": self.claims, "notes": self.notes}


def may_search(viewer: Viewer) -> bool:
    """The customer pages (search, 客户360) are for users granted a 客户管理 page."""
    return any(viewer.may_open(r.slug) for r in CATALOG.values() if r.area == CUSTOMER_AREA)


def may_edit_blacklist(viewer: Viewer) -> bool:
    """黑名单维护: users granted 8.8 whose scope is a branch or the company."""
    return viewer.may_open("customers-blacklist") and viewer.scope.level in {"branch",
                                                                             "company"}


def customer_in_scope(settings: Settings, viewer: Viewer, code: str) -> bool:
    """The customer exists and (below company level) has business in the viewer's scope."""
    params: dict[str, Any] = {"code": (code or "").strip()}
    scope = scope_predicate(viewer, params, "k.")
    return bool(store_rows(settings, f"""
        SELECT 1 AS hit FROM customer c LEFT JOIN customer_policy k USING (customer_id)
        WHERE c.customer_code = $code AND ({scope}) LIMIT 1""", params))


def normal_term(text: str) -> str:
    """The form data/search_index.py stores terms in: upper case, no spaces or hyphens
    inside a number."""
    text = text.strip().upper()
    return re.sub(r"[\s\-]", "", text) if _NUMBER_LIKE.match(text) else text


def is_personal_query(text: str) -> bool:
    return bool(_NUMBER_LIKE.match(text.strip()))


def scope_predicate(viewer: Viewer, params: dict[str, Any], prefix: str = "") -> str:
    """The viewer's data scope on rows carrying branch_id, dept_id and handler_id."""
    scope = viewer.scope
    if scope.level == "company":
        return "TRUE"
    column, value = {"branch": ("branch_id", scope.branch_id),
                     "department": ("dept_id", scope.dept_id),
                     "self": ("handler_id", scope.staff_id)}[scope.level]
    name = f"scope{len(params)}"
    params[name] = value
    return f"{prefix}{column} = ${name}"


def store_rows(settings: Settings, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    names, raw = run(settings, Statement(sqlglot.parse_one(sql, read="duckdb"), params))
    return [dict(zip(names, r, strict=True)) for r in raw]


def id_list(values: list[Any]) -> str:
    # Integer ids read from the store itself, never user input.
    return ", ".join(str(int(v)) for v in values) or "NULL"


def search(settings: Settings, viewer: Viewer, text: str) -> SearchResult:
    query = (text or "").strip()[:MAX_QUERY]
    if len(query) < MIN_QUERY:
        raise SearchRefused(f"请输入至少 {MIN_QUERY} 个字符")
    personal = is_personal_query(query)
    if personal and not viewer.personal_data:
        raise SearchRefused("您没有查看个人信息的权限, 不能按证件号、手机或电话查找客户")
    term = normal_term(query)
    result = SearchResult(query)
    fields = ["name", *(PERSONAL_FIELDS if viewer.personal_data else ())]
    params: dict[str, Any] = {"term": term}
    listed = ", ".join(f"'{f}'" for f in fields)
    # 姓名 by its start (王伟 finds 王伟东); numbers whole.
    match = ("(term = $term OR (field = 'name' AND term >= $term AND term < $term_end))"
             if not personal else "term = $term")
    if not personal:
        params["term_end"] = term + "\uffff"
    keys = store_rows(settings, f"SELECT field, customer_id FROM search_customer_key "
                           f"WHERE {match} AND field IN ({listed}) "
                           f"ORDER BY term = $term DESC LIMIT {MAX_HITS * 4}", params)
    found: dict[int, str] = {}
    for k in keys:
        found.setdefault(int(k["customer_id"]), FIELD_LABELS[k["field"]])
    if viewer.personal_data and not personal and len(query) >= MIN_ADDRESS:
        for k in store_rows(settings, "SELECT customer_id FROM customer WHERE address LIKE $a "
                                 f"ESCAPE '\\' LIMIT {MAX_HITS}",
                       {"a": f"%{escape_like(query)}%"}):
            found.setdefault(int(k["customer_id"]), FIELD_LABELS["address"])
    elif not viewer.personal_data and len(query) >= MIN_ADDRESS:
        result.notes.append("按地址查找需要个人信息权限, 未查地址")
    result.customers = _customers(settings, viewer, found)
    if not personal:
        _records(settings, viewer, term, result)
    return result


def _customers(settings: Settings, viewer: Viewer, found: dict[int, str]
               ) -> list[dict[str, Any]]:
    if not found:
        return []
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    rows = store_rows(settings, f"""
        SELECT c.customer_id, c.customer_code, c.customer_name, c.customer_kind, c.id_type,
               c.id_no, c.mobile, k.policies
        FROM (SELECT customer_id, count(DISTINCT policy_id) AS policies FROM customer_policy
              WHERE customer_id IN ({id_list(list(found))}) AND {scope} GROUP BY customer_id) k
        JOIN customer c USING (customer_id)
        ORDER BY k.policies DESC, c.customer_code LIMIT {MAX_HITS}""", params)
    out = []
    for r in rows:
        id_no, mobile = r["id_no"], r["mobile"]
        if not viewer.personal_data:
            id_no, mobile = mask_value("id_no", id_no), mask_value("phone", mobile)
        out.append({"customer_code": r["customer_code"], "customer_name": r["customer_name"],
                    "customer_kind": r["customer_kind"], "id_type": r["id_type"],
                    "id_no": id_no, "mobile": mobile, "policies": int(r["policies"]),
                    "matched": found[int(r["customer_id"])],
                    "url": customer_url(r["customer_code"])})
    return out


def _records(settings: Settings, viewer: Viewer, term: str, result: SearchResult) -> None:
    keys = store_rows(settings, "SELECT field, policy_id, claim_id FROM search_record_key "
                           f"WHERE term = $term LIMIT {MAX_HITS * 4}", {"term": term})
    if not keys:
        return
    policy_ids = sorted({int(k["policy_id"]) for k in keys if k["field"] in
                         {"policy_no", "plate_no", "vin"}})
    claim_ids = sorted({int(k["claim_id"]) for k in keys if k["claim_id"] is not None})
    vehicle_hit = any(k["field"] in {"plate_no", "vin"} for k in keys)
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params, "p.")
    if policy_ids:
        rows = store_rows(settings, f"""
            SELECT p.policy_no, p.risk_code, p.class_name, p.start_date, p.end_date,
                   p.status, p.plate_no, p.vin, p.brand_model, p.handler_code,
                   c.customer_code, c.customer_name
            FROM policy_pnl p JOIN customer c ON c.customer_id = p.insured_id
            WHERE p.policy_id IN ({id_list(policy_ids)}) AND {scope}
            ORDER BY p.start_date DESC LIMIT {MAX_HITS}""", params)
        for r in rows:
            policy = {"policy_no": r["policy_no"], "risk_code": r["risk_code"],
                      "class_name": r["class_name"], "start_date": str(r["start_date"]),
                      "end_date": str(r["end_date"]), "status": r["status"],
                      "plate_no": r["plate_no"], "handler_code": r["handler_code"],
                      "insured_name": r["customer_name"],
                      "insured_url": customer_url(r["customer_code"]),
                      "url": record_url("policy", r["policy_no"])}
            result.policies.append(policy)
        if vehicle_hit:
            seen: dict[str, dict[str, Any]] = {}
            for r in rows:
                seen.setdefault(r["vin"], {
                    "plate_no": r["plate_no"], "vin": r["vin"], "brand_model": r["brand_model"],
                    "latest_policy_no": r["policy_no"], "insured_name": r["customer_name"],
                    "insured_url": customer_url(r["customer_code"]),
                    "url": record_url("policy", r["policy_no"])})
            result.vehicles = list(seen.values())
    if claim_ids and any(viewer.may_open(r.slug) for r in CATALOG.values()
                         if r.area == "claims"):
        params = {}
        scope = scope_predicate(viewer, params, "f.")
        rows = store_rows(settings, f"""
            SELECT f.claim_no, f.report_no, f.policy_no, f.report_date, f.stage,
                   f.estimated_loss_cny, f.paid_cny
            FROM claim_fact f WHERE f.claim_id IN ({id_list(claim_ids)}) AND {scope}
            ORDER BY f.report_date DESC LIMIT {MAX_HITS}""", params)
        stages = {"unregistered": "已报案未立案", "open": "已立案未结案", "closed": "已结案",
                  "cancelled": "已注销"}
        result.claims = [{
            "claim_no": r["claim_no"], "report_no": r["report_no"],
            "policy_no": r["policy_no"], "report_date": str(r["report_date"]),
            "stage": stages.get(r["stage"], r["stage"]),
            "estimated_loss_cny": float(r["estimated_loss_cny"] or 0),
            "paid_cny": float(r["paid_cny"] or 0),
            "url": record_url("claim", r["claim_no"] or r["report_no"]),
            "policy_url": record_url("policy", r["policy_no"])} for r in rows]
