"""Reading one field of a 工作日志 request: each reader returns the typed value or raises
``WorklogError`` naming the field, with a Chinese message saying what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

MONEY_MAX = Decimal("999999999999.99")  # NUMERIC(14,2)
TEXT_MAX = 2000
SHORT_MAX = 60


class WorklogError(ValueError):
    """A refused request: ``field`` names what to fix (as the API and the form call it),
    ``status`` is the HTTP answer (400 bad field, 403 not yours, 404 unknown, 409 state)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status

    def public(self) -> dict[str, str]:
        return {"error": self.message, "field": self.field}


def money_text(value: Decimal | float | int | None) -> str:
    """Money as the screens show it: thousands separators, two decimals."""
    return "—" if value is None else f"{Decimal(value):,.2f}"


def text(data: Mapping[str, Any], field: str, label: str, *, required: bool = False,
         max_len: int = TEXT_MAX) -> str:
    raw = data.get(field)
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int):
        raise WorklogError(field, f"{label}应为文字")
    value = str(raw).strip()
    if required and not value:
        raise WorklogError(field, f"请填写{label}")
    if len(value) > max_len:
        raise WorklogError(field, f"{label}最多 {max_len} 个字 (现在 {len(value)} 个)")
    return value


def optional_text(data: Mapping[str, Any], field: str, label: str,
                  max_len: int = SHORT_MAX) -> str | None:
    return text(data, field, label, max_len=max_len) or None


def day(data: Mapping[str, Any], field: str, label: str, *, required: bool = True,
        default: date | None = None) -> date | None:
    raw = data.get(field)
    if raw is None or raw == "":
        if required and default is None:
            raise WorklogError(field, f"请填写{label}")
        return default
    if isinstance(raw, date):
        return raw
    shown = str(raw)
    try:
        if len(shown) < 10 or shown[10:11] not in ("", "T", " "):
            raise ValueError(shown)
        return date.fromisoformat(shown[:10])
    except ValueError:
        raise WorklogError(field, f"{label}应为日期 YYYY-MM-DD (收到 {shown[:20]!r})"
                           ) from None


def money(data: Mapping[str, Any], field: str, label: str, *, default: str = "0") -> Decimal:
    raw = data.get(field)
    if raw is None or raw == "":
        raw = default
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise WorklogError(field, f"{label}应为金额")
    try:
        value = Decimal(str(raw).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise WorklogError(field, f"{label}应为金额 (收到 {str(raw)[:20]!r})") from None
    if not value.is_finite():
        raise WorklogError(field, f"{label}应为金额")
    if value < 0:
        raise WorklogError(field, f"{label}不能为负数")
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise WorklogError(field, f"{label}最多两位小数")
    if value > MONEY_MAX:
        raise WorklogError(field, f"{label}过大")
    return value.quantize(Decimal("0.01"))


def choice(data: Mapping[str, Any], field: str, label: str, allowed: tuple[str, ...], *,
           default: str | None = None) -> str | None:
    raw = data.get(field)
    if raw is None or raw == "":
        if default is None:
            return None
        return default
    if raw not in allowed:
        raise WorklogError(field, f"{label}应为 {' / '.join(allowed)} 之一 "
                                  f"(收到 {str(raw)[:20]!r})")
    return str(raw)


def whole(data: Mapping[str, Any], field: str, label: str, *, required: bool = False,
          minimum: int = 1) -> int | None:
    raw = data.get(field)
    if raw is None or raw == "":
        if required:
            raise WorklogError(field, f"请填写{label}")
        return None
    try:
        value = int(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise WorklogError(field, f"{label}应为不小于 {minimum} 的整数 (收到 {str(raw)[:20]!r})")
    return value


def mapping(raw: Any, field: str = "body") -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise WorklogError(field, "请求内容应为 JSON 对象")
    return raw
