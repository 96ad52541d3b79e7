"""6.6 数据装载 through the app: upload a zip, load in the background with progress,
rejects listed and downloadable; administrators only."""

from __future__ import annotations

import base64
import io
import json
import shutil
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from auth.templates import ensure_demo_users
from data.export_layout import export_store
from data.generate import generate
from data.settings import Settings
from engines import engine_for
from tests.auth_fixtures import sign_in
from tests.conftest import AS_OF
from tests.ops_fixtures import with_own_database


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> dict[str, Any]:
    from app import create_app

    root = tmp_path_factory.mktemp("loads")
    own = with_own_database(replace(settings, store_path=root / "store.duckdb",
                                    login_fail_delay=0.0), root / "u.sqlite")
    generate(own.store_path, 500, 3, AS_OF, own)
    export_store(own.store_path, root / "files")
    ensure_demo_users(engine_for(own))
    return {"server": create_app(own).server, "files": root / "files", "settings": own}


def _client(site: dict[str, Any], user: str) -> FlaskClient:
    return sign_in(site["server"], user)


def _zip(folder: Path, extra: dict[str, bytes] | None = None) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f"t1/{f.name}")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return "data:application/zip;base64," + base64.b64encode(buf.getvalue()).decode()


def _call(client: FlaskClient, outputs: list[tuple[str, str]], inputs: list[dict[str, Any]],
          state: list[dict[str, Any]]) -> Any:
    # Dash names a multi-output callback "..a.prop...b.prop..".
    payload = {"output": "..." .join(f"{i}.{p}" for i, p in outputs).join(["..", ".."]),
               "outputs": [{"id": i, "property": p} for i, p in outputs],
               "inputs": inputs, "state": state,
               "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    return client.post("/_dash-update-component", json=payload)


def _upload(client: FlaskClient, contents: str) -> Any:
    return _call(client, [("load-files", "children"), ("load-job", "data")],
                 [{"id": "load-upload", "property": "contents", "value": [contents]}],
                 [{"id": "load-upload", "property": "filename", "value": ["t1.zip"]}])


def _load(client: FlaskClient, job: str, partial: bool = False) -> dict[str, Any]:
    outputs = [("load-poll", "disabled"), ("load-progress", "value"),
               ("load-status", "children"), ("load-rejects", "children"),
               ("load-history", "rowData"), ("load-start", "disabled")]
    state = [{"id": "load-job", "property": "data", "value": job},
             {"id": "load-incremental", "property": "checked", "value": False},
             {"id": "load-partial", "property": "checked", "value": partial}]
    started = _call(client, outputs, [{"id": "load-start", "property": "n_clicks", "value": 1},
                                      {"id": "load-poll", "property": "n_intervals",
                                       "value": None}], state)
    assert started.status_code == 200
    for _ in range(240):
        resp = _call(client, outputs, [{"id": "load-poll", "property": "n_intervals",
                                        "value": 1},
                                       {"id": "load-start", "property": "n_clicks",
                                        "value": 1}], state)
        out = resp.get_json()["response"]
        if out["load-poll"]["disabled"]:
            return out
        time.sleep(0.25)
    raise AssertionError("load did not finish")


def test_only_administrators_may_upload(site: dict[str, Any]) -> None:
    refused = _upload(_client(site, "gm"), _zip(site["files"]))
    assert refused.status_code == 403


def test_upload_load_and_history(site: dict[str, Any]) -> None:
    admin = _client(site, "admin")
    resp = _upload(admin, _zip(site["files"]))
    out = resp.get_json()["response"]
    assert "已上传 18 个文件" in out["load-files"]["children"]
    before = site["settings"].store_path.stat().st_ino
    done = _load(admin, out["load-job"]["data"])
    assert "已导入" in json.dumps(done["load-status"]["children"], ensure_ascii=False)
    assert done["load-history"]["rowData"][0]["ok"] == 1
    assert site["settings"].store_path.stat().st_ino != before  # a new store swapped in


def test_bad_files_listed_and_downloadable(site: dict[str, Any], tmp_path: Path) -> None:
    work = tmp_path / "files"
    shutil.copytree(site["files"], work)
    text = (work / "policy.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",有效,", ",作废,")
    (work / "policy.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    admin = _client(site, "admin")
    out = _upload(admin, _zip(work)).get_json()["response"]
    job = out["load-job"]["data"]
    sha = site["settings"].store_path.read_bytes()
    done = _load(admin, job)
    status = json.dumps(done["load-status"]["children"], ensure_ascii=False)
    assert "未导入" in status and site["settings"].store_path.read_bytes() == sha
    assert "保单状态 只能是" in json.dumps(done["load-rejects"]["children"], ensure_ascii=False)
    csv_text = admin.get(f"/admin/loads/{job}/rejects.csv").data.decode("utf-8-sig")
    assert csv_text.startswith("文件,行,列,值,原因") and "policy.csv,2,status,作废" in csv_text
    assert _client(site, "gm").get(f"/admin/loads/{job}/rejects.csv").status_code == 403


def test_zip_paths_cannot_escape_the_upload_folder(site: dict[str, Any]) -> None:
    admin = _client(site, "admin")
    out = _upload(admin, _zip(site["files"], {"../../evil.csv": b"x"})).get_json()["response"]
    assert "不认识的文件: evil.csv" in out["load-files"]["children"]
    assert not (site["settings"].store_path.parent.parent / "evil.csv").exists()
