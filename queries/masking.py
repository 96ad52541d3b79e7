"""Masking of personal data for users without the personal-data flag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _masked_phone(text: str) -> str:
    return text[:3] + "****" + text[-4:] if len(text) >= 7 else "****"


def _masked_id_no(text: str) -> str:
    return text[:6] + "*" * (len(text) - 10) + text[-4:] if len(text) > 10 else "****"


def _masked_address(text: str) -> str:
    return text[:6] + "****"


_MASKS: dict[str, Callable[[str], str]] = {
    "phone": _masked_phone, "id_no": _masked_id_no, "address": _masked_address}


def mask_value(kind: str, value: Any) -> Any:
    """138****5678 for phones, first 6 and last 4 of an ID number, the start of an address;
    any other kind is all stars."""
    if value is None or value == "":
        return value
    mask = _MASKS.get(kind)
    return "****" if mask is None else mask(str(value))
