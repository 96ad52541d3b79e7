"""Addresses split into 省 / 市 / 区县 / 其余 so that 广东省广州市天河区… and 广州天河区…
compare equal on the parts they both give."""

from __future__ import annotations

import re
from dataclasses import dataclass

from data.customers.text import is_placeholder_text, squeeze

MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
PROVINCES = {
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省",
    "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省", "福建": "福建省", "江西": "江西省",
    "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省",
    "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区",
} | {m: m + "市" for m in MUNICIPALITIES}
# Prefecture cities often written without their province (the bigger ones; a city not
# listed here still splits, it just leaves the province empty).
CITY_PROVINCE = {
    "广州": "广东", "深圳": "广东", "珠海": "广东", "佛山": "广东", "东莞": "广东", "中山": "广东",
    "惠州": "广东", "汕头": "广东", "江门": "广东", "湛江": "广东", "杭州": "浙江", "宁波": "浙江",
    "温州": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "金华": "浙江", "台州": "浙江", "南京": "江苏",
    "苏州": "江苏", "无锡": "江苏", "常州": "江苏", "南通": "江苏", "徐州": "江苏", "扬州": "江苏",
    "济南": "山东", "青岛": "山东", "烟台": "山东", "潍坊": "山东", "临沂": "山东", "郑州": "河南",
    "洛阳": "河南", "武汉": "湖北", "宜昌": "湖北", "襄阳": "湖北", "长沙": "湖南", "株洲": "湖南",
    "成都": "四川", "绵阳": "四川", "西安": "陕西", "合肥": "安徽", "芜湖": "安徽", "福州": "福建",
    "厦门": "福建", "泉州": "福建", "南昌": "江西", "石家庄": "河北", "唐山": "河北",
    "保定": "河北",
    "太原": "山西", "沈阳": "辽宁", "大连": "辽宁", "长春": "吉林", "哈尔滨": "黑龙江",
    "昆明": "云南", "贵阳": "贵州", "南宁": "广西", "桂林": "广西", "海口": "海南", "三亚": "海南",
    "兰州": "甘肃", "西宁": "青海", "银川": "宁夏", "乌鲁木齐": "新疆", "拉萨": "西藏",
    "呼和浩特": "内蒙古", "包头": "内蒙古",
}
_PROVINCE_RE = re.compile(
    "^(" + "|".join(sorted(PROVINCES, key=len, reverse=True)) + ")"
    r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
)
_CITY_RE = re.compile(r"^(.{2,7}?(?:自治州|地区|盟|市))")
_BARE_CITY_RE = re.compile("^(" + "|".join(sorted(CITY_PROVINCE, key=len, reverse=True)) + ")")
_DISTRICT_RE = re.compile(r"^(.{1,6}?(?:新区|区|县|旗|市))(?=.)")
_NOISE = re.compile(r"[,，、;；()（）#＃]")


@dataclass(frozen=True)
class Address:
    province: str
    city: str
    district: str
    rest: str

    @property
    def key(self) -> str:
        return "".join((self.province, self.city, self.district, self.rest))


EMPTY = Address("", "", "", "")


def split_address(raw: str | None) -> Address:
    """Province and city filled in from each other where one is implied (广州 → 广东省)."""
    if is_placeholder_text(raw):
        return EMPTY
    text = _NOISE.sub("", squeeze(raw))
    province = city = district = ""
    if m := _PROVINCE_RE.match(text):
        short = m.group(1)
        province, text = PROVINCES[short], text[m.end():]
        if short in MUNICIPALITIES:
            city = province
            text = text.removeprefix(province).removeprefix("市辖区")
    if not city:
        if m := _BARE_CITY_RE.match(text):
            city, text = m.group(1) + "市", text[m.end():].removeprefix("市")
        elif m := _CITY_RE.match(text):
            city, text = m.group(1), text[m.end():]
    if not province and city[:-1] in CITY_PROVINCE:
        province = PROVINCES[CITY_PROVINCE[city[:-1]]]
    if city and (m := _DISTRICT_RE.match(text)):
        district, text = m.group(1), text[m.end():]
    return Address(province, city, district, text)
