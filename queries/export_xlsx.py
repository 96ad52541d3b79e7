"""Detail workbooks from the engine's Arrow batches, written by the Rust writer
(``rustpy-xlsxwriter``): one pass over the batches in constant memory, no Python per
cell. The sheet is the one ``queries.export`` writes with xlsxwriter (its fallback where
the Rust writer is missing): labels as headers, the same number formats and widths,
frozen header, autofilter. Text is always written as text (inline strings): the Rust
writer never turns a value into a formula or a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from queries.engine import ColumnMeta
from queries.spec import DECIMALS

try:
    import rustpy_xlsxwriter as rx
except ImportError:  # pragma: no cover - the pinned requirement installs it
    rx = None  # type: ignore[assignment]  # the module, or None when not installed

# Excel number formats by column type (decimals as the catalog declares them), shared
# with the xlsxwriter path.
NUMBER_FORMATS = {**{kind: "#,##0" + ("." + "0" * n if n else "")
                     for kind, n in DECIMALS.items()}, "date": "yyyy-mm-dd"}
HEADER_COLOR = "#E7F0FA"


def column_width(column: ColumnMeta) -> int:
    return 18 if column.type == "text" else 14


def sheet_name(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


def available() -> bool:
    return rx is not None


def write_arrow_xlsx(path: Path, title: str, columns: list[ColumnMeta],
                     reader: pa.RecordBatchReader, *, max_rows: int,
                     too_many: Callable[[int], Exception],
                     on_rows: Callable[[int], None] | None = None) -> int:
    """Every batch of ``reader`` (one column per entry of ``columns``, in order) into
    ``path``; returns the row count. ``too_many(rows)`` is raised, the file left for the
    caller to remove, as soon as the rows pass ``max_rows``; ``on_rows(rows so far)`` runs
    after each batch (it may raise to stop the job)."""
    assert rx is not None
    fields = [pa.field(f"{c.label}", f.type) for c, f in zip(columns, reader.schema,
                                                               strict=True)]
    schema = pa.schema(fields)
    state: dict[str, Any] = {"rows": 0, "error": None}

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                if not batch.num_rows:
                    continue
                state["rows"] += batch.num_rows
                if state["rows"] > max_rows:
                    raise too_many(state["rows"])
                yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)
                if on_rows is not None:
                    on_rows(state["rows"])
        except BaseException as exc:  # raised again below, as itself
            state["error"] = exc
            raise

    header = rx.Format().set_bold().set_background_color(HEADER_COLOR).set_border("thin")
    formats = [_format(c) for c in columns]
    try:
        rx.write_worksheet(pa.RecordBatchReader.from_batches(schema, batches()), str(path),
                           sheet_name=sheet_name(title), freeze_row=1, autofilter=True,
                           header_format=header, column_formats=formats,
                           column_widths=[float(column_width(c)) for c in columns])
    except Exception:
        if state["error"] is not None:
            raise state["error"] from None
        raise
    if state["error"] is not None:
        raise state["error"]
    if on_rows is not None and state["rows"] == 0:
        on_rows(0)
    return int(state["rows"])


def _format(column: ColumnMeta) -> Any:
    fmt = rx.Format()
    number = NUMBER_FORMATS.get(column.type)
    return fmt.set_num_format(number) if number else fmt
