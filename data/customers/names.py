"""Names compared the way Chinese names vary: by character, by pinyin, in any order.

Homophones (王伟/王玮) share a pinyin key, swapped characters (张明华/张华明) share a
sorted key, and a 单位's legal-form suffix (有限公司/有限责任公司/股份有限公司 …) is cut
off so that variants of one company meet on the same core name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from data.customers.text import is_placeholder_text, squeeze

PUNCT_PATTERN = r"[·•．.,，、'\"“”‘’()（）\[\]【】<>《》\-_/]"
_PUNCT = re.compile(PUNCT_PATTERN)
# Longest first: the loop cuts one suffix at a time until none is left.
COMPANY_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "总公司", "公司",
    "股份合作社", "合作社", "集团", "股份", "有限",
)


def clean_name(name: str | None) -> str:
    """Half-width, no spaces or punctuation; empty for a placeholder such as 无 or 测试."""
    if is_placeholder_text(name):
        return ""
    return _PUNCT.sub("", squeeze(name))


SUFFIX_PATTERN = "(?:" + "|".join(COMPANY_SUFFIXES) + ")+$"
_SUFFIX_RE = re.compile(SUFFIX_PATTERN)


def company_core(name: str) -> str:
    """华海科技（深圳）股份有限公司 → 华海科技深圳: the part that tells companies apart
    (kept whole when cutting would leave fewer than two characters)."""
    full = clean_name(name)
    core = _SUFFIX_RE.sub("", full)
    return core if len(core) >= 2 else full


def name_key(name: str | None, is_company: bool) -> str:
    """The name as compared exactly: the company core, or the cleaned personal name."""
    return company_core(name or "") if is_company else clean_name(name)


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL, errors="default")[0].lower()


def syllables(key: str) -> list[str]:
    """One toneless syllable per character (letters and digits kept as they are)."""
    return [_syllable(c) for c in key]


def pinyin_key(key: str) -> str:
    """王玮 and 王伟 → wangwei: equal for homophones, ASCII so edit distances count letters."""
    return "".join(syllables(key))


def sorted_pinyin_key(key: str) -> str:
    """张华明 and 张明华 → the same string: catches swapped characters (and homophones)."""
    return " ".join(sorted(syllables(key)))


def surname_pinyin(key: str) -> str:
    return _syllable(key[0]) if key else ""
