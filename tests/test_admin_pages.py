"""Administration pages: only administrators may use them, checked in every callback."""

from __future__ import annotations

from typing import Any

from auth.audit import query_audit
from auth.users import get_user
from data.settings import Settings

STATE_IDS = ["new-username", "new-name", "new-scope", "new-branch", "new-dept", "new-staff",
             "new-pages", "new-pii", "new-admin", "new-template"]
PROPS = {"new-pii": "checked", "new-admin": "checked"}


def create_payload(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "output": "new-message.children",
        "outputs": {"id": "new-message", "property": "children"},
        "inputs": [{"id": "new-create", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["new-create.n_clicks"],
        "state": [{"id": i, "property": PROPS.get(i, "value"), "value": values.get(i)}
                  for i in STATE_IDS],
    }


def test_admin_creates_a_user_others_are_refused(login: Any, settings: Settings) -> None:
    values = {"new-username": "staff777", "new-name": "新员工", "new-scope": "branch",
              "new-branch": 2, "new-pages": ["pnl-auto-cube"], "new-pii": False,
              "new-admin": False}
    refused = login("gm").post("/_dash-update-component", json=create_payload(values))
    assert refused.status_code == 403
    assert get_user(settings.users_db, username="staff777") is None
    done = login("admin").post("/_dash-update-component", json=create_payload(values))
    assert done.status_code == 200 and "一次性密码" in done.text
    user = get_user(settings.users_db, username="staff777")
    assert user is not None and user.must_change_password
    assert user.scope == "branch" and user.branch_id == 2 and user.pages == {"pnl-auto-cube"}
    created = query_audit(settings.users_db, event="user_created", username="admin")
    assert any("staff777" in (e["detail"] or "") for e in created)
    duplicate = login("admin").post("/_dash-update-component", json=create_payload(values))
    assert "已存在" in duplicate.text


def test_audit_export_is_for_administrators(login: Any) -> None:
    assert login("gm").get("/export/admin-audit.csv").status_code == 403
    resp = login("admin").get("/export/admin-audit.csv?event=login")
    assert resp.status_code == 200
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("时间 (UTC),用户,事件") and len(lines) > 1
