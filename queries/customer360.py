"""客户360: everything about one customer, for the viewer's scope.

A customer is every record sharing its 统一客户号 (``customer.master_no`` where the
store has it; until then the one record of the 客户代码). Each section is the detail
list of a catalog report filtered to the customer's policies, so it is scoped, masked
and laid out as that report is, and shown only to a viewer granted that report.

Scope: the page lists the business of the customer's policies inside the viewer's data
scope; of business outside it, only the number of policies and claims is shown (never
which, nor figures). A customer with no business in scope is not found at all, unless
its master customer lists the scope (a new customer of the work log, entered by one of
the scope's people, has no business yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from data.settings import Settings
from engines.base import Engine
from queries.access import Viewer
from queries.catalog import CATALOG
from queries.engine import DetailResult, SummaryResult, run_detail, run_summary
from queries.filters import FilterValues
from queries.masking import mask_value
from queries.search import id_list, list_scope, scope_predicate, store_rows
from queries.sql import Condition
from queries.store import table_columns

MAX_POLICIES = 2_000  # of one customer listed on the page (a fleet's further ones: notes)
SECTION_ROWS = 200
IDENTITY_FIELDS = ("customer_code", "customer_name", "customer_kind", "id_type", "id_no",
                   "phone", "mobile", "address", "birthday")
PERSONAL = {"id_no": "id_no", "phone": "phone", "mobile": "phone", "address": "address"}


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    slug: str  # the catalog report whose detail list it is
    # What the list is filtered by: the customer's policies in scope, its 客户代码 (as
    # 投保人 or 被保险人), or its 统一客户号.
    by: str = "policies"


SECTIONS: tuple[Section, ...] = (
    Section("policies", "保单与车辆", "customer-policies"),
    Section("proposals", "投保单", "proposal-status", by="codes"),
    Section("endorsements", "批单", "customer-endorsements"),
    Section("claims", "理赔 (含赔款支付)", "customer-claims"),
    Section("receivables", "应收保费", "receivable-policies"),
    Section("receipts", "实收与退费", "premium-received-daily"),
    Section("commissions", "手续费", "commission-list"),
    Section("changes", "变更历史 (逐次装载)", "customer-changes", by="master"),
)
PNL_REPORT, PNL_SUMMARY = "customer-policies", "by-year"


@dataclass
class CustomerView:
    key: str
    master_no: str | None
    records: list[dict[str, Any]]
    policies_in_scope: int
    policies_outside: int
    claims_outside: int
    sections: list[tuple[Section, DetailResult | None]] = field(default_factory=list)
    pnl: SummaryResult | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    blacklist: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.records[0]["customer_name"]) if self.records else ""


def _masked(viewer: Viewer, row: dict[str, Any]) -> dict[str, Any]:
    out = {k: (str(v) if k == "birthday" and v is not None else v) for k, v in row.items()}
    if not viewer.personal_data:
        for k, kind in PERSONAL.items():
            if k in out:
                out[k] = mask_value(kind, out[k])
    return out


def customer_records(engine: Engine, key: str) -> tuple[str | None, list[dict[str, Any]]]:
    """(统一客户号 or None, the records of the customer ``key`` names): a 客户代码 or a
    统一客户号."""
    has_master = "master_no" in table_columns(engine).get("customer", set())
    extra = ", c.master_no" + (", c.source_system" if "source_system" in
                               table_columns(engine).get("customer", set()) else "")
    if has_master:
        rows = store_rows(engine, f"""
            SELECT c.customer_id, c.master_id, {', '.join('c.' + f for f in IDENTITY_FIELDS)}
                   {extra}
            FROM customer c WHERE c.master_no = coalesce(
                (SELECT master_no FROM customer WHERE customer_code = $key LIMIT 1), $key)
            ORDER BY c.customer_code""", {"key": key})
        return (rows[0]["master_no"] if rows else None), rows
    rows = store_rows(engine, f"SELECT customer_id, {', '.join(IDENTITY_FIELDS)} FROM customer "
                           "WHERE customer_code = $key", {"key": key})
    return None, rows


def _listed_in_scope(engine: Engine, viewer: Viewer, master_no: str | None) -> bool:
    """The master customer's scope lists name the viewer's branch / 科室 / person."""
    if master_no is None:
        return False
    params: dict[str, Any] = {"no": master_no}
    rows = store_rows(engine, f"SELECT count(*) AS n FROM customer_master WHERE "
                                f"master_no = $no AND {list_scope(viewer, params)}", params)
    return bool(rows and rows[0]["n"])


def customer_view(engine: Engine, viewer: Viewer, key: str) -> CustomerView | None:
    """The page's content, or None when the customer is unknown or has no business in
    the viewer's scope (the two look alike)."""
    master_no, records = customer_records(engine, key)
    if not records:
        return None
    ids = [int(r["customer_id"]) for r in records]
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    links = store_rows(engine, f"SELECT policy_id, ({scope}) AS inside FROM customer_policy "
                            f"WHERE customer_id IN ({id_list(ids)})", params)
    inside = sorted({int(r["policy_id"]) for r in links if r["inside"]})
    outside = {int(r["policy_id"]) for r in links if not r["inside"]} - set(inside)
    if not inside and viewer.scope.level != "company" and \
            not _listed_in_scope(engine, viewer, master_no):
        return None
    claims_outside = 0
    if outside:
        claims_outside = int(store_rows(engine, "SELECT count(*) AS n FROM claim_fact WHERE "
                                             f"policy_id IN ({id_list(sorted(outside))})",
                                   {})[0]["n"])
    view = CustomerView(key, master_no, [_masked(viewer, r) for r in records], len(inside),
                        len(outside), claims_outside)
    if len(inside) > MAX_POLICIES:
        view.notes.append(f"该客户在您的数据范围内有 {len(inside):,} 张保单, 以下各表只按"
                          f"最近的 {MAX_POLICIES:,} 张列出")
        inside = inside[-MAX_POLICIES:]
    values = FilterValues([Condition("policy_id", "in", inside)]) if inside else None
    codes = [str(r["customer_code"]) for r in records]
    for section in SECTIONS:
        report = CATALOG.get(section.slug)
        if report is None or not viewer.may_open(section.slug):
            view.sections.append((section, None))
            continue
        shown = _section_values(section, values, codes, master_no)
        result = run_detail(engine, report, shown, viewer, limit=SECTION_ROWS) \
            if shown else DetailResult([], [], 0)
        view.sections.append((section, result))
    if values and viewer.may_open(PNL_REPORT):
        view.pnl = run_summary(engine, CATALOG[PNL_REPORT], values, viewer, PNL_SUMMARY)
    # The groups count master customers (data/customer_rollups.py customer_party).
    parties = sorted({int(r["master_id"]) if r.get("master_id") is not None
                      else -int(r["customer_id"]) for r in records})
    view.groups = _groups(engine, viewer, parties)
    view.blacklist = _blacklisted(engine, viewer, parties)
    view.decisions = customer_decisions(engine.settings, records)
    return view


def _section_values(section: Section, policies: FilterValues | None, codes: list[str],
                    master_no: str | None) -> FilterValues | None:
    if section.by == "codes":
        return FilterValues([Condition("", "or", [Condition("applicant_code", "in", codes),
                                                  Condition("insured_code", "in", codes)])])
    if section.by == "master":
        return FilterValues([Condition("master_no", "=", master_no)]) if master_no else None
    return policies


def _when(stamp: str | None) -> str:
    return (stamp or "").replace("T", " ")[:19]


DECISION_NAMES = {"merge": "合并", "not_same": "不是同一客户", "detach": "拆分"}


def customer_decisions(settings: Settings, records: list[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """The data stewards' decisions on the customer's records (the operational store),
    made or undone, newest first: what, on which records, by whom and when."""
    from ops.customers import Record, decisions_on

    refs = [Record(str(r["customer_code"]), str(r.get("source_system") or ""))
            for r in records]
    out = []
    for d in reversed(decisions_on(settings.users_db, refs)):
        other = (f"{d['source_system_b']} {d['customer_code_b']}"
                 if d["customer_code_b"] else "")
        out.append({"decision_id": d["decision_id"],
                    "decision": DECISION_NAMES.get(d["decision"], d["decision"]),
                    "records": f"{d['source_system_a']} {d['customer_code_a']}"
                               + (f" ~ {other}" if other else ""),
                    "master_no": d["master_no"] or "", "reason": d["reason"] or "",
                    "made_by": d["made_by"], "made_at": _when(d["made_at"]),
                    "undone": (f"{d['undone_by']} 于 {_when(d['undone_at'])} 撤销"
                               if d["undone_at"] else "有效")})
    return out


def _groups(engine: Engine, viewer: Viewer, ids: list[int]) -> list[dict[str, Any]]:
    """The customer's groups and value grade year by year (customer_year_fact)."""
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    rows = store_rows(engine, f"""
        SELECT stat_year, sum(policies) AS policies, sum(premium_cny) AS premium_cny,
               sum(contribution_cny) AS contribution_cny, max(is_new) AS is_new,
               max(is_renewed) AS is_renewed, max(has_claims) AS has_claims,
               string_agg(DISTINCT potential_reason, '; ') AS potential_reason,
               min(grade) AS grade
        FROM customer_year_fact WHERE customer_id IN ({id_list(ids)}) AND {scope}
        GROUP BY stat_year ORDER BY stat_year DESC""", params)
    out = []
    for r in rows:
        groups = [name for flag, name in (("is_new", "新保"), ("is_renewed", "续保"),
                                          ("has_claims", "出险")) if r[flag]]
        if r["potential_reason"]:
            # Sorted here: engines aggregate the distinct reasons in an order of their own.
            reasons = sorted(set(str(r["potential_reason"]).split("; ")))
            groups.append(f"潜在拓展 ({'; '.join(reasons)})")
        out.append({"stat_year": int(r["stat_year"]), "groups": "、".join(groups) or "—",
                    "grade": str(r["grade"])[2:], "policies": int(r["policies"] or 0),
                    "premium_cny": float(r["premium_cny"] or 0),
                    "contribution_cny": float(r["contribution_cny"] or 0)})
    return out


def _blacklisted(engine: Engine, viewer: Viewer, ids: list[int]) -> list[dict[str, Any]]:
    """黑名单 entries of the store (the list as of the last build, and the rule flags)."""
    params: dict[str, Any] = {}
    scope = scope_predicate(viewer, params)
    rows = store_rows(engine, f"""
        SELECT DISTINCT source, reason, added_by, added_at FROM blacklist_fact
        WHERE customer_id IN ({id_list(ids)}) AND {scope} ORDER BY source, reason""", params)
    return [{k: r[k] for k in ("source", "reason", "added_by", "added_at")} for r in rows]
