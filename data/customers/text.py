"""Plain text clean-up shared by names, addresses and numbers."""

from __future__ import annotations

import re

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")

# Values typed to get past a required field; they must never make two records equal.
PLACEHOLDER_TEXT = frozenset({
    "", "无", "空", "暂无", "不详", "未知", "不知道", "其他", "测试", "test", "null", "none",
    "n/a", "na", "-", "--", "/", "\\", ".", "0", "000000", "x", "xx", "xxx", "客户",
    "先生", "女士", "某某", "待补充", "未提供",
})


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３, 全角空格) to half-width."""
    return text.translate(_FULLWIDTH)


def squeeze(text: str | None) -> str:
    """Half-width, trimmed, inner runs of white space removed (Chinese needs none)."""
    return _SPACES.sub("", to_halfwidth(text or ""))


def is_placeholder_text(text: str | None) -> bool:
    value = squeeze(text).lower()
    return value in PLACEHOLDER_TEXT or (len(set(value)) == 1 and value[:1] in "0x-*?？")
