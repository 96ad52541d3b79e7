"""The analytical store's schema: base tables (what the generator and the importer
write) and the rollups built from them at load time (what the reports read).

Integer surrogate keys (``*_id``) join everything; business numbers (保单号, 立案号,
车架号 …) are plain attributes. Money is DECIMAL(18,2) in the transaction currency,
with a ``*_cny`` twin converted at load time at the rate in force on the transaction
date, so no report converts currencies per request.
"""

from __future__ import annotations

import re

MONEY = "DECIMAL(18,2)"

# Base tables, in dependency order. Column comments give the seed's Chinese label.
BASE_TABLES: dict[str, str] = {
    "branch": """
        branch_id    INTEGER PRIMARY KEY,
        branch_code  VARCHAR NOT NULL UNIQUE,   -- 支公司代码, e.g. 4401
        branch_name  VARCHAR NOT NULL,          -- 支公司名称
        province     VARCHAR NOT NULL,          -- 省份, e.g. 广东
        plate_prefix VARCHAR NOT NULL           -- 车牌前缀, e.g. 粤A
    """,
    "department": """
        dept_id    INTEGER PRIMARY KEY,
        dept_code  VARCHAR NOT NULL UNIQUE,     -- 归属机构代码 (科室)
        dept_name  VARCHAR NOT NULL,
        branch_id  INTEGER NOT NULL
    """,
    "staff": """
        staff_id   INTEGER PRIMARY KEY,
        staff_code VARCHAR NOT NULL UNIQUE,     -- 员工代码 / 经办人代码
        staff_name VARCHAR NOT NULL,
        dept_id    INTEGER NOT NULL,
        branch_id  INTEGER NOT NULL,
        title      VARCHAR NOT NULL,            -- 业务员, 科长, 经理, 理赔员, 财务 …
        left_date  DATE,                        -- 离职日期; NULL while employed
        id_no      VARCHAR,                     -- 证件号码, personal data (业务员客户)
        mobile     VARCHAR                      -- 手机, personal data (业务员客户)
    """,
    "agent": """
        agent_id   INTEGER PRIMARY KEY,
        agent_code VARCHAR NOT NULL UNIQUE,     -- 代理人代码
        agent_name VARCHAR NOT NULL,
        agent_kind VARCHAR NOT NULL,            -- 个人代理 / 兼业代理 / 专业代理 / 经纪公司
        branch_id  INTEGER NOT NULL,
        id_no      VARCHAR,                     -- 证件号码, personal data (业务员客户)
        mobile     VARCHAR,                     -- 手机, personal data (业务员客户)
        left_date  DATE                         -- 解约/离职日期; NULL while under contract
    """,
    "customer": """
        customer_id   INTEGER PRIMARY KEY,
        customer_code VARCHAR NOT NULL UNIQUE,  -- 客户代码
        customer_name VARCHAR NOT NULL,
        customer_kind VARCHAR NOT NULL,         -- 个人 / 单位
        id_type       VARCHAR NOT NULL,         -- 身份证 / 组织机构代码 / 统一社会信用代码
        id_no         VARCHAR NOT NULL,         -- personal data
        phone         VARCHAR,                  -- 联系电话, personal data
        mobile        VARCHAR,                  -- 联系手机, personal data
        address       VARCHAR,                  -- 联系地址, personal data
        birthday      DATE,
        source_system VARCHAR NOT NULL DEFAULT '核心', -- 来源系统: 核心 / 理赔 / 电销 …
        master_id     INTEGER,                  -- customer_master.master_id (客户识别)
        master_no     VARCHAR                   -- 统一客户号 (KH + 14 digits), stable
    """,
    "risk_class": """
        class_id   INTEGER PRIMARY KEY,
        class_code VARCHAR NOT NULL UNIQUE,     -- 险类代码
        class_name VARCHAR NOT NULL,            -- 机动车辆险, 企业财产险, 货物运输险 …
        line       VARCHAR NOT NULL             -- auto / property / other (财产险 = property)
    """,
    "risk": """
        risk_id    INTEGER PRIMARY KEY,
        risk_code  VARCHAR NOT NULL UNIQUE,     -- 险种代码, 3 letters: DAA, QAA, YAE, JLK …
        risk_name  VARCHAR NOT NULL,
        class_id   INTEGER NOT NULL,
        is_commercial_property BOOLEAN NOT NULL -- 企财险 (report 1.5)
    """,
    "currency": """
        currency_id   INTEGER PRIMARY KEY,
        currency_code VARCHAR NOT NULL UNIQUE,  -- CNY, USD, HKD, EUR, JPY
        currency_name VARCHAR NOT NULL          -- 人民币, 美元 …
    """,
    "exchange_rate": """
        currency_id INTEGER NOT NULL,
        rate_date   DATE NOT NULL,
        rate_to_cny DECIMAL(18,6) NOT NULL      -- 1 unit in CNY; key (currency_id, rate_date)
    """,
    "vehicle": """
        vehicle_id         INTEGER PRIMARY KEY,
        plate_no           VARCHAR,             -- 车牌号, e.g. 粤B12345 (NULL when not yet plated)
        vin                VARCHAR NOT NULL,    -- 车架号, 17 characters
        engine_no          VARCHAR NOT NULL,    -- 发动机号
        vehicle_kind_code  VARCHAR NOT NULL,    -- 车型种类代码
        vehicle_kind_name  VARCHAR NOT NULL,    -- 车辆种类: 客车, 货车 …
        use_nature_code    VARCHAR NOT NULL,    -- 使用性质代码
        use_nature_name    VARCHAR NOT NULL,    -- 家庭自用, 营业货运 …
        brand_model        VARCHAR NOT NULL,    -- 厂牌型号
        seats              INTEGER NOT NULL,    -- 座位
        tonnage            DECIMAL(8,2) NOT NULL, -- 吨位 (0 for passenger cars)
        first_register_date DATE NOT NULL       -- 初次登记日期 (use years derive from it)
    """,
    "proposal": """
        proposal_id   INTEGER PRIMARY KEY,
        proposal_no   VARCHAR NOT NULL UNIQUE,  -- 投保单号
        risk_id       INTEGER NOT NULL,
        branch_id     INTEGER NOT NULL,
        dept_id       INTEGER NOT NULL,
        salesman_id   INTEGER NOT NULL,         -- 归属业务员
        agent_id      INTEGER,
        applicant_id  INTEGER NOT NULL,         -- 投保人
        insured_id    INTEGER NOT NULL,         -- 被保险人
        vehicle_id    INTEGER,
        input_date    DATE NOT NULL,
        start_date    DATE NOT NULL,
        end_date      DATE NOT NULL,
        currency_id   INTEGER NOT NULL,
        sum_insured   DECIMAL(18,2) NOT NULL,
        premium       DECIMAL(18,2) NOT NULL,
        sum_insured_cny DECIMAL(18,2) NOT NULL,
        premium_cny   DECIMAL(18,2) NOT NULL,
        uw_status     VARCHAR NOT NULL,         -- 核保状态 0/1/2/3/9; w = approved, not converted
        policy_id     INTEGER                   -- NULL = not converted to a policy
    """,
    "policy": """
        policy_id     INTEGER PRIMARY KEY,
        policy_no     VARCHAR NOT NULL UNIQUE,  -- 保单号, P + risk + year + branch + seq
        proposal_id   INTEGER,
        risk_id       INTEGER NOT NULL,
        class_id      INTEGER NOT NULL,
        branch_id     INTEGER NOT NULL,         -- 归属支公司
        dept_id       INTEGER NOT NULL,         -- 归属机构 (科室)
        handler_id    INTEGER NOT NULL,         -- 经办人 / 归属业务员
        agent_id      INTEGER,                  -- 代理人
        applicant_id  INTEGER NOT NULL,
        insured_id    INTEGER NOT NULL,
        vehicle_id    INTEGER,                  -- auto policies only
        use_years     INTEGER,                  -- 使用年限 at the start date (auto only)
        clause_code   VARCHAR NOT NULL,         -- 承保条款代码
        clause_name   VARCHAR NOT NULL,         -- 承保条款
        sign_date     DATE NOT NULL,            -- 签单日期
        input_date    DATE NOT NULL,            -- 录单日期
        start_date    DATE NOT NULL,            -- 起保日期
        end_date      DATE NOT NULL,            -- 终保日期
        currency_id   INTEGER NOT NULL,         -- 保费币别
        sum_insured   DECIMAL(18,2) NOT NULL,   -- 保险金额
        liability_limit DECIMAL(18,2) NOT NULL, -- 责任限额
        premium       DECIMAL(18,2) NOT NULL,   -- 单面保费 (signed premium)
        sum_insured_cny DECIMAL(18,2) NOT NULL,
        liability_limit_cny DECIMAL(18,2) NOT NULL,
        premium_cny   DECIMAL(18,2) NOT NULL,
        status        VARCHAR NOT NULL,         -- 有效 / 注销 / 退保
        renewal_of_policy_id INTEGER            -- the policy this one renews, if any
    """,
    "endorsement": """
        endorsement_id    INTEGER PRIMARY KEY,
        endorsement_no    VARCHAR NOT NULL UNIQUE, -- 批单号
        policy_id         INTEGER NOT NULL,
        endorse_type_code VARCHAR NOT NULL,     -- 批改类型代码, e.g. 1910, 2101, 0301
        reason_code       VARCHAR NOT NULL,     -- 批改原因; P10/P30 = refund
        subject_list_changed BOOLEAN NOT NULL,  -- 标的清单变更
        layup_refund      BOOLEAN NOT NULL,     -- 停航退费
        endorse_date      DATE NOT NULL,        -- 批改日期
        effective_date    DATE NOT NULL,        -- 批改生效日期
        input_date        DATE NOT NULL,        -- 批改录入日期
        currency_id       INTEGER NOT NULL,
        premium_change    DECIMAL(18,2) NOT NULL,
        sum_insured_change DECIMAL(18,2) NOT NULL,
        premium_after     DECIMAL(18,2) NOT NULL,
        sum_insured_after DECIMAL(18,2) NOT NULL,
        premium_change_cny    DECIMAL(18,2) NOT NULL,
        sum_insured_change_cny DECIMAL(18,2) NOT NULL,
        premium_after_cny     DECIMAL(18,2) NOT NULL,
        sum_insured_after_cny DECIMAL(18,2) NOT NULL
    """,
    "claim": """
        claim_id       INTEGER PRIMARY KEY,
        report_no      VARCHAR NOT NULL UNIQUE, -- 报案号
        claim_no       VARCHAR UNIQUE,          -- 立案号, NULL until registered
        policy_id      INTEGER NOT NULL,
        report_date    DATE NOT NULL,           -- 报案日期
        reporter_phone VARCHAR,                 -- 报案电话, personal data
        loss_date      DATE NOT NULL,           -- 出险日期
        cause_code     VARCHAR NOT NULL,        -- 出险原因代码
        cause_name     VARCHAR NOT NULL,
        loss_address   VARCHAR NOT NULL,        -- 出险地址
        currency_id    INTEGER NOT NULL,        -- 赔款币别
        estimated_loss DECIMAL(18,2) NOT NULL,  -- 估损金额
        estimated_loss_cny DECIMAL(18,2) NOT NULL,
        cancelled      BOOLEAN NOT NULL,        -- 注销
        cancel_date    DATE,
        register_date  DATE,                    -- 立案日期
        close_date     DATE                     -- 结案日期
    """,
    "claim_payment": """
        payment_id   INTEGER PRIMARY KEY,
        claim_id     INTEGER NOT NULL,
        pay_date     DATE NOT NULL,             -- 支付日期
        currency_id  INTEGER NOT NULL,
        amount       DECIMAL(18,2) NOT NULL,
        amount_cny   DECIMAL(18,2) NOT NULL
    """,
    "receivable": """
        receivable_id  INTEGER PRIMARY KEY,
        policy_id      INTEGER NOT NULL,
        endorsement_id INTEGER,                 -- set when the amount comes from an endorsement
        term_no        INTEGER NOT NULL,        -- 期次 (instalment)
        due_date       DATE NOT NULL,           -- 应收日期
        currency_id    INTEGER NOT NULL,
        amount         DECIMAL(18,2) NOT NULL,  -- negative for a planned refund
        amount_cny     DECIMAL(18,2) NOT NULL
    """,
    "receipt": """
        receipt_id     INTEGER PRIMARY KEY,
        receipt_no     VARCHAR NOT NULL UNIQUE, -- 收付号
        policy_id      INTEGER NOT NULL,
        endorsement_id INTEGER,
        receivable_id  INTEGER,                 -- the planned amount this settles
        receipt_date   DATE NOT NULL,           -- 到/领款时间
        currency_id    INTEGER NOT NULL,        -- 到/领款币别
        amount         DECIMAL(18,2) NOT NULL,  -- negative = refund paid out
        amount_cny     DECIMAL(18,2) NOT NULL
    """,
    "commission": """
        commission_id   INTEGER PRIMARY KEY,
        fee_receipt_no  VARCHAR NOT NULL,       -- 手续费收据号
        policy_id       INTEGER NOT NULL,
        agent_id        INTEGER NOT NULL,       -- 代理人
        paying_agent_id INTEGER NOT NULL,       -- 支付代理人
        pay_date        DATE NOT NULL,
        currency_id     INTEGER NOT NULL,
        amount          DECIMAL(18,2) NOT NULL,
        amount_cny      DECIMAL(18,2) NOT NULL
    """,
}

# Tables (and the facts and rollups carrying them on) whose rows hold personal data, and
# which columns: a report showing one must declare it ``personal=`` (the catalog check),
# so it is masked for users without the personal-data flag.
PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("id_no", "phone", "mobile", "address"),
    "staff": ("id_no", "mobile"),
    "agent": ("id_no", "mobile"),
    "customer_master": ("id_no", "phone", "mobile", "address"),
    "customer_suspect": ("id_no_l", "mobile_l", "address_l", "id_no_r", "mobile_r",
                         "address_r"),
    "customer_issue": ("id_no", "mobile"),
    "claim": ("reporter_phone",),
    "claim_fact": ("reporter_phone",),
    "policy_pnl": ("last_reporter_phone",),
}


# Text that is (nearly) unique per row: business numbers, customer codes and names,
# plates and VINs. DuckDB's dictionary+FSST compression gains little on such text and
# writing it costs twice as much as plain storage (10 M policies: ~1.4 s of 2 cores per
# column against ~0.6 s), so these columns are stored uncompressed, in base tables and
# rollups alike. Text of few values (codes, names of classes, bands) stays compressed:
# there the dictionary is both small and what makes grouping by it fast.
NEAR_UNIQUE_TEXT = frozenset({
    "policy_no", "proposal_no", "endorsement_no", "report_no", "claim_no", "receipt_no",
    "customer_code", "customer_name", "insured_code", "insured_name", "applicant_code",
    "applicant_name", "id_no", "phone", "mobile", "address", "reporter_phone",
    "plate_no", "vin", "engine_no", "master_no",
})

_VARCHAR_COLUMN = re.compile(r"^(\s*)(\w+)(\s+)VARCHAR\b", re.MULTILINE)


def column_sql(name: str, sql_type: str) -> str:
    """A column definition, near-unique text stored uncompressed."""
    plain = sql_type == "VARCHAR" and name in NEAR_UNIQUE_TEXT
    return f"{name} {sql_type}" + (" USING COMPRESSION uncompressed" if plain else "")


def _store_body(body: str) -> str:
    # Keys above document the model; the store itself is written in bulk and read-only,
    # where DuckDB's key indexes would slow loading and double the file. The generator's
    # and importer's checks (tests, rejects) guarantee uniqueness and references instead.
    body = body.replace(" PRIMARY KEY", "").replace(" UNIQUE", "")
    return _VARCHAR_COLUMN.sub(
        lambda m: m.group(1) + column_sql(m.group(2), "VARCHAR"), body)


def create_base_tables_sql() -> str:
    """DDL for every base table, in dependency order."""
    return "\n".join(
        f"CREATE TABLE {name} (\n{_store_body(body.strip())}\n);"
        for name, body in BASE_TABLES.items()
    )
