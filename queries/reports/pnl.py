"""3 盈亏分析 — profit and loss."""

from __future__ import annotations

from data import bands
from queries.reports.common import (
    BRANCH_DIM,
    DEPT_DIM,
    INSURED_NAME,
    PNL_DETAIL_TAIL,
    PNL_MEASURES,
    band_options,
    branch_filter,
    dept_filter,
)
from queries.spec import Chart, Col, Dim, Filter, Options, Report, Summary

AUTO = "line = 'auto'"


def _vehicle_options(code: str, name: str) -> Options:
    return Options(table="vehicle", value=code, label=name)


PNL_AUTO_CUBE = Report(
    slug="pnl-auto-cube", number="3.6", title="车险盈亏综合状况",
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
        Dim("start_year", "起保年度", "start_year", type="int"),
        Dim("sign_year", "签单年度", "sign_year", type="int"),
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
    detail=(
        Col("policy_no", "保单号"),
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
