"""证件号码: 身份证 (GB 11643) and 统一社会信用代码 / 组织机构代码 (GB 32100 / GB 11714).

A number is normalised (full-width to half-width, spaces dropped, upper case, 15→18
digits) and validated; only a valid number may link records on its own, because a
number with a typo could equal another person's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from data.customers.text import to_halfwidth

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STRIP = re.compile(r"[\s\-_.·]")

# Kinds of 证件 after normalisation; an ID of one kind never equals one of another.
RESIDENT = "身份证"
ORG = "组织机构代码"
USCC = "统一社会信用代码"
_TYPE_ALIASES = {
    "身份证": RESIDENT, "居民身份证": RESIDENT, "二代身份证": RESIDENT, "身份证号": RESIDENT,
    "临时身份证": RESIDENT, "01": RESIDENT, "组织机构代码": ORG, "组织机构代码证": ORG,
    "机构代码": ORG, "统一社会信用代码": USCC, "社会信用代码": USCC, "营业执照": USCC,
}


@dataclass(frozen=True)
class IdCheck:
    """One normalised 证件号码: its kind, the number, whether it is valid, and why not."""

    kind: str
    number: str
    valid: bool
    problem: str | None = None
    birth: date | None = None
    sex: str | None = None
    upgraded: bool = False  # a 15-digit 身份证 turned into its 18-digit form
    org_code: str | None = None  # the 组织机构代码 inside a 统一社会信用代码


def clean_number(raw: str | None) -> str:
    return _STRIP.sub("", to_halfwidth(raw or "")).upper()


def resident_check_char(body17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def upgrade_15_to_18(id15: str) -> str:
    body = id15[:6] + "19" + id15[6:]
    return body + resident_check_char(body)


def _birth(yyyymmdd: str) -> date | None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= date.today() else None


def check_resident_id(raw: str | None) -> IdCheck:
    number = clean_number(raw)
    upgraded = False
    if re.fullmatch(r"\d{15}", number):
        number, upgraded = upgrade_15_to_18(number), True
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return IdCheck(RESIDENT, number, False, "身份证号码应为 18 位 (或 15 位) 数字")
    if is_placeholder_id(number):
        return IdCheck(RESIDENT, number, False, "身份证号码是占位值")
    birth = _birth(number[6:14])
    sex = "男" if int(number[16]) % 2 else "女"
    if birth is None:
        return IdCheck(RESIDENT, number, False, "身份证号码中的出生日期无效", None, sex, upgraded)
    if resident_check_char(number[:17]) != number[17]:
        return IdCheck(RESIDENT, number, False, "身份证号码校验位错误", birth, sex, upgraded)
    return IdCheck(RESIDENT, number, True, None, birth, sex, upgraded)


def org_check_char(body8: str) -> str:
    rest = 11 - sum(_ORG_CHARS.index(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(rest, str(rest))


def uscc_check_char(body17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def check_org_code(raw: str | None) -> IdCheck:
    number = clean_number(raw)
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", number):
        return IdCheck(ORG, number, False, "组织机构代码应为 9 位 (8 位本体 + 校验码)")
    if is_placeholder_id(number):
        return IdCheck(ORG, number, False, "组织机构代码是占位值")
    if org_check_char(number[:8]) != number[8]:
        return IdCheck(ORG, number, False, "组织机构代码校验码错误")
    return IdCheck(ORG, number, True, org_code=number)


def check_uscc(raw: str | None) -> IdCheck:
    number = clean_number(raw)
    if not re.fullmatch(f"[{USCC_CHARS}]{{18}}", number):
        return IdCheck(USCC, number, False, "统一社会信用代码应为 18 位 (不含 I、O、Z、S、V)")
    if is_placeholder_id(number):
        return IdCheck(USCC, number, False, "统一社会信用代码是占位值")
    if uscc_check_char(number[:17]) != number[17]:
        return IdCheck(USCC, number, False, "统一社会信用代码校验码错误")
    inner = number[8:17]
    org = inner if org_check_char(inner[:8]) == inner[8] else None
    return IdCheck(USCC, number, True, org_code=org)


def is_placeholder_id(number: str) -> bool:
    """All one character, a run like 123456…, or mostly zeros: typed to get past a form."""
    digits = number.rstrip("X")
    if len(set(number)) <= 1 or len(set(digits)) <= 1:
        return True
    if digits and digits in "0123456789012345678901234567" * 2:
        return True
    return number.count("0") >= len(number) - 2


def check_id(id_type: str | None, raw: str | None) -> IdCheck | None:
    """Validate by declared type, recognising the shape when the type is missing or vague.

    Returns None for an empty number; a kind not known here (护照, 军官证 …) is kept as
    typed and counted valid when it is not a placeholder, since it has no checksum.
    """
    number = clean_number(raw)
    if not number or number in {"无", "NULL", "NONE", "不详", "未知", "/", "-"}:
        return None
    kind = _TYPE_ALIASES.get(to_halfwidth(id_type or "").strip())
    if kind is None:
        kind = _guess_kind(number)
    if kind == RESIDENT:
        return check_resident_id(number)
    if kind == USCC:
        return check_uscc(number)
    if kind == ORG:
        return check_org_code(number)
    label = to_halfwidth(id_type or "").strip() or "其他证件"
    if is_placeholder_id(number) or len(number) < 5:
        return IdCheck(label, number, False, f"{label}号码是占位值或过短")
    return IdCheck(label, number, True)


def _guess_kind(number: str) -> str | None:
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", number):
        return RESIDENT
    if len(number) == 18:
        return USCC
    if len(number) == 9:
        return ORG
    return None
