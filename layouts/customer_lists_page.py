"""黑名单维护 and 孤儿保单转交: plain forms posting to callbacks/customer_routes.py,
which checks, writes, audits and redirects back with the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import dash_mantine_components as dmc
from dash import dcc, html

from layouts.customer_page import submit_button, table
from queries.reassign_view import ReassignView, kind_label

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


REASON_COLORS = {"经办人离职": "orange", "代理人离职": "grape", "经办人和代理人离职": "red"}
LABEL_WIDTH = 96
CONTROL_WIDTH = {"width": "min(600px, 60vw)", "minWidth": "0"}


def _person(code: Any, name: Any, left: Any = None) -> Any:
    """代码 姓名, and the 离职 date in red when the person left."""
    if not code:
        return dmc.Text("无", size="sm", c="dimmed")
    return dmc.Stack(gap=0, children=[
        dmc.Text(f"{code} {name or ''}", size="sm"),
        dmc.Text(f"离职 {left}", size="xs", c="red.7") if left else None])


def _departed_table(view: ReassignView) -> Any:
    chosen = view.chosen["key"] if view.chosen else None
    rows = [[dmc.Badge(kind_label(d["kind"]), variant="light",
                       color="orange" if d["kind"] == "staff" else "grape"),
             d["code"], d["name"], str(d["left_date"]), f"{int(d['policies']):,}",
             f"{int(d['also_left']):,}",
             dmc.Text("当前", size="sm", fw=600, c="blue.7") if d["key"] == chosen else
             html.A("选择并转交", href=f"?{urlencode({'from': d['key']})}")]
            for d in view.departed]
    return table(["离职人员", "代码", "姓名", "离职日期", "孤儿保单", "其中两方均离职", ""],
                 rows, id="departed-table")


def _select(name: str, element_id: str, keep: str, options: list[tuple[str, str]]) -> Any:
    return html.Select(name=name, id=element_id, style={**FIELD_STYLE, **CONTROL_WIDTH},
                       children=[html.Option(keep, value=""),
                                 *(html.Option(label, value=v) for v, label in options)])


def _field(label: str, control: Any, hint: str) -> Any:
    return dmc.Group(align="flex-start", wrap="nowrap", children=[
        dmc.Text(label, size="sm", fw=500, w=LABEL_WIDTH, pt=6),
        dmc.Stack(gap=2, children=[control, dmc.Text(hint, size="xs", c="dimmed")])])


def _form(view: ReassignView) -> Any:
    chosen = view.chosen or {}
    shown = view.policies
    handler_left = sum(1 for p in shown if p["handler_left_date"])
    agent_left = sum(1 for p in shown if p["agent_left_date"])
    staff = _select("to", "ra-to", "— 经办人不变 —", [
        (c["staff_code"], f"{c['staff_code']} {c['staff_name']} ({c['title']}, "
                          f"{c['dept_name']})") for c in view.colleagues])
    agents = _select("agent_to", "ra-agent-to", "— 代理人不变 —", [
        (a["agent_code"], f"{a['agent_code']} {a['agent_name']} ({a['agent_kind']}"
                          + (f", {a['branch_name']}" if view.company else "") + ")")
        for a in view.agents])
    total = int(chosen.get("policies", 0))
    return html.Form(method="post", action="/customers-admin/reassign", children=[
        dcc.Input(type="hidden", name="from", value=chosen.get("key", ""), id="ra-from"),
        dmc.Stack(gap="sm", children=[
            _field("经办人转给", staff, f"只改经办人已离职的保单 (下表中 {handler_left:,} 张); "
                                        "接收人须为本支公司在职的业务员或科长"),
            _field("代理人转给", agents, f"只改代理人已离职的保单 (下表中 {agent_left:,} 张); "
                                        "没有代理人的保单不加代理人; 接收人须为本支公司"
                                        "在约的代理人"),
            _field("保单号", html.Textarea(
                name="policies", id="ra-policies", rows=2,
                placeholder=f"留空 = 该离职人员在您范围内的全部 {total:,} 张孤儿保单; "
                            "或填写其中部分保单号 (空格、逗号或换行分隔)",
                style={**FIELD_STYLE, **CONTROL_WIDTH}),
                "已离职的一方转给所选的接收人; 至少选择一项接收人"),
            dmc.Group(ml=LABEL_WIDTH + 16, children=[submit_button("转交", "ra-submit")])])])


def _policies_table(view: ReassignView) -> Any:
    rows = [[p["policy_no"],
             dmc.Badge(p["orphan_reason"], variant="light",
                       color=REASON_COLORS.get(p["orphan_reason"], "gray")),
             _person(p["handler_code"], p["handler_name"], p["handler_left_date"]),
             _person(p["agent_code"], p["agent_name"], p["agent_left_date"]),
             f"{p['risk_code']} {p['class_name']}", str(p["end_date"]),
             f"{float(p['premium_cny']):,.2f}"] for p in view.policies]
    head = ["保单号", "原因", "经办人", "代理人", "险种", "终保日期", "保费(折人民币)"]
    nowrap = {"whiteSpace": "nowrap"}
    right = {**nowrap, "textAlign": "right"}
    return dmc.TableScrollContainer(minWidth=960, children=dmc.Table(
        striped=True, highlightOnHover=True, withTableBorder=True, fz="sm",
        id="orphan-policy-table", children=[
            dmc.TableThead(dmc.TableTr([dmc.TableTh(h, style=right if i == 6 else nowrap)
                                        for i, h in enumerate(head)])),
            dmc.TableTbody([dmc.TableTr([dmc.TableTd(c, style=right if i == 6 else nowrap)
                                         for i, c in enumerate(row)]) for row in rows])]))


def _recent(view: ReassignView) -> Any:
    if not view.recent:
        return dmc.Text("无", size="sm", c="dimmed")
    return table(["时间 (UTC)", "保单号", "转交", "原", "接收", "操作人"], [
        [r["at"][:19].replace("T", " "), r["policy_no"], r["role"],
         f"{r['from_code']} {r['from_name']}", f"{r['to_code']} {r['to_name']}",
         r["by_username"]] for r in view.recent], id="recent-table")


def _chosen_section(view: ReassignView) -> Any:
    chosen = view.chosen
    if chosen is None:
        return dmc.Text("您的范围内没有孤儿保单", size="sm", c="dimmed", id="no-orphans")
    total = int(chosen["policies"])
    more = (f"显示前 {len(view.policies):,} 张, 共 {total:,} 张; 全部见报表“8.2 孤儿保单”"
            if total > len(view.policies) else f"共 {total:,} 张")
    return dmc.Paper(withBorder=True, p="md", radius="md", children=dmc.Stack(gap="md", children=[
        dmc.Group(gap="xs", children=[
            dmc.Title(f"转交 {kind_label(chosen['kind'])} {chosen['code']} {chosen['name']} "
                      "的孤儿保单", order=4, id="chosen-title"),
            dmc.Badge(f"离职 {chosen['left_date']}", color="red", variant="light")]),
        _form(view),
        dmc.Text(f"孤儿保单 ({more})", size="sm", fw=600),
        _policies_table(view)]))


def reassign_page(view: ReassignView, args: dict[str, str], job: Job | None) -> Any:
    return dmc.Stack(gap="md", children=[
        dmc.Title("孤儿保单转交", order=3),
        dmc.Text("经办人或代理人已离职的有效保单。选择一位离职人员, 把已离职的一方转给本支公司的"
                 "同事: 经办人转给在职的业务员或科长, 代理人转给在约的代理人 (可同时转交)。转交记入"
                 "审计, 写入运营数据库, 每次装载都会重新应用 (源系统若已改派, 以源系统为准); 提交后"
                 "自动刷新报表数据, 各报表的经办人、代理人随之更新。已支付的手续费仍归原代理人。",
                 size="sm", c="gray.7"),
        *_outcome(args), _refresh(job),
        dmc.Title("离职人员", order=5),
        _departed_table(view) if view.departed else None,
        _chosen_section(view),
        dmc.Title("最近的转交", order=5),
        _recent(view),
    ])
