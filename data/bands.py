"""Bands for the numeric attributes the P&L pages group by (settings, Chinese labels).

Each band is (label, lower bound inclusive, upper bound exclusive); None is open.
Labels sort in band order because they start with a two-digit ordinal.
"""

from __future__ import annotations

Band = tuple[str, float | None, float | None]

USE_YEARS: tuple[Band, ...] = (
    ("01 1年以内", None, 1), ("02 1-2年", 1, 3), ("03 3-5年", 3, 6),
    ("04 6-9年", 6, 10), ("05 10年及以上", 10, None),
)
SEATS: tuple[Band, ...] = (
    ("01 6座以下", None, 6), ("02 6-9座", 6, 10), ("03 10-19座", 10, 20),
    ("04 20-35座", 20, 36), ("05 36座及以上", 36, None),
)
TONNAGE: tuple[Band, ...] = (
    ("00 非货车", None, 0.01), ("01 2吨以下", 0.01, 2), ("02 2-5吨", 2, 5),
    ("03 5-10吨", 5, 10), ("04 10吨及以上", 10, None),
)
SUM_INSURED: tuple[Band, ...] = (
    ("01 10万以下", None, 100_000), ("02 10-20万", 100_000, 200_000),
    ("03 20-50万", 200_000, 500_000), ("04 50-100万", 500_000, 1_000_000),
    ("05 100万及以上", 1_000_000, None),
)
# 赔付区间: paid on closed claims / premium received, as a percentage.
LOSS_RATIO: tuple[Band, ...] = (
    ("00 无赔款", None, 0.0001), ("01 0-30%", 0.0001, 30), ("02 30-60%", 30, 60),
    ("03 60-100%", 60, 100), ("04 100%及以上", 100, None),
)


def band_case(expr: str, bands: tuple[Band, ...], null_label: str = "99 无到款") -> str:
    """A SQL CASE turning ``expr`` into its band label (built at load time only)."""
    parts = []
    for label, lo, hi in bands:
        conds = [f"{expr} >= {lo}" if lo is not None else "", f"{expr} < {hi}" if hi is not None
                 else ""]
        cond = " AND ".join(c for c in conds if c) or "TRUE"
        parts.append(f"WHEN {cond} THEN '{label}'")
    return f"CASE WHEN {expr} IS NULL THEN '{null_label}' " + " ".join(parts) + " END"

# 未结天数: how long a registered claim has been open.
OPEN_DAYS: tuple[Band, ...] = (
    ("01 30天以内", None, 31), ("02 31-90天", 31, 91), ("03 91-180天", 91, 181),
    ("04 181-365天", 181, 366), ("05 一年以上", 366, None),
)
