"""手机 and 固话 normalised to digits; numbers typed to fill a required field are dropped."""

from __future__ import annotations

import re

from data.customers.text import to_halfwidth

_NON_DIGIT = re.compile(r"\D")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Well-known fillers: the operator's service numbers and keyboard runs.
PLACEHOLDER_MOBILES = frozenset({
    "13800000000", "13800138000", "13888888888", "13900000000", "13000000000",
    "12345678901", "13812345678", "18888888888", "11111111111", "10000000000",
    "15000000000", "18000000000", "13333333333", "19999999999",
})


def digits(raw: str | None) -> str:
    return _NON_DIGIT.sub("", to_halfwidth(raw or ""))


def is_placeholder_number(number: str) -> bool:
    """All one digit, the tail all one digit (138 0000 0000), or a run like 12345678."""
    if number in PLACEHOLDER_MOBILES or len(set(number)) <= 1:
        return True
    if len(number) >= 7 and len(set(number[3:])) <= 1:
        return True
    return number in "012345678901234567890" or number in "98765432109876543210"


def normalise_mobile(raw: str | None) -> tuple[str, bool]:
    """(11-digit mobile or '', True when something was given but cannot be used)."""
    number = digits(raw)
    if not number:
        return "", False
    for prefix in ("0086", "86"):
        if len(number) == 11 + len(prefix) and number.startswith(prefix):
            number = number[len(prefix):]
    if not _MOBILE.fullmatch(number) or is_placeholder_number(number):
        return "", True
    return number, False


def normalise_phone(raw: str | None) -> tuple[str, bool]:
    """固话 with its area code (020-12345678 → 02012345678); a mobile given here is kept."""
    number = digits(raw)
    if not number:
        return "", False
    if _MOBILE.fullmatch(number):
        return normalise_mobile(number)
    if len(number) < 7 or is_placeholder_number(number):
        return "", True
    return number, False
