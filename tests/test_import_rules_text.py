"""6.6 tells the people who prepare the files the rules in words, on the page and in its
messages, never by pointing at a developer document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.layout import ENTITIES
from layouts.import_rules import import_rules
from ops.load_job import UploadRefused, save_files


def test_the_page_lists_every_file_and_column_in_words() -> None:
    text = json.dumps(import_rules(), default=lambda o: o.to_plotly_json(),
                      ensure_ascii=False)
    assert "docs/" not in text and "IMPORT.md" not in text
    assert "文件名为下表的文件名" in text and "YYYY-MM-DD" in text
    for e in ENTITIES:
        assert f"{e.name}.csv — {e.label}" in text
        assert all(f.label in text for f in e.fields)


def test_an_unknown_file_is_refused_with_the_names_allowed(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused) as refused:
        save_files(tmp_path, [("policies.csv", b"a\n1\n")])
    message = str(refused.value)
    assert "不认识的文件: policies.csv" in message and "docs/" not in message
    assert "policy" in message.split("实体名之一")[1] and "文件与列的规则" in message
