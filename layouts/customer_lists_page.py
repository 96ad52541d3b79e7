"""黑名单维护 and 孤儿保单转交: plain forms posting to callbacks/customer_routes.py,
which checks, writes, audits and redirects back with the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash_mantine_components as dmc
from dash import dcc, html

from layouts.customer_page import submit_button, table

if TYPE_CHECKING:
    from ops.jobs import Job

FIELD_STYLE = {"padding": "6px 8px", "border": "1px solid #ced4da", "borderRadius": "4px",
               "fontSize": "14px", "minWidth": "260px"}


def _outcome(args: dict[str, str]) -> list[Any]:
    out = []
    if args.get("ok"):
        out.append(dmc.Alert(args["ok"], color="green", id="list-ok"))
    if args.get("error"):
        out.append(dmc.Alert(args["error"], color="red", title="未完成", id="list-error"))
    return out


def _refresh(job: Job | None) -> Any:
    if job is None:
        return None
    return dmc.Text(f"数据刷新: {job.state_label}"
                    + (f" — {job.message}" if job.message else ""), size="sm", c="dimmed",
                    id="refresh-state")


def blacklist_page(entries: list[dict[str, Any]], args: dict[str, str], job: Job | None
                   ) -> Any:
    rows = [[e["customer_code"], e["reason"], e["added_by"], e["added_at"],
             html.Form(method="post", action=f"/customers-admin/blacklist/{e['entry_id']}"
                                             "/remove",
                       children=submit_button("移出", color="#fa5252", small=True))]
            for e in entries]
    return dmc.Stack(gap="md", children=[
        dmc.Title("黑名单维护", order=3),
        dmc.Text("列入黑名单的客户在“8.8 黑名单客户群”和客户360页上标出; 名单写入运营数据库, "
                 "每次装载都会保留, 修改后自动刷新报表数据。", size="sm", c="gray.7"),
        *_outcome(args), _refresh(job),
        html.Form(method="post", action="/customers-admin/blacklist/add", children=dmc.Group(
            align="flex-end", children=[
                dmc.Stack(gap=2, children=[dmc.Text("客户代码", size="sm"),
                                           dcc.Input(type="text", name="customer_code",
                                                     required=True, style=FIELD_STYLE,
                                                     id="bl-code")]),
                dmc.Stack(gap=2, children=[dmc.Text("原因", size="sm"),
                                           dcc.Input(type="text", name="reason", required=True,
                                                      maxLength=200, id="bl-reason",
                                                      style={**FIELD_STYLE,
                                                             "minWidth": "420px"})]),
                submit_button("列入黑名单", "bl-add", color="#fa5252")])),
        table(["客户代码", "原因", "加入人", "加入时间 (UTC)", ""], rows, id="blacklist-table")
        if rows else dmc.Text("名单为空", size="sm", c="dimmed"),
    ])


def reassign_page(departed: list[dict[str, Any]], colleagues: list[dict[str, Any]],
                  recent: list[dict[str, Any]], args: dict[str, str], job: Job | None) -> Any:
    pick_from = html.Select(name="from", id="ra-from", style=FIELD_STYLE, children=[
        html.Option(f"{d['handler_code']} {d['handler_name']} (离职 {d['left_date']}, "
                    f"{int(d['policies']):,} 张)", value=d["handler_code"]) for d in departed])
    pick_to = html.Select(name="to", id="ra-to", style=FIELD_STYLE, children=[
        html.Option(f"{c['staff_code']} {c['staff_name']} ({c['title']}, {c['dept_name']})",
                    value=c["staff_code"]) for c in colleagues])
    return dmc.Stack(gap="md", children=[
        dmc.Title("孤儿保单转交", order=3),
        dmc.Text("把离职经办人名下的有效保单转给本支公司在职的同事。转交记入审计, 写入运营数据库,"
                 " 每次装载都会重新应用 (源系统若已改派其他经办人, 以源系统为准); 提交后自动"
                 "刷新报表数据, 各报表的经办人随之更新。", size="sm", c="gray.7"),
        *_outcome(args), _refresh(job),
        table(["原经办人", "姓名", "离职日期", "孤儿保单"], [
            [d["handler_code"], d["handler_name"], str(d["left_date"]), f"{int(d['policies']):,}"]
            for d in departed], id="departed-table") if departed else
        dmc.Text("您的范围内没有孤儿保单", size="sm", c="dimmed"),
        html.Form(method="post", action="/customers-admin/reassign", children=dmc.Stack(
            gap="xs", children=[
                dmc.Group(children=[dmc.Text("原经办人", size="sm", w=80), pick_from]),
                dmc.Group(children=[dmc.Text("转给", size="sm", w=80), pick_to]),
                dmc.Group(align="flex-start", children=[
                    dmc.Text("保单号", size="sm", w=80),
                    html.Textarea(name="policies", id="ra-policies", rows=3,
                                  placeholder="留空 = 该离职人员在您范围内的全部孤儿保单; "
                                              "或逐个填写保单号",
                                  style={**FIELD_STYLE, "minWidth": "520px"})]),
                dmc.Group(children=[submit_button("转交", "ra-submit")])]))
        if departed else None,
        dmc.Title("最近的转交", order=5),
        table(["时间 (UTC)", "保单号", "转交", "原", "接收", "操作人"], [
            [r["at"], r["policy_no"], r["role"], r["from_code"], r["to_code"],
             r["by_username"]] for r in recent]) if recent else
        dmc.Text("无", size="sm", c="dimmed"),
    ])
