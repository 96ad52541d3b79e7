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

from data.search_index import CUSTOMER_FIELDS, RECORD_FIELDS
from engines.base import Engine
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.links import customer_url, record_url
from queries.masking import mask_value
from queries.sql import Statement
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
_CUSTOMER_LABELS = {code: FIELD_LABELS[name] for name, code in CUSTOMER_FIELDS.items()}
_RECORD_KINDS = {code: name for name, code in RECORD_FIELDS.items()}
# Starting with a digit, digits and letters only: the shape of an ID number (身份证,
# 统一社会信用代码, 组织机构代码), a mobile or a phone number (保单号 and 赔案号 start
# with letters).
_NUMBER_LIKE = re.compile(r"^[0-9][0-9A-Za-z\s\-]{5,}[0-9A-Za-z]$")


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


def customer_in_scope(engine: Engine, viewer: Viewer, code: str) -> bool:
    """The customer exists and (below company level) has business in the viewer's scope."""
    params: dict[str, Any] = {"code": (code or "").strip()}
    scope = scope_predicate(viewer, params, "k.")
    return bool(store_rows(engine, f"""
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


def store_rows(engine: Engine, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    # Values are bound, never in the text: the same text for any search.
    names, raw = run(engine, Statement(sql, params))
    return [dict(zip(names, r, strict=True)) for r in raw]


def id_list(values: list[Any]) -> str:
    # Integer ids read from the store itself, never user input.
    return ", ".join(str(int(v)) for v in values) or "NULL"


_RECORD_LIKE = re.compile(r"^[A-Z]{1,6}[0-9]{6,}$")  # 保单号 PDAA…, 立案号 CDAA…, 车架号


def list_scope(viewer: Viewer, params: dict[str, Any]) -> str:
    """The viewer's scope on a customer key row (the lists of its policies' branches,
    科室 and 经办人)."""
    scope = viewer.scope
    if scope.level == "company":
        return "TRUE"
    column, value = {"branch": ("branch_ids", scope.branch_id),
                     "department": ("dept_ids", scope.dept_id),
                     "self": ("handler_ids", scope.staff_id)}[scope.level]
    params["scope"] = value
    return f"list_contains({column}, $scope)"


def search(engine: Engine, viewer: Viewer, text: str) -> SearchResult:
    query = (text or "").strip()[:MAX_QUERY]
    if len(query) < MIN_QUERY:
        raise SearchRefused(f"请输入至少 {MIN_QUERY} 个字符")
    personal = is_personal_query(query)
    if personal and not viewer.personal_data:
        raise SearchRefused("您没有查看个人信息的权限, 不能按证件号、手机或电话查找客户")
    term = normal_term(query)
    result = SearchResult(query)
    if not viewer.personal_data and len(query) >= MIN_ADDRESS:
        result.notes.append("按地址查找需要个人信息权限, 未查地址")
    if not _RECORD_LIKE.match(term):
        result.customers = _customers(engine, viewer, term, personal)
    if not personal:
        _records(engine, viewer, term, result)
    return result


def _customers(engine: Engine, viewer: Viewer, term: str, personal: bool
               ) -> list[dict[str, Any]]:
    """Customers by a whole number (证件号, 手机, 电话) or by the start of a name or
    (with the personal-data permission) an address, in the viewer's scope."""
    params: dict[str, Any] = {"term": term}
    fields: tuple[str, ...]
    if personal:
        match, fields = "term = $term", PERSONAL_FIELDS
    else:
        params["term_end"] = term + "\uffff"
        match = "term >= $term AND term < $term_end"
        fields = ("name", "address") if viewer.personal_data and len(term) >= MIN_ADDRESS \
            else ("name",)
    listed = ", ".join(str(CUSTOMER_FIELDS[f]) for f in fields)
    scope = list_scope(viewer, params)
    # The first key rows (a pruned read of the term), then what they show, by id.
    rows = store_rows(engine, f"""
        WITH hit AS (
            SELECT term, field, customer_id, code_order, policies FROM search_customer_key
            WHERE {match} AND field IN ({listed}) AND {scope}
            ORDER BY term = $term DESC, term, code_order, field LIMIT {MAX_HITS * 2})
        SELECT {_named("hit.field", "c.master_no", "c.customer_code", "c.customer_name",
                       "c.customer_kind", "c.id_type", "c.id_no", "c.mobile",
                       "hit.policies")}
        FROM hit JOIN customer c USING (customer_id)
        ORDER BY hit.term = $term DESC, hit.term, hit.code_order, hit.field""", params)
    # One hit per master customer (统一客户号): its records are one customer.
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = r["master_no"] or r["customer_code"]
        if key in out or len(out) >= MAX_HITS:
            continue
        id_no, mobile = r["id_no"], r["mobile"]
        if not viewer.personal_data:
            id_no, mobile = mask_value("id_no", id_no), mask_value("phone", mobile)
        out[key] = {
            "master_no": r["master_no"],
            "customer_code": r["customer_code"], "customer_name": r["customer_name"],
            "customer_kind": r["customer_kind"], "id_type": r["id_type"], "id_no": id_no,
            "mobile": mobile,
            # Company-wide figures only for a company-wide viewer (the page counts the rest).
            "policies": int(r["policies"]) if viewer.scope.level == "company" else None,
            "matched": _CUSTOMER_LABELS[int(r["field"])], "url": customer_url(key)}
    return list(out.values())


def _named(*columns: str) -> str:
    # Each column named as itself: ClickHouse would name ``p.x`` by its prefix too.
    return ", ".join(f"{c} AS {c.split('.')[-1]}" for c in columns)


STAGES = {"unregistered": "已报案未立案", "open": "已立案未结案", "closed": "已结案",
          "cancelled": "已注销"}


def _records(engine: Engine, viewer: Viewer, term: str, result: SearchResult) -> None:
    params: dict[str, Any] = {"term": term}
    scope = scope_predicate(viewer, params, "p.")
    # The key rows of the term and their policies, read by id; their claims (a claim
    # number's key row) by id too, so a policy's lookup never reads claim_fact.
    rows = store_rows(engine, f"""
        SELECT {_named("k.field", "k.claim_id", "p.policy_no", "p.risk_code", "p.start_date",
                       "p.end_date", "p.status", "p.plate_no", "v.vin", "p.brand_model",
                       "p.handler_code", "p.insured_code")},
               ins.customer_name AS insured_name
        FROM search_record_key k JOIN policy_pnl p USING (policy_id)
        LEFT JOIN vehicle v ON v.vehicle_id = p.vehicle_id
        JOIN customer ins ON ins.customer_id = p.insured_id
        WHERE k.term = $term AND {scope}""", params)
    claim_ids = sorted({int(r["claim_id"]) for r in rows if r["claim_id"] is not None})
    claims = {int(c["claim_id"]): c for c in store_rows(engine, """
        SELECT claim_id, claim_no, report_no, report_date, stage, estimated_loss_cny, paid_cny
        FROM claim_fact WHERE claim_id = ANY($ids)""", {"ids": claim_ids})} if claim_ids else {}
    for r in rows:
        r.update(claims.get(r["claim_id"], _NO_CLAIM) if r["claim_id"] is not None
                 else _NO_CLAIM)
    # As ORDER BY start_date DESC, report_date DESC (NULLs last): two stable sorts.
    rows.sort(key=lambda r: (r["report_date"] is not None, r["report_date"]), reverse=True)
    rows.sort(key=lambda r: r["start_date"], reverse=True)
    _show_records(viewer, rows[:MAX_HITS * 4], result)


_NO_CLAIM: dict[str, Any] = {"claim_no": None, "report_no": None, "report_date": None,
                             "stage": None, "estimated_loss_cny": None, "paid_cny": None}


def _show_records(viewer: Viewer, rows: list[dict[str, Any]], result: SearchResult) -> None:
    claims_granted = any(viewer.may_open(r.slug) for r in CATALOG.values()
                         if r.area == "claims")
    seen_policies: set[str] = set()
    vehicles: dict[str, dict[str, Any]] = {}
    for r in rows:
        kind = _RECORD_KINDS[int(r["field"])]
        if kind in {"claim_no", "report_no"}:
            if claims_granted and len(result.claims) < MAX_HITS:
                result.claims.append({
                    "claim_no": r["claim_no"], "report_no": r["report_no"],
                    "policy_no": r["policy_no"], "report_date": str(r["report_date"]),
                    "stage": STAGES.get(r["stage"], r["stage"]),
                    "estimated_loss_cny": float(r["estimated_loss_cny"] or 0),
                    "paid_cny": float(r["paid_cny"] or 0),
                    "url": record_url("claim", r["claim_no"] or r["report_no"]),
                    "policy_url": record_url("policy", r["policy_no"])})
            continue
        if r["policy_no"] not in seen_policies and len(seen_policies) < MAX_HITS:
            seen_policies.add(r["policy_no"])
            result.policies.append({
                "policy_no": r["policy_no"], "risk_code": r["risk_code"],
                "start_date": str(r["start_date"]), "end_date": str(r["end_date"]),
                "status": r["status"], "plate_no": r["plate_no"],
                "handler_code": r["handler_code"], "insured_name": r["insured_name"],
                "insured_url": customer_url(r["insured_code"]),
                "url": record_url("policy", r["policy_no"])})
        if kind in {"plate_no", "vin"}:
            vehicles.setdefault(r["vin"], {
                "plate_no": r["plate_no"], "vin": r["vin"], "brand_model": r["brand_model"],
                "latest_policy_no": r["policy_no"], "insured_name": r["insured_name"],
                "insured_url": customer_url(r["insured_code"]),
                "url": record_url("policy", r["policy_no"])})
    result.vehicles = list(vehicles.values())
