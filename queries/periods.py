"""Named date ranges relative to the data date: a report's declared default for a range
(``Filter.default``) and the presets the date pickers offer."""

from __future__ import annotations

from datetime import date, timedelta

# name → label, in the order the pickers offer them.
PRESETS: dict[str, str] = {
    "this-month": "本月", "last-month": "上月", "this-quarter": "本季", "this-year": "本年",
    "last-30-days": "近30天", "year-earlier": "去年同期",
}


def year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def named_range(name: str, today: date,
                current: tuple[date | None, date | None] = (None, None)
                ) -> tuple[date | None, date | None]:
    """The range ``name`` stands for on the data date ``today``; 去年同期 moves the range
    now chosen (this year to date when none) one year back."""
    if name == "this-month":
        return today.replace(day=1), today
    if name == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "this-quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if name == "this-year":
        return today.replace(month=1, day=1), today
    if name == "last-30-days":
        return today - timedelta(days=29), today
    if name == "year-earlier":
        lo, hi = current if any(current) else (today.replace(month=1, day=1), today)
        return (year_earlier(lo) if lo else None), (year_earlier(hi) if hi else None)
    raise ValueError(f"未知的日期区间 {name}")


def default_range(default: str | None, today: date) -> tuple[str, str] | None:
    """A range filter's declared default as ISO dates, or None when it has none."""
    if not default or default not in PRESETS:
        return None
    lo, hi = named_range(default, today)
    return (lo.isoformat() if lo else ""), (hi.isoformat() if hi else "")
