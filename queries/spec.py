"""The shape of a report declaration. A report is data: pages, filter panels, grids,
drill-downs, exports, the JSON API, grants and tests are all generated from these.

Every SQL name a report uses (source, columns, lookups) is written here, in the
catalog, and validated against the store's schema when the catalog loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# The name of a filter kind of ``queries.filter_kinds.KINDS`` (date_range, month, date,
# multi, text, contains, code_pattern): each is one class there.
FilterKind = str
# "year" and "month_no" are integers shown without thousands separators (2026, not 2,026).
# "rate" is an exchange rate; "days" a count of days (a stage's mean and quantiles too).
ColType = Literal["text", "int", "year", "money", "number", "date", "ratio", "percent", "code",
                  "rate", "days"]
# How many decimals each numeric type shows, on screen and in exports (thousands
# separators for all of them): money two, rates six, counts and days none, percentages
# two (the label says "(%)").
DECIMALS: dict[str, int] = {"money": 2, "number": 2, "percent": 2, "ratio": 4, "rate": 6,
                            "int": 0, "days": 0}
MaskKind = Literal["phone", "id_no", "address"]
MeasureKind = Literal["count", "count_distinct", "sum", "ratio", "mean", "median", "quantile",
                      "diff"]


@dataclass(frozen=True)
class Options:
    """Where a choice filter's values come from: a store table, or a fixed list."""

    table: str | None = None
    value: str | None = None
    label: str | None = None
    static: tuple[tuple[str, str], ...] = ()  # (value, label)
    where: str | None = None  # fixed, catalog-written condition (no user input)
    code: str | None = None  # shown before the label ("4401 广州天河支公司"), not the id
    # (filter key, column of ``table``): another filter whose choice narrows these
    # options, e.g. 归属部门 by the 归属支公司 chosen.
    parent: tuple[str, str] | None = None


@dataclass(frozen=True)
class Filter:
    key: str  # URL parameter and API parameter
    label: str
    kind: FilterKind
    column: str  # column of the report's source the filter applies to
    required: bool = False
    options: Options | None = None
    # Rule for multi selects: values that may only be chosen alone (1.1's 'w').
    exclusive: tuple[str, ...] = ()
    help: str = ""
    # For kind 'date': how the column compares with the chosen date ('<=' also makes it
    # a period other measures can be taken at, e.g. received as of a statistics date).
    # For kind 'month',
    # 'ytd' selects Jan 1 to the month's end; measures with ``period`` sum the month only.
    op: Literal["=", "<=", ">=", "ytd"] = "="
    # 'today' or an ISO date / code; for a range a name of queries.periods.PRESETS
    # ('this-month', 'this-year', 'last-30-days' …). Shown pre-filled, used when absent.
    default: str | None = None


@dataclass(frozen=True)
class Lookup:
    """A name fetched for the ids of a page (never joined over the whole source)."""

    table: str
    key: str  # key column of the lookup table, e.g. customer_id
    column: str  # the column shown, e.g. customer_name
    # For a dimension: the code people know it by (customer_code), shown instead of the
    # internal id, beside the name (two insured of one name are told apart).
    code: str | None = None


@dataclass(frozen=True)
class Col:
    key: str  # output key (API, export); also the source column unless ``column`` is set
    label: str
    type: ColType = "text"
    personal: MaskKind | None = None  # masked for users without the personal-data flag
    lookup: Lookup | None = None  # value fetched from lookup.table for the page's rows
    column: str | None = None  # source column (the id for a lookup) when it differs from key
    width: int | None = None
    # (amber from, red from): values above are highlighted on the grids (赔付率, 未结天数).
    alert: tuple[float, float] | None = None
    # The value is a policy or claim number: the grid links it to that record's page;
    # "customer": a customer's name linking by its row's 统一客户号 (queries/links.py).
    link: Literal["policy", "claim", "customer"] | None = None

    @property
    def source_column(self) -> str:
        return self.column or self.key


@dataclass(frozen=True)
class Dim:
    """A group-by dimension of the summary; a drill-down turns it into an equality filter."""

    key: str
    label: str
    column: str
    lookup: Lookup | None = None  # show a name next to a code/id
    type: ColType = "text"
    # One group per insured, vehicle, policy …: hundreds of thousands of values. A screen
    # of groups led by it aggregates only the rows of its first values (3x faster).
    many: bool = False


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: MeasureKind
    column: str | None = None  # None for count
    # ratio: numerator / denominator measure keys, empty when denominator is 0.
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0  # e.g. 100 for a percentage
    q: float | None = None  # quantile
    period: str | None = None  # a 'ytd' month filter's key: sum only within that month
    # With ``period``: compare this column (not the filter's) with the period's bounds.
    period_column: str | None = None
    # With ``period`` of a statistics date: only rows whose age in days at that date,
    # counted from ``period_column``, lies in [lo, hi] (hi None = open).
    age: tuple[int, int | None] | None = None
    type: ColType = "money"
    alert: tuple[float, float] | None = None  # as Col.alert
    # An amount in original currency (原币): the column naming each row's currency. A
    # group (or the 合计) holding more than one currency shows it empty: only amounts
    # converted to CNY add up across currencies.
    currency: str | None = None


@dataclass(frozen=True)
class Chart:
    kind: Literal["bar", "line", "pie", "box"]
    x: str  # a dimension key
    y: tuple[str, ...]  # measure keys
    color: str | None = None  # a second dimension key, or None
    # "previous_year": each series also drawn for the same period one year earlier.
    compare: Literal["previous_year"] | None = None


@dataclass(frozen=True)
class ScopeColumns:
    """Columns of the source that the user's data scope restricts."""

    branch: str = "branch_id"
    department: str = "dept_id"
    self_: str = "handler_id"
    # The columns are lists (a customer's business in several branches): a row is in
    # scope when its list holds the user's branch, department or staff id.
    many: bool = False


@dataclass(frozen=True)
class Summary:
    key: str  # e.g. 'by-branch'
    label: str  # e.g. 按支公司汇总
    dimensions: tuple[str, ...]  # dim keys grouped by default
    chart: Chart | None = None
    # The measures shown (empty: all). A summary by month leaves out a measure summed
    # over the chosen month only: split by month it would be 0 in every other month.
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    source: str  # a table or rollup of the store
    id_column: str  # unique among the detail rows (detail_where): keyset tie-breaker
    filters: tuple[Filter, ...]
    dims: tuple[Dim, ...]
    measures: tuple[Measure, ...]
    detail: tuple[Col, ...]
    summaries: tuple[Summary, ...]
    order: tuple[tuple[str, Literal["asc", "desc"]], ...]  # default detail order
    scope: ScopeColumns = field(default_factory=ScopeColumns)
    # Dimensions the user may pick freely as group-bys (the cube); empty = fixed summaries.
    free_dims: tuple[str, ...] = ()
    # An extra predicate for detail lists only (a ledger source lists its plan rows).
    detail_where: str | None = None
    # A fixed, catalog-written condition always applied (e.g. line = 'auto').
    where: str | None = None
    notes: tuple[str, ...] = ()  # rules shown on the page (e.g. receivable scope)
    # Settings bound as parameters of ``where`` (e.g. lapse_grace_days -> $lapse_grace_days).
    setting_params: tuple[str, ...] = ()
    number: str = ""  # REPORTS.md number, e.g. 1.1: the menu's order and label
    area: str = ""  # a key of queries/areas.py: its menu section and the roles that see it
    # Role grants beyond the area (auth/templates.py): e.g. "sales" for 业务员's pages.
    tags: tuple[str, ...] = ()
    scoped: bool = True  # False for reference data every user may see (exchange rates)
    # "operational": the source is written data (plans, notes …) of the operational store,
    # read from the per-process mirror of queries/mirror.py beside the analytical store.
    store: Literal["analytical", "operational"] = "analytical"
    # The detail columns a user opens the page for (已决赔付率, 未结天数): the catalog puts
    # them right after the identifying first column (pinned left on the grid), so they
    # are on the screen at 1024 px and early in every export.
    key_columns: tuple[str, ...] = ()
