"""Chinese-aware normalisation: 身份证 / USCC rules, placeholders, names, addresses, phones,
and the set-based SQL agreeing with the Python reference."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from data.customers.address import split_address
from data.customers.idcard import (
    ORG,
    RESIDENT,
    USCC,
    check_id,
    check_resident_id,
    check_uscc,
    org_check_char,
    resident_check_char,
    upgrade_15_to_18,
)
from data.customers.names import company_core, name_key, pinyin_key, sorted_pinyin_key
from data.customers.normalise import normalise_into
from data.customers.phone import normalise_mobile, normalise_phone
from data.customers.synth import customer_set


def _id(body17: str) -> str:
    return body17 + resident_check_char(body17)


def test_resident_id_checksum_and_birth_and_sex():
    # GB 11643 example: 11010519491231002X is valid (check char X), born 1949-12-31, female.
    ok = check_resident_id("11010519491231002X")
    assert ok.valid and ok.birth == date(1949, 12, 31) and ok.sex == "女"
    assert check_resident_id("110105194912310021").problem == "身份证号码校验位错误"
    male = check_resident_id(_id("44010619900101123"))
    assert male.valid and male.sex == "男" and male.birth == date(1990, 1, 1)
    assert check_resident_id(_id("44010619901301123")).problem == "身份证号码中的出生日期无效"


def test_every_single_digit_typo_fails_the_checksum():
    good = _id("44010619850607321")
    for i in range(17):
        for d in "0123456789":
            if d != good[i]:
                typo = good[:i] + d + good[i + 1:]
                assert not check_resident_id(typo).valid, typo


def test_fifteen_digit_id_becomes_eighteen_digits():
    # 15-digit card: region 110105, born 49-12-31, sequence 002 (even → female).
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"
    checked = check_resident_id("110105491231002")
    assert checked.valid and checked.upgraded and checked.number == "11010519491231002X"
    assert checked.birth == date(1949, 12, 31) and checked.sex == "女"


def test_id_normalisation_full_width_spaces_lower_x():
    assert check_resident_id(" 11010519491231002x ").valid
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"


@pytest.mark.parametrize("raw", ["000000000000000000", "111111111111111111",
                                 "123456789012345678", "000000"])
def test_placeholder_ids_are_invalid(raw):
    checked = check_id("身份证", raw)
    assert checked is not None and not checked.valid


def test_empty_or_dash_ids_count_as_missing():
    assert check_id("身份证", "") is None and check_id("身份证", "无") is None


def test_uscc_checksum_and_embedded_org_code():
    body = "91440101" + "MA5CXXXX"
    org = body[8:] + org_check_char(body[8:])
    assert check_id(ORG, org).valid
    from data.customers.idcard import uscc_check_char
    uscc = body + org_check_char(body[8:]) + uscc_check_char(body + org_check_char(body[8:]))
    checked = check_uscc(uscc)
    assert checked.valid and checked.kind == USCC and checked.org_code == org
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    assert check_uscc(wrong).problem == "统一社会信用代码校验码错误"
    # The real USCC of a well-known company passes: 91350100M000100Y43 (GB 32100 sample).
    assert check_uscc("91350100M000100Y43").valid


def test_id_type_guessed_from_shape_when_missing():
    assert check_id("", _id("44010619900101123")).kind == RESIDENT
    assert check_id(None, "91350100M000100Y43").kind == USCC


@pytest.mark.parametrize("raw", ["13800000000", "11111111111", "13888888888", "12345678901",
                                 "00000000000", "138 0000 0000", "无"])
def test_placeholder_mobiles_are_dropped(raw):
    number, bad = normalise_mobile(raw)
    assert number == ""
    assert bad or raw == "无"


def test_sql_drops_the_placeholders_the_python_reference_drops():
    mobiles = ["13800000000", "11111111111", "13888888888", "12345678901", "00000000000",
               "138 0000 0000", "13922334455"]
    names = ["xxx", "无", "０００", "张三"]
    import pyarrow as pa

    from data.customers.normalise import normalise_records

    raw = pa.table({"customer_code": [f"C{i}" for i in range(len(mobiles))],
                    "customer_name": (names * 2)[:len(mobiles)], "mobile": mobiles,
                    "id_type": ["身份证"] * len(mobiles),
                    "id_no": ["111111111111111111", "000000", "123456789012345678",
                              *[_id("44010619900101123")] * 4]})
    rows = {r["customer_code"]: r for r in normalise_records(raw).to_pylist()}
    assert [rows[f"C{i}"]["mobile"] for i in range(len(mobiles))] == [None] * 6 + ["13922334455"]
    assert [rows[f"C{i}"]["id_valid"] for i in range(3)] == [False] * 3
    assert [rows[f"C{i}"]["name_key"] for i in range(4)] == [None, None, None, "张三"]


def test_mobile_and_phone_normalisation():
    assert normalise_mobile("+86 139-2233-4455") == ("13922334455", False)
    assert normalise_mobile("８６１３９２２３３４４５５") == ("13922334455", False)
    assert normalise_phone("020-12345678") == ("02012345678", False)
    assert normalise_phone("000000") == ("", True)


def test_names_by_character_pinyin_and_order():
    assert pinyin_key(name_key("王伟", False)) == pinyin_key(name_key("王玮", False))
    assert sorted_pinyin_key("张华明") == sorted_pinyin_key("张明华")
    assert pinyin_key("张华明") != pinyin_key("张明华")
    assert name_key(" 李 四 ", False) == "李四"
    assert name_key("阿卜杜·热合曼", False) == "阿卜杜热合曼"
    assert name_key("无", False) == "" and name_key("测试", False) == ""


@pytest.mark.parametrize("variant", ["华海科技（深圳）有限公司", "华海科技(深圳)有限责任公司",
                                     "华海科技 (深圳) 股份有限公司", "华海科技深圳公司"])
def test_company_suffixes_normalised(variant):
    assert company_core(variant) == "华海科技深圳"


def test_company_core_never_empty():
    assert company_core("有限公司") == "有限公司"


@pytest.mark.parametrize(("raw", "expected"), [
    ("广东省广州市天河区体育西路1号", ("广东省", "广州市", "天河区", "体育西路1号")),
    ("广州天河区体育西路 1 号", ("广东省", "广州市", "天河区", "体育西路1号")),
    ("北京市北京市朝阳区建国路８８号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("上海市浦东新区世纪大道100号", ("上海市", "上海市", "浦东新区", "世纪大道100号")),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放路5号",
     ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放路5号")),
    ("浙江省温州市乐清市柳市镇", ("浙江省", "温州市", "乐清市", "柳市镇")),
    ("不详", ("", "", "", "")),
])
def test_address_split(raw, expected):
    a = split_address(raw)
    assert (a.province, a.city, a.district, a.rest) == expected


def test_sql_normalisation_agrees_with_python_reference():
    records, _, _ = customer_set(3000, seed=21)
    con = duckdb.connect()
    con.register("raw", records)
    normalise_into(con, "raw", "normed")
    got = {r["rk"]: r for r in con.sql("SELECT * FROM normed").to_arrow_table().to_pylist()}
    assert len(got) == records.num_rows
    for row in records.to_pylist():
        n = got[f"{row['source_system']}|{row['customer_code']}"]
        checked = check_id(row["id_type"], row["id_no"])
        assert n["id_valid"] == bool(checked and checked.valid), row
        assert n["id_problem"] == (checked.problem if checked else None), row
        if checked and checked.kind == RESIDENT:
            assert n["id_no"] == checked.number
        a = split_address(row["address"])
        assert (n["province"] or "", n["city"] or "", n["district"] or "",
                n["addr_rest"] or "") == (a.province, a.city, a.district, a.rest), row
        is_company = row["customer_kind"] == "单位"
        assert (n["name_key"] or "") == name_key(row["customer_name"], is_company)
        mobile, bad = normalise_mobile(row["mobile"])
        assert n["mobile_bad"] == bad and (n["mobile"] or "") in {mobile, ""}, row
