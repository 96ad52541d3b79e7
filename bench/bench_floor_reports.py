"""The product's reports beside the floor benchmark's blocks that ask the same question:
each floor case through the JSON API and as the floor's own SQL on the floor's store,
alternately, with the ratio product / floor per block.

    .venv/bin/python -m bench.bench_floor_reports --dir var/bench --policies 1000000

Runs on stores that already exist (``<dir>/product<size>.duckdb`` from the product,
``<dir>/floor<size>.duckdb`` from the floor's gen.py); prints a table and writes
bench/results_floor_reports_<size>.json. Not part of the tests.

The two stores hold different generated books of the same size, so this compares the
same question on books of the same size, not the same rows: the product's book has its
own branches (12, the floor's 30), starts in 2020, and keeps open claims only from the
last two years, so a floor date range can find no rows in it. Such cases are listed in
the block's note and left out of its times, as are floor cases the product cannot ask
(a filter it does not have); each case kept is a 200 with rows.

Floor block -> product report (the floor's own parameter sets):

- claim_cycle: 2.1 claim-cycle, summary by branch, closed in each of RANGES_10.
- open_claims: 2.3 claims-open, summary by branch x age band, registered in each range
  (the product lists auto and property claims only; the floor every class).
- unregistered_top: 2.2 claims-unregistered, detail oldest first, 100 rows (the product's
  property line also holds engineering, cargo and liability, the floor's does not).
- lapsed_count / lapsed_page: 1.2 lapsed-auto, ending in each of LAPSE_MONTHS (grace 30
  days, the product's setting): the summary's total and the first detail page of 100.
- receivable_branch: 4.1 receivable-branch summary at each of RECV_ASOF's stat dates;
  the product has no policy start window, so it answers for every policy from the
  cut-off date; the floor is also timed with its window opened to the same cut-off.
- page1 / page_keyset: 3.1 pnl-insured detail (3.2 pnl-auto-policy for the use-nature
  filter), in start date order, 100 rows, PAGE_FILTERS translated to the product's
  filters and column filters; the keyset page starts after the floor's own anchor (start
  date, id), about the same depth in the product's book. The product's detail answer
  also counts the list (the floor counts in a block of its own).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import requests

from bench.bench_floor import AS_OF, floor_module, sign_in
from bench.http_harness import free_port, start_app

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent
GROUPS = "1000"  # every group of a summary (30 branches x 5 bands at most)
RECEIVABLE_CUTOFF = date(2003, 9, 1)  # the product's setting and the floor's SQL


@dataclass
class Case:
    label: str
    slug: str
    query: dict[str, Any] | None  # None: the product cannot ask this case
    sql: str
    params: dict[str, Any]
    why_not: str = ""


@dataclass
class Block:
    name: str
    report: str
    cases: list[Case]
    # (product answer, floor rows) -> (product count, floor count) of the shape compared
    shape: Callable[[dict[str, Any], list[tuple[Any, ...]]], tuple[Any, Any]]
    shape_label: str
    note: str = ""
    extra_floor: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _rows(answer: dict[str, Any], floor: list[tuple[Any, ...]]) -> tuple[Any, Any]:
    return len(answer["rows"]), len(floor)


def _branch_age(answer: dict[str, Any], floor: list[tuple[Any, ...]]) -> tuple[Any, Any]:
    return (f"{len({r['branch'] for r in answer['rows']})}×"
            f"{len({r['age'] for r in answer['rows']})}",
            f"{len({r[0] for r in floor})}×{len({r[1] for r in floor})}")


def _lapsed_total(answer: dict[str, Any], floor: list[tuple[Any, ...]]) -> tuple[Any, Any]:
    return answer["totals"]["policies"], floor[0][0]


def _day(d: date) -> str:
    return d.isoformat()


def _claim_blocks(fb: Any) -> list[Block]:
    ranges = [(fb.D(a), fb.D(b)) for a, b in fb.RANGES_10]
    today = fb.TODAY
    return [
        Block("claim_cycle", "claim-cycle",
              [Case(f"{a}..{b}", "claim-cycle",
                    {"closed_from": _day(a), "closed_to": _day(b), "group_by": "branch",
                     "limit": GROUPS},
                    fb.Q["claim_cycle"], {"d0": a, "d1": b}) for a, b in ranges],
              _rows, "branches"),
        Block("open_claims", "claims-open",
              [Case(f"{a}..{b}", "claims-open",
                    {"registered_from": _day(a), "registered_to": _day(b),
                     "group_by": "branch,age", "limit": GROUPS},
                    fb.Q["open_claims"], {"d0": a, "d1": b, "asof": today})
               for a, b in ranges],
              _branch_age, "branches×age bands",
              "product: auto and property claims only, floor: every class"),
        Block("unregistered_top", "claims-unregistered",
              [Case(f"{a}..{b}", "claims-unregistered",
                    {"level": "detail", "reported_from": _day(a), "reported_to": _day(b),
                     "sort": "report_date:asc", "limit": "100"},
                    fb.Q["unregistered_top"], {"d0": a, "d1": b, "asof": today})
               for a, b in ranges],
              _rows, "rows",
              "product's property line also holds engineering, cargo and liability"),
    ]


def _lapse_blocks(fb: Any) -> list[Block]:
    months = [(ym, *fb.month_range(ym)) for ym in fb.LAPSE_MONTHS]

    def cases(name: str, level: str) -> list[Case]:
        out = []
        for ym, d0, d1 in months:
            query = {"end_from": _day(d0), "end_to": _day(d1)}
            if level == "detail":
                query |= {"level": "detail", "sort": "end_date:asc", "limit": "100"}
            out.append(Case(ym, "lapsed-auto", query, fb.Q[name],
                            {"d0": d0, "d1": d1, "grace": 30}))
        return out

    return [Block("lapsed_count", "lapsed-auto", cases("lapsed_count", "summary"),
                  _lapsed_total, "lapsed policies",
                  "product: the summary by branch and its total"),
            Block("lapsed_page", "lapsed-auto", cases("lapsed_page", "detail"), _rows,
                  "rows", "product's page also counts the list")]


def _receivable_block(fb: Any) -> Block:
    cases = [Case(f"{asof} from {p0}", "receivable-branch",
                  {"stat_date": asof, "limit": GROUPS}, fb.Q["receivable_branch"],
                  {"asof": fb.D(asof), "p0": fb.D(p0)}) for asof, p0 in fb.RECV_ASOF]
    opened = [(c.label, {**c.params, "p0": RECEIVABLE_CUTOFF}) for c in cases]
    return Block("receivable_branch", "receivable-branch", cases, _rows, "branches",
                 "product has no policy start window (floor's p0): it answers for every "
                 "policy from the cut-off", extra_floor=opened)


# The floor's PAGE_FILTERS as the product's filters: (report, query, column filters);
# None where the product has no such filter or column.
PAGE_FILTERS: dict[str, tuple[str, dict[str, Any], dict[str, Any]] | str] = {
    "class = 'auto'": ("pnl-insured", {"class": "D"}, {}),
    "use_nature = '家庭自用'": ("pnl-auto-policy", {}, {
        "use_nature_name": {"filterType": "text", "type": "equals", "filter": "家庭自用"}}),
    "currency = 'CNY'": "no currency filter or column",
    "start_date >= DATE '2024-01-01'": ("pnl-insured", {"start_from": "2024-01-01"}, {}),
    "branch_id <= 3": ("pnl-insured", {"branch": ["1", "2", "3"]}, {}),
    "premium_cny >= 3000": ("pnl-insured", {}, {
        "premium_cny": {"filterType": "number", "type": "greaterThanOrEqual",
                        "filter": 3000}}),
    "risk_code = 'DAA'": ("pnl-insured", {}, {
        "risk_code": {"filterType": "text", "type": "equals", "filter": "DAA"}}),
    "agent_id IS NULL": ("pnl-insured", {}, {
        "agent_code": {"filterType": "text", "type": "blank"}}),
    "sign_date BETWEEN DATE '2023-01-01' AND DATE '2023-12-31'":
        "no sign date filter or column",
    # the floor's property class: the product's enterprise and home property classes
    "class = 'property'": ("pnl-insured", {"class": ["Q", "J"]}, {}),
}


def _cursor(k_date: date, k_id: int, offset: int) -> str:
    """A keyset cursor as the product hands out (sort values, id; rows before)."""
    raw = json.dumps({"v": [k_date.isoformat(), int(k_id)], "o": offset})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _page_blocks(fb: Any, con: duckdb.DuckDBPyConnection) -> list[Block]:
    anchors = fb.paging_cases(con)  # the floor's own set-up, untimed
    page1, keyset = [], []
    for pc in anchors:
        f = pc["filter"]
        mapped = PAGE_FILTERS.get(f, "not mapped")
        sql1 = fb.Q["page_offset"].replace("{filter}", f)
        sqlk = fb.Q["page_keyset"].replace("{filter}", f)
        kp = {"k_date": pc["k_date"], "k_id": pc["k_id"]}
        if isinstance(mapped, str):
            page1.append(Case(f, "pnl-insured", None, sql1, {"off": 0}, mapped))
            keyset.append(Case(f, "pnl-insured", None, sqlk, kp, mapped))
            continue
        slug, query, columns = mapped
        query = {**query, "level": "detail", "sort": "start_date:asc", "limit": "100"}
        if columns:
            query["filter"] = json.dumps(columns, ensure_ascii=False)
        page1.append(Case(f, slug, query, sql1, {"off": 0}))
        keyset.append(Case(f, slug, {**query, "cursor": _cursor(pc["k_date"], pc["k_id"],
                                                                 pc["off"])}, sqlk, kp))
    note = "product's page also counts the list"
    return [Block("page1", "pnl-insured", page1, _rows, "rows", note),
            Block("page_keyset", "pnl-insured", keyset, _rows, "rows",
                  note + "; starts after the floor's anchor")]


def _get(session: requests.Session, base: str, case: Case) -> tuple[float, dict[str, Any]]:
    assert case.query is not None
    t = time.perf_counter()
    resp = session.get(f"{base}/api/reports/{case.slug}", params=case.query, timeout=300)
    ms = (time.perf_counter() - t) * 1000
    assert resp.status_code == 200, (case.slug, case.query, resp.status_code, resp.text[:300])
    return ms, resp.json()


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 2) if xs else None


def _run_block(session: requests.Session, base: str, con: duckdb.DuckDBPyConnection,
               fb: Any, block: Block, *, repeats: int) -> dict[str, Any]:
    asked = [c for c in block.cases if c.query is not None]
    cannot = [f"{c.label}: {c.why_not}" for c in block.cases if c.query is None]
    # Warm round: both sides once, untimed; it also finds the cases the product's book
    # has no rows for.
    empty, shapes = [], []
    for case in asked:
        _, answer = _get(session, base, case)
        _, rows = fb.run_query(con, case.sql, case.params)
        if not answer["rows"]:
            empty.append(case.label)
            continue
        shapes.append(block.shape(answer, rows))
    kept = [c for c in asked if c.label not in empty]
    assert kept, f"{block.name}: the product answered no case with rows"
    product, floor = [], []
    for _ in range(repeats):
        for case in kept:
            ms, answer = _get(session, base, case)
            assert answer["rows"], (block.name, case.label)
            product.append(ms)
            floor_ms, _ = fb.run_query(con, case.sql, case.params)
            floor.append(floor_ms)
    out: dict[str, Any] = {"report": block.report, "n": len(kept), "cases": len(block.cases),
                           "product_ms": _median(product), "floor_ms": _median(floor)}
    out["ratio"] = round(out["product_ms"] / out["floor_ms"], 2)
    if block.extra_floor:
        labels = {c.label for c in kept}
        extra = [fb.run_query(con, block.cases[0].sql, p)[0]
                 for label, p in block.extra_floor if label in labels]
        out["floor_ms_same_window"] = _median(extra)
    out["shape"] = {"what": block.shape_label, "product": [p for p, _ in shapes],
                    "floor": [f for _, f in shapes]}
    notes = [block.note] if block.note else []
    left_out = []
    if empty:
        notes.append(f"product book has no rows for {', '.join(empty)} (left out)")
        left_out.append(f"{len(empty)} without rows in the product's book")
    if cannot:
        notes.append("cannot ask " + "; ".join(cannot))
        why = ", ".join(sorted({c.why_not for c in block.cases if c.query is None}))
        left_out.append(f"{len(cannot)} the product cannot ask ({why})")
    out["note"] = "; ".join(notes)
    out["left_out"] = "; ".join(left_out)
    return out


def reports_beside_floor(session: requests.Session, base: str, floor_store: Path,
                         floor_bench: Any, *, repeats: int = 1) -> dict[str, Any]:
    """Every floor block the product answers (see the module's docstring): each case
    once untimed on both sides, then ``repeats`` rounds timed alternately; medians."""
    con = duckdb.connect(str(floor_store), read_only=True)
    con.execute("SET threads = 2")
    try:
        blocks = [*_claim_blocks(floor_bench), *_lapse_blocks(floor_bench),
                  _receivable_block(floor_bench), *_page_blocks(floor_bench, con)]
        result = {}
        for block in blocks:
            result[block.name] = _run_block(session, base, con, floor_bench, block,
                                             repeats=repeats)
            r = result[block.name]
            print(f"[{block.name}] {block.report} n={r['n']} of {r['cases']} product "
                  f"{r['product_ms']} ms, "
                  f"floor {r['floor_ms']} ms ({r['ratio']}×); {r['shape']['what']}: "
                  f"product {r['shape']['product']}, floor {r['shape']['floor']}"
                  + (f"; {r['note']}" if r["note"] else ""), flush=True)
    finally:
        con.close()
    return result


def table_rows(result: dict[str, Any]) -> list[str]:
    rows = []
    for name, r in result.items():
        floor = f"{r['floor_ms']} ms"
        if r.get("floor_ms_same_window") is not None:
            floor += f" (window from the cut-off {r['floor_ms_same_window']} ms)"
        cases = f"; {r['n']} of {r['cases']} cases: {r['left_out']}" if r["left_out"] else ""
        rows.append(f"| {name} ({r['report']}) | {r['product_ms']} ms "
                    f"({r['ratio']}×{cases}) | {floor} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description="the product's reports beside the floor's blocks")
    ap.add_argument("--policies", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=ROOT / "var" / "bench")
    ap.add_argument("--floor", type=Path, default=ROOT.parent / "shared" / "floor")
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    tag = f"{a.policies // 1_000_000}m" if a.policies >= 1_000_000 else str(a.policies)
    store, floor_store = a.dir / f"product{tag}.duckdb", a.dir / f"floor{tag}.duckdb"
    for path in (store, floor_store):
        if not path.exists():
            raise SystemExit(f"{path} is missing: generate it with bench.bench_floor "
                             "--generate-only")
    floor_bench = floor_module(a.floor)
    port = free_port()
    env = {**os.environ, "STORE_PATH": str(store), "AS_OF": AS_OF.isoformat(),
           "RESULTS_CACHE_ENTRIES": "0", "PORT": str(port)}
    load_before = os.getloadavg()
    proc = start_app(env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        result = reports_beside_floor(sign_in(base), base, floor_store, floor_bench,
                                      repeats=a.repeats)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    out = {"policies": a.policies, "load_before": load_before, "load_after": os.getloadavg(),
           "reports": result}
    (RESULTS / f"results_floor_reports_{tag}.json").write_text(
        json.dumps(out, indent=2, ensure_ascii=False, default=str))
    print(f"{a.policies:,} policies; load before {load_before}, after {out['load_after']}")
    print("| floor block (product report) | product | floor |\n|---|---|---|")
    print("\n".join(table_rows(result)))


if __name__ == "__main__":
    main()
