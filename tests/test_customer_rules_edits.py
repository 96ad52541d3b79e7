"""The 客户识别规则 page's edits (move, drop, add, defaults) as the callback applies them."""

from __future__ import annotations

from typing import Any

from data.customers import DEFAULT_RULES
from pages.customer_rules import _add_rule, _as_data, _edited


def _two() -> list[dict[str, Any]]:
    return [{"code": "id", "fields": ["id_no"], "decisive": True, "enabled": True},
            {"code": "phone", "fields": ["mobile"], "decisive": False, "enabled": True}]


def test_a_rule_moves_within_the_list_and_no_further() -> None:
    moved, message = _edited("rule-move", {"i": 0, "d": 1}, _two(), None, None)
    assert [d["code"] for d in moved] == ["phone", "id"] and message is None
    kept, _ = _edited("rule-move", {"i": 1, "d": 1}, _two(), None, None)
    assert [d["code"] for d in kept] == ["id", "phone"]


def test_a_rule_is_dropped_and_the_defaults_come_back() -> None:
    dropped, _ = _edited("rule-drop", {"i": 0}, _two(), None, None)
    assert [d["code"] for d in dropped] == ["phone"]
    defaults, message = _edited("rules-default", "rules-default", [], None, None)
    assert defaults == _as_data(DEFAULT_RULES) and message is None


def test_a_new_rule_needs_a_fresh_code_and_a_field() -> None:
    data = _two()
    assert _add_rule(data, "bad code", ["name_key"]) is not None
    assert _add_rule(data, "name", []) is not None
    assert _add_rule(data, " phone ", ["name_key"]) is not None  # taken
    assert len(data) == 2
    added, message = _edited("rules-add", "rules-add", data, " name ", ["name_key", "birth"])
    assert message is None
    assert added[-1] == {"code": "name", "fields": ["name_key", "birth"], "decisive": False,
                         "enabled": True}
