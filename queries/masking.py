"""Masking of personal data for users without the personal-data flag."""

from __future__ import annotations

from typing import Any


def mask_value(kind: str, value: Any) -> Any:
    """138****5678 for phones, first 6 and last 4 of an ID number, the start of an address."""
    if value is None or value == "":
        return value
    text = str(value)
    if kind == "phone":
        if len(text) >= 7:
            return text[:3] + "****" + text[-4:]
        return "****"
    if kind == "id_no":
        if len(text) > 10:
            return text[:6] + "*" * (len(text) - 10) + text[-4:]
        return "****"
    if kind == "address":
        return text[:6] + "****"
    return "****"
