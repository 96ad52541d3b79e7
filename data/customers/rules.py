"""Which records are the same customer: deterministic rules in priority order, then the
model's thresholds. Plain data, so an administrator's page can edit and store it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# Field vocabulary a rule may use → column of the normalised records.
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("证件号", "id_key"),
    "name": ("姓名", "name_key"),
    "mobile": ("手机", "mobile"),
    "phone": ("固话", "phone"),
    "address": ("地址", "addr_key"),
    "branch": ("出单机构", "branch_code"),
    "birth": ("出生日期", "birth"),
}


@dataclass(frozen=True)
class MatchRule:
    """Records whose fields are all given, valid and equal are one customer.

    ``decisive``: when both records give the field and it differs (two valid 身份证
    numbers), no lower rule and not the model may put them together.
    """

    code: str
    fields: tuple[str, ...]
    decisive: bool = False
    enabled: bool = True

    def __post_init__(self) -> None:
        unknown = [f for f in self.fields if f not in FIELDS]
        if unknown or not self.fields:
            raise ValueError(f"规则 {self.code}: 未知字段 {unknown}，可用 {sorted(FIELDS)}")
        if self.decisive and len(self.fields) != 1:
            raise ValueError(f"规则 {self.code}: 只有单一字段的规则可以设为决定性")

    @property
    def label(self) -> str:
        return "+".join(FIELDS[f][0] for f in self.fields)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(FIELDS[f][1] for f in self.fields)


DEFAULT_RULES = (
    MatchRule("id", ("id",), decisive=True),
    MatchRule("name_mobile", ("name", "mobile")),
    MatchRule("name_address_branch", ("name", "address", "branch")),
)


@dataclass(frozen=True)
class MatchConfig:
    """Rules in priority order (first wins) and the model's two thresholds.

    Pairs the model scores at or above ``auto_threshold`` merge; pairs between
    ``review_threshold`` and it go to the review queue.
    """

    rules: tuple[MatchRule, ...] = DEFAULT_RULES
    probabilistic: bool = True
    auto_threshold: float = 0.99
    review_threshold: float = 0.6
    model_sample_pairs: float = 2e6

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.auto_threshold <= 1:
            raise ValueError("阈值须满足 0 < 待审核阈值 ≤ 自动合并阈值 ≤ 1")
        codes = [r.code for r in self.rules]
        if len(set(codes)) != len(codes):
            raise ValueError(f"规则代码重复: {codes}")

    @property
    def active_rules(self) -> tuple[MatchRule, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchConfig:
        rules = tuple(MatchRule(r["code"], tuple(r["fields"]), bool(r.get("decisive")),
                                bool(r.get("enabled", True))) for r in data.get("rules", ()))
        rest = {k: v for k, v in data.items() if k != "rules"}
        return cls(rules=rules or DEFAULT_RULES, **rest)
