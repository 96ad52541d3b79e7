"""Date filters: typed or picked in ISO, Chinese calendars, the declared default shown in
the field, open ranges (only a start means "from"), presets relative to the data date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import dash_mantine_components as dmc
from dash import html

from queries.periods import PRESETS, default_range
from queries.spec import Filter, Report
from queries.urls import range_keys

# Calendar headers as Chinese calendars print them: 2026年11月, not 十一月 2026.
CALENDAR_LABELS = {"monthLabelFormat": "YYYY年M月", "yearLabelFormat": "YYYY年",
                   "decadeLabelFormat": "YYYY – YYYY", "monthsListFormat": "M月"}
# The typed text stays as typed until 查询, so a mistyped date is refused, not moved.
TYPED = {"valueFormat": "YYYY-MM-DD", "fixOnBlur": False, "clearable": True,
         **CALENDAR_LABELS}


def iso_or_none(text: str | None) -> str | None:
    """A field's value only when it is a real date: the calendar would turn 2026-13-45
    into 2027-02-14 (the message under the field quotes what was typed)."""
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def range_values(f: Filter, args: Mapping[str, str], today: date) -> tuple[str, str]:
    lo_key, hi_key = range_keys(f.key)
    lo, hi = args.get(lo_key) or "", args.get(hi_key) or ""
    if not lo and not hi:
        lo, hi = default_range(f.default, today) or ("", "")
    return lo, hi


def date_range_input(report: Report, f: Filter, args: Mapping[str, str], today: date,
                     label: str, *, error: str | None) -> Any:
    lo, hi = range_values(f, args, today)
    ids = {"report": report.slug, "key": f.key}
    presets = dmc.Menu(position="bottom-end", withinPortal=True, children=[
        dmc.MenuTarget(dmc.Button("常用区间", variant="subtle", size="compact-sm",
                                  id={"type": "preset-menu", **ids})),
        dmc.MenuDropdown([dmc.MenuItem(text, n_clicks=0,
                                       id={"type": "preset", **ids, "name": name})
                          for name, text in PRESETS.items()]),
    ])
    hint = "只填开始日期表示“从该日起”, 只填结束日期表示“截至该日”"
    return dmc.InputWrapper(
        label=label, description=f.help or None, size="sm", error=error,
        id={"type": "range-wrapper", **ids},
        children=dmc.Group(gap=6, wrap="nowrap", align="center", children=[
            dmc.DateInput(id={"type": "dfrom", **ids}, value=iso_or_none(lo),
                          placeholder="开始日期", size="sm", error=bool(error),
                          style={"flex": 1, "minWidth": 0},
                          **{"aria-label": f"{f.label} 开始日期"}, **TYPED),
            html.Span("至", style={"color": "#868e96", "fontSize": 14}),
            dmc.DateInput(id={"type": "dto", **ids}, value=iso_or_none(hi),
                          placeholder="结束日期", size="sm", error=bool(error),
                          style={"flex": 1, "minWidth": 0},
                          **{"aria-label": f"{f.label} 结束日期"}, **TYPED),
            dmc.Tooltip(label=hint, multiline=True, w=220, children=presets),
        ]),
    )


def month_input(f: Filter, args: Mapping[str, str], today: date, common: dict[str, Any]
                ) -> Any:
    month = args.get(f.key) or (today.strftime("%Y-%m") if f.default else "")
    return dmc.MonthPickerInput(value=f"{month}-01" if month else None, valueFormat="YYYY-MM",
                                clearable=not f.required, placeholder="选择月份",
                                **CALENDAR_LABELS, **common)


def date_input(f: Filter, args: Mapping[str, str], today: date, common: dict[str, Any]
               ) -> Any:
    chosen = args.get(f.key) or (today.isoformat() if f.default == "today" else
                                 f.default or "")
    return dmc.DateInput(value=iso_or_none(chosen), placeholder="YYYY-MM-DD", **TYPED, **common)


def preset_values(name: str, today: date, lo: str | None, hi: str | None
                  ) -> tuple[str | None, str | None]:
    from queries.periods import named_range

    def parsed(text: str | None) -> date | None:
        try:
            return date.fromisoformat(str(text)[:10]) if text else None
        except ValueError:
            return None

    a, b = named_range(name, today, (parsed(lo), parsed(hi)))
    return (a.isoformat() if a else None), (b.isoformat() if b else None)
