"""Call a Dash callback on the server as the browser's renderer (or a forger) would:
the callback's key comes from /_dash-dependencies, the body is what the renderer posts."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def _outputs(key: str) -> list[dict[str, str]]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outs = []
    for part in parts:
        target, _, prop = part.rpartition(".")
        outs.append({"id": target, "property": prop.split("@")[0]})
    return outs


def call(client: FlaskClient, output: str, inputs: list[tuple[str, str, Any]],
         state: list[tuple[str, str, Any]] | None = None, headers: dict[str, str] | None = None,
         *, trigger: str | None = None) -> Any:
    """POST the callback whose outputs include ``output`` ("id.property") and whose
    inputs are ``inputs``; inputs and state as (id, property, value), in the callback's
    order; ``trigger`` ("id.property") is the input that changed (default: the first)."""
    deps = client.get("/_dash-dependencies").get_json()
    names = [f"{i}.{p}" for i, p, _ in inputs]
    key = next(d["output"] for d in deps if output in d["output"]
               and [f"{x['id']}.{x['property']}" for x in d["inputs"]] == names)
    outs = _outputs(key)
    body = {
        "output": key, "outputs": outs[0] if len(outs) == 1 else outs,
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [trigger or names[0]],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []],
    }
    return client.post("/_dash-update-component", json=body, headers=headers or {})


def answer(resp: Any) -> dict[str, dict[str, Any]]:
    """{id: {property: value}} of a callback's answer."""
    assert resp.status_code == 200, (resp.status_code, resp.text[:300])
    return resp.get_json()["response"]
