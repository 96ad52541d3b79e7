"""3 盈亏分析 — profit and loss."""

from __future__ import annotations

from data import bands
from queries.reports.common import (
    AGENT_NAME,
    BRANCH_DIM,
    DEPT_DIM,
    INSURED_NAME,
    PNL_DETAIL_TAIL,
    PNL_MEASURES,
    POLICY_NO,
    STAFF_NAME,
    band_options,
    branch_filter,
    dept_filter,
    with_names,
)
from queries.spec import Chart, Col, Dim, Filter, Lookup, Options, Report, Summary

AUTO = "line = 'auto'"
# What a P&L list is opened for: the loss ratio and its money, beside the policy number.
KEY_COLUMNS = ("settled_loss_ratio_pct", "received_cny", "paid_closed_cny")


def _vehicle_options(code: str, name: str) -> Options:
    return Options(table="vehicle", value=code, label=name)


PNL_AUTO_CUBE = Report(
    slug="pnl-auto-cube", number="3.6", area="pnl", title="车险盈亏综合状况",
    source="policy_pnl", id_column="policy_id", where=AUTO,
    filters=(
        branch_filter(),
        dept_filter(),
        Filter("start", "起保区间", "date_range", "start_date"),
        Filter("sign", "签单区间", "date_range", "sign_date"),
        Filter("clause", "条款", "multi", "clause_code",
               options=Options(static=(("DAA01", "机动车综合商业保险条款"),
                                       ("DZA01", "交强险条款")))),
        Filter("use_nature", "使用性质", "multi", "use_nature_code",
               options=_vehicle_options("use_nature_code", "use_nature_name")),
        Filter("use_years", "使用年限", "multi", "use_years_band",
               options=band_options(bands.USE_YEARS)),
        Filter("vehicle_kind", "车辆种类", "multi", "vehicle_kind_code",
               options=_vehicle_options("vehicle_kind_code", "vehicle_kind_name")),
        Filter("seats", "座位", "multi", "seats_band", options=band_options(bands.SEATS)),
        Filter("tonnage", "吨位", "multi", "tonnage_band", options=band_options(bands.TONNAGE)),
        Filter("sum_insured", "保额区间", "multi", "sum_insured_band",
               options=band_options(bands.SUM_INSURED)),
        Filter("loss_ratio", "赔付区间", "multi", "loss_ratio_band",
               options=band_options(bands.LOSS_RATIO)),
    ),
    dims=(
        BRANCH_DIM,
        DEPT_DIM,
        Dim("start_year", "起保年度", "start_year", type="year"),
        Dim("sign_year", "签单年度", "sign_year", type="year"),
        Dim("clause", "条款", "clause_name"),
        Dim("use_nature", "使用性质", "use_nature_name"),
        Dim("use_years", "使用年限", "use_years_band"),
        Dim("vehicle_kind", "车辆种类", "vehicle_kind_name"),
        Dim("seats", "座位", "seats_band"),
        Dim("tonnage", "吨位", "tonnage_band"),
        Dim("sum_insured", "保额区间", "sum_insured_band"),
        Dim("loss_ratio", "赔付区间", "loss_ratio_band"),
    ),
    free_dims=("branch", "dept", "start_year", "sign_year", "clause", "use_nature",
               "use_years", "vehicle_kind", "seats", "tonnage", "sum_insured", "loss_ratio"),
    measures=PNL_MEASURES,
    key_columns=KEY_COLUMNS,
    detail=with_names(
        POLICY_NO,
        Col("plate_no", "车牌号"),
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("branch_code", "归属支公司代码", "code"),
        Col("dept_code", "归属部门代码", "code"),
        Col("handler_code", "经办人代码", "code"),
        Col("clause_name", "条款"),
        Col("use_nature_name", "使用性质"),
        Col("vehicle_kind_name", "车辆种类"),
        Col("use_years", "使用年限", "int"),
        Col("seats", "座位", "int"),
        Col("tonnage", "吨位", "number"),
        Col("sum_insured_cny", "保险金额", "money"),
        Col("sign_date", "签单日期", "date"),
        Col("start_date", "起保日期", "date"),
        *PNL_DETAIL_TAIL,
    ),
    summaries=(
        Summary("by-use", "按使用性质汇总", ("use_nature",),
                Chart("bar", "use_nature", ("premium", "paid_closed"))),
    ),
    order=(("start_date", "desc"),),
    notes=("可任意组合筛选条件, 并任选汇总维度; 数值属性按区间汇总 (区间为系统设置)。",
           "赔付率 = 赔款 / 到款保费; 到款保费为 0 时赔付率为空。"),
)

PROPERTY = "line = 'property'"
HANDLER_DIM = Dim("handler", "经办人", "handler_id",
                  lookup=STAFF_NAME, type="int")
AGENT_DIM = Dim("agent", "代理人", "agent_id",
                lookup=AGENT_NAME, type="int")
CLASS_OPTIONS = Options(table="risk_class", value="class_code", label="class_name")
START = Filter("start", "起保日期", "date_range", "start_date", required=True,
               default="this-year")
POLICY_HEAD: tuple[Col, ...] = (
    POLICY_NO,
    Col("risk_code", "险种代码", "code"),
    Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
    Col("branch_code", "归属支公司代码", "code"),
    Col("handler_code", "经办人代码", "code"),
    Col("agent_code", "代理人代码", "code"),
    Col("start_date", "起保日期", "date"),
    Col("end_date", "终保日期", "date"),
)
AUTO_HEAD: tuple[Col, ...] = (
    *POLICY_HEAD[:3], Col("plate_no", "车牌号"), Col("vin", "车架号"),
    Col("use_nature_name", "使用性质"), *POLICY_HEAD[3:],
)


def _policy_pnl(slug: str, number: str, title: str, where: str, filters: tuple[Filter, ...],
                *, dims: tuple[Dim, ...], summaries: tuple[Summary, ...], head: tuple[Col, ...],
                note: str, tags: tuple[str, ...] = ()) -> Report:
    return Report(slug=slug, number=number, title=title, area="pnl", tags=tags,
                  source="policy_pnl", id_column="policy_id", where=where, filters=filters,
                  dims=dims,
                  measures=PNL_MEASURES, detail=with_names(*head, *PNL_DETAIL_TAIL),
                  key_columns=KEY_COLUMNS,
                  summaries=summaries, order=(("start_date", "desc"),),
                  notes=(note, "赔付率以到款保费为分母; 到款保费为 0 时赔付率为空。"))


PNL_INSURED = _policy_pnl(
    "pnl-insured", "3.1", "被保险人综合盈亏", "TRUE",
    (Filter("insured_code", "被保险人代码", "text", "insured_code"),
     branch_filter(),
     Filter("class", "险类", "multi", "class_code", options=CLASS_OPTIONS),
     Filter("start", "起保日期", "date_range", "start_date")),
    dims=(Dim("insured", "被保险人", "insured_id", type="int", many=True,
              lookup=Lookup("customer", "customer_id", "customer_name", code="customer_code")),
          Dim("year", "起保年度", "start_year", type="year"), BRANCH_DIM,
          Dim("class", "险类", "class_name")),
    summaries=(Summary("by-insured", "按被保险人汇总 (全部险类)", ("insured",),
                       Chart("bar", "insured_label", ("premium", "paid_closed"))),
               Summary("by-insured-year", "按被保险人、年度汇总", ("insured", "year")),
               Summary("by-insured-class", "按被保险人、险类汇总", ("insured", "class"))),
    head=POLICY_HEAD,
    note="按被保险人分析历年承保与理赔盈亏; 可按支公司或全公司、全部险类或单一险类。",
)

PNL_AUTO_POLICY = _policy_pnl(
    "pnl-auto-policy", "3.2", "车险保单盈亏", AUTO,
    (Filter("policy_no", "保单号", "text", "policy_no"),
     Filter("plate", "车牌号", "text", "plate_no"),
     Filter("vin", "车架号", "text", "vin"),
     Filter("handler", "经办人代码", "text", "handler_code"),
     Filter("start", "起保日期", "date_range", "start_date"), branch_filter()),
    dims=(BRANCH_DIM, Dim("year", "起保年度", "start_year", type="year")),
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("premium", "paid_closed"))),),
    head=AUTO_HEAD, note="以保单号、车牌号等条件组合, 分析每一份车险保单的承保、理赔盈亏。",
    tags=("sales",),
)

PNL_VEHICLE = _policy_pnl(
    "pnl-vehicle", "3.3", "车辆历年盈亏", AUTO,
    (Filter("plate", "车牌号", "text", "plate_no"), Filter("vin", "车架号", "text", "vin"),
     branch_filter()),
    dims=(Dim("plate", "车牌号", "plate_no", many=True),
          Dim("year", "起保年度", "start_year", type="year")),
    summaries=(Summary("by-plate-year", "按车辆、年度汇总", ("plate", "year"),
                       Chart("bar", "year", ("premium", "paid_closed"))),),
    head=AUTO_HEAD, note="以车牌号为单位, 每年一行, 分析车辆历年承保与理赔。",
    tags=("sales",),
)

PNL_AUTO_HANDLER = _policy_pnl(
    "pnl-auto-handler", "3.4", "车险经办人盈亏", AUTO, (START, branch_filter(), dept_filter()),
    dims=(HANDLER_DIM, BRANCH_DIM),
    summaries=(Summary("by-handler", "按经办人汇总", ("handler",),
                       Chart("bar", "handler_label", ("premium", "paid_closed"))),),
    head=AUTO_HEAD, note="起保区间内归属各经办人的车险承保理赔; 点击经办人查看其保单清单。",
)

PNL_AUTO_AGENT = _policy_pnl(
    "pnl-auto-agent", "3.5", "车险代理人盈亏", AUTO, (START, branch_filter()),
    dims=(AGENT_DIM, BRANCH_DIM),
    summaries=(Summary("by-agent", "按代理人汇总", ("agent",),
                       Chart("bar", "agent_label", ("premium", "paid_closed"))),),
    head=AUTO_HEAD,
    note="起保区间内归属各代理人的车险承保理赔; 无代理人的业务单列; 点击查看保单清单。",
)

PNL_PROPERTY_POLICY = _policy_pnl(
    "pnl-property-policy", "3.7", "财产险保单盈亏", PROPERTY,
    (Filter("policy_no", "保单号", "text", "policy_no"),
     Filter("applicant", "投保人代码", "text", "applicant_code"),
     Filter("insured", "被保险人代码", "text", "insured_code"),
     Filter("start", "起保日期", "date_range", "start_date"), branch_filter()),
    dims=(BRANCH_DIM, Dim("class", "险类", "class_name")),
    summaries=(Summary("by-class", "按险类汇总", ("class",),
                       Chart("bar", "class", ("premium", "paid_closed"))),
               Summary("by-branch", "按支公司汇总", ("branch",))),
    head=POLICY_HEAD, note="以保单号、投保人、被保险人等为条件查询财产险保单承保、理赔信息。",
    tags=("sales",),
)

PNL_PROPERTY_HANDLER = _policy_pnl(
    "pnl-property-handler", "3.8", "财产险经办人盈亏", PROPERTY,
    (START, branch_filter(), dept_filter()), dims=(HANDLER_DIM, BRANCH_DIM),
    summaries=(Summary("by-handler", "按经办人汇总", ("handler",),
                       Chart("bar", "handler_label", ("premium", "paid_closed"))),),
    head=POLICY_HEAD, note="起保区间内各经办人的财产险承保单量与理赔; 点击查看保单清单。",
)

PNL_PROPERTY_AGENT = _policy_pnl(
    "pnl-property-agent", "3.9", "财产险代理人盈亏", PROPERTY, (START, branch_filter()),
    dims=(AGENT_DIM, BRANCH_DIM),
    summaries=(Summary("by-agent", "按代理人汇总", ("agent",),
                       Chart("bar", "agent_label", ("premium", "paid_closed"))),),
    head=POLICY_HEAD, note="起保区间内各代理人的财产险承保单量与理赔; 点击查看保单清单。",
)
