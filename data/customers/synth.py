"""A zh-CN customer set with known truth, as the 核心 / 理赔 / 电销 systems would hold it.

``customer_set(n_records, seed)`` returns records in the customer.csv layout plus
``source_system``, ``branch_code`` and ``entity_id`` (the truth: records of one real
customer share it). ``next_day`` returns the records one T+1 load changes or adds.
Variation: homophones and swapped characters in names, 15-digit and mistyped 身份证,
missing IDs (电销 rarely has one), second mobiles, household members sharing a phone
and an address, placeholder values, address spelling, company legal-form variants and
组织机构代码 against 统一社会信用代码.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

from data.customers import synth_pools as P
from data.customers.idcard import USCC_CHARS, org_check_char, resident_check_char, uscc_check_char

SYSTEMS = (("核心", "HX", 0.6), ("理赔", "LP", 0.2), ("电销", "DX", 0.2))
OUTPUT_COLUMNS = ("customer_code", "customer_name", "customer_kind", "id_type", "id_no",
                  "phone", "mobile", "address", "birthday", "source_system", "branch_code",
                  "entity_id")
COMPANY_SHARE = 0.12
HOUSEHOLD_SHARE = 0.25


@dataclass
class Entity:
    entity_id: int
    is_company: bool
    name: str
    id18: str  # 身份证 or 统一社会信用代码
    birth: date | None
    mobiles: list[str]
    place: tuple[str, str, str, str]  # province, city, district, street
    branch: str
    code_prefix: str


class CustomerFactory:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_entity = 0
        self.counters = {prefix: 0 for _, prefix, _ in SYSTEMS}
        self._surnames = list(P.SURNAMES)
        self._weights = [1.0 / (i + 3) for i in range(len(self._surnames))]

    # ---- entities -------------------------------------------------------------
    def _mobile(self) -> str:
        r = self.rng
        return r.choice(P.MOBILE_PREFIXES) + f"{r.randrange(10**8):08d}"

    def _place(self) -> tuple[str, str, str, str, str]:
        r = self.rng
        province, city, code, districts = r.choice(P.PLACES)
        d = r.randrange(len(districts))
        street = f"{r.choice(P.ROADS)}{r.choice(P.ROAD_KINDS)}{r.randint(1, 999)}号"
        if r.random() < 0.6:
            street += f"{r.choice(P.COMPANY_WORDS)}{r.choice(P.ESTATES)}{r.randint(1, 30)}栋"
            street += f"{r.randint(1, 33)}{r.randint(1, 4):02d}室"
        return province, city, districts[d], street, f"{code}{d + 1:02d}"

    def _person_name(self, surname: str | None = None) -> str:
        r = self.rng
        surname = surname or r.choices(self._surnames, self._weights)[0]
        return surname + "".join(r.choice(P.GIVEN) for _ in range(1 if r.random() < 0.3 else 2))

    def _resident_id(self, region: str, birth: date, male: bool) -> str:
        seq = self.rng.randrange(500) * 2 + (1 if male else 0)
        body = f"{region}{birth:%Y%m%d}{seq:03d}"
        return body + resident_check_char(body)

    def _uscc(self, region: str) -> str:
        r = self.rng
        org_body = "".join(r.choice(USCC_CHARS[:10] + "ABCDEFGH") for _ in range(8))
        body = "91" + region + org_body + org_check_char(org_body)
        return body + uscc_check_char(body)

    def person(self, household: Entity | None = None) -> Entity:
        r = self.rng
        if household is not None:
            province, city, district, street = household.place
            region = household.id18[:6]
        else:
            province, city, district, street, region = self._place()
        male = r.random() < 0.5
        birth = date(1945, 1, 1) + timedelta(days=r.randrange(365 * 60))
        same_surname = household is not None and r.random() < 0.6
        surname = household.name[0] if household is not None and same_surname else None
        name = self._person_name(surname)
        mobiles = [self._mobile()] + ([self._mobile()] if r.random() < 0.2 else [])
        if household is not None and r.random() < 0.6:
            mobiles = [household.mobiles[0], *mobiles]  # the family phone first
        branch = household.branch if household else r.choice(P.BRANCHES)
        return self._entity(False, name, self._resident_id(region, birth, male), birth,
                            mobiles=mobiles, place=(province, city, district, street),
                            branch=branch)

    def company(self) -> Entity:
        r = self.rng
        province, city, district, street, region = self._place()
        core = r.choice(P.COMPANY_WORDS) + r.choice(P.COMPANY_WORDS) + r.choice(P.INDUSTRIES)
        name = f"{city[:-1]}{core}"
        return self._entity(True, name, self._uscc(region), None, mobiles=[self._mobile()],
                            place=(province, city, district, street), branch=r.choice(P.BRANCHES))

    def _entity(self, is_company: bool, name: str, id18: str, birth: date | None, *,
                mobiles: list[str], place: tuple[str, str, str, str], branch: str) -> Entity:
        self.next_entity += 1
        return Entity(self.next_entity, is_company, name, id18, birth, mobiles, place, branch,
                      "")

    def entities(self, n: int) -> list[Entity]:
        out: list[Entity] = []
        r = self.rng
        while len(out) < n:
            if r.random() < COMPANY_SHARE:
                out.append(self.company())
                continue
            head = self.person()
            out.append(head)
            if r.random() < HOUSEHOLD_SHARE:
                out.extend(self.person(head) for _ in range(r.randint(1, 3)))
        return out[:n]

    # ---- records --------------------------------------------------------------
    def _system(self) -> tuple[str, str]:
        x, acc = self.rng.random(), 0.0
        for name, prefix, share in SYSTEMS:
            acc += share
            if x < acc:
                return name, prefix
        return SYSTEMS[0][0], SYSTEMS[0][1]

    def record(self, e: Entity, system: tuple[str, str] | None = None) -> dict:
        r = self.rng
        system_name, prefix = system or self._system()
        self.counters[prefix] += 1
        code = f"{prefix}{self.counters[prefix]:09d}"
        name = self._vary_company(e.name) if e.is_company else self._vary_person(e.name)
        id_type, id_no = self._vary_id(e, system_name)
        mobile = self._vary_mobile(e)
        phone = f"0{r.randint(10, 99)}-{r.randrange(10**7, 10**8)}" if r.random() < 0.1 else ""
        return {
            "customer_code": code, "customer_name": name,
            "customer_kind": "单位" if e.is_company else "个人", "id_type": id_type,
            "id_no": id_no, "phone": phone, "mobile": mobile, "address": self._vary_address(e),
            "birthday": e.birth.isoformat() if e.birth and r.random() < 0.5 else "",
            "source_system": system_name,
            "branch_code": e.branch if r.random() < 0.9 else r.choice(P.BRANCHES),
            "entity_id": e.entity_id,
        }

    def _vary_person(self, name: str) -> str:
        r = self.rng
        x = r.random()
        if x < 0.05:
            i = r.randrange(1, len(name))
            if name[i] in P.HOMOPHONES:
                return name[:i] + r.choice(P.HOMOPHONES[name[i]]) + name[i + 1:]
        elif x < 0.06 and len(name) == 3:
            return name[0] + name[2] + name[1]
        elif x < 0.07:
            return name[0] + " " + name[1:]
        elif x < 0.073:
            return r.choice(("", "无", "客户"))
        return name

    def _vary_company(self, name: str) -> str:
        r = self.rng
        city = name[:2]
        if r.random() < 0.1:
            name = name[2:] + f"（{city}）" if r.random() < 0.5 else name[2:]
        return name + r.choices(P.LEGAL_FORMS, (0.6, 0.3, 0.1))[0]

    def _vary_id(self, e: Entity, system: str) -> tuple[str, str]:
        r = self.rng
        missing = 0.5 if system == "电销" else 0.05
        x = r.random()
        if x < missing:
            return ("身份证", r.choice(("", "", "无"))) if not e.is_company else ("", "")
        return self._vary_company_id(e) if e.is_company else self._vary_person_id(e)

    def _vary_company_id(self, e: Entity) -> tuple[str, str]:
        if self.rng.random() < 0.3:
            return "组织机构代码", e.id18[8:17]
        return "统一社会信用代码", self._typo(e.id18) if self.rng.random() < 0.01 else e.id18

    def _vary_person_id(self, e: Entity) -> tuple[str, str]:
        r = self.rng
        x = r.random()
        if x < 0.015:
            return "身份证", self._typo(e.id18)
        if x < 0.018:
            return "身份证", r.choice(("000000000000000000", "111111111111111111"))
        if e.birth and e.birth.year < 1990 and x < 0.12:
            return "身份证", e.id18[:6] + e.id18[8:17]  # the old 15-digit card
        if x < 0.14:
            return "居民身份证", e.id18.lower() if r.random() < 0.5 else e.id18
        return "身份证", e.id18

    def _typo(self, number: str) -> str:
        i = self.rng.randrange(len(number) - 1)
        if self.rng.random() < 0.3:
            return number[:i] + number[i + 1] + number[i] + number[i + 2:]
        digit = str((int(number[i]) + self.rng.randint(1, 9)) % 10) if number[i].isdigit() else "7"
        return number[:i] + digit + number[i + 1:]

    def _vary_mobile(self, e: Entity) -> str:
        r = self.rng
        x = r.random()
        if x < 0.08:
            return ""
        if x < 0.11:
            return r.choice(P.PLACEHOLDER_MOBILES)
        mobile = r.choice(e.mobiles) if r.random() < 0.3 else e.mobiles[0]
        if x < 0.13:
            return "+86 " + mobile
        if x < 0.15:
            return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
        return mobile

    def _vary_address(self, e: Entity) -> str:
        r = self.rng
        province, city, district, street = e.place
        x = r.random()
        if x < 0.1:
            return r.choice(("", "无", "不详"))
        if x < 0.18:
            _, city, district, street, _ = self._place()  # moved, or a work address
            return f"{city}{district}{street}"
        if x < 0.35:
            return f"{city[:-1]}{district}{street}"
        if x < 0.45:
            full = f"{province}{city}{district} {street}"
            return full.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        if x < 0.7:
            return f"{city}{district}{street}"
        return f"{'' if province == city else province}{city}{district}{street}"

    def records_for(self, entities: list[Entity], n_records: int) -> list[dict]:
        r = self.rng
        out: list[dict] = []
        for e in entities:
            out.append(self.record(e))
        while len(out) < n_records:
            out.append(self.record(r.choice(entities)))
        return out[:n_records]


RECORDS_PER_ENTITY = 1.8


def to_table(rows: list[dict]) -> pa.Table:
    cols = {c: [row[c] for row in rows] for c in OUTPUT_COLUMNS}
    table = pa.table(cols)
    return table.cast(pa.schema([(c, pa.int64() if c == "entity_id" else pa.string())
                                 for c in OUTPUT_COLUMNS]))


def customer_set(n_records: int, seed: int = 1) -> tuple[pa.Table, CustomerFactory, list[Entity]]:
    """Records with truth, and the factory and entities so a later day can continue."""
    factory = CustomerFactory(seed)
    entities = factory.entities(int(n_records / RECORDS_PER_ENTITY))
    rows = factory.records_for(entities, n_records)
    factory.rng.shuffle(rows)
    return to_table(rows), factory, entities


def next_day(base: pa.Table, factory: CustomerFactory, entities: list[Entity],
             n_changed: int) -> pa.Table:
    """One day's changes: edited records (new mobile, moved, ID corrected) and new records,
    of existing customers and of new ones. Same layout; rows replace by customer_code."""
    r = factory.rng
    rows: list[dict] = []
    n_edit = int(n_changed * 0.4)
    picks = r.sample(range(base.num_rows), n_edit)
    edited = base.take(picks).to_pylist()
    by_id = {e.entity_id: e for e in entities}
    for row in edited:
        e = by_id[row["entity_id"]]
        fresh = factory.record(e)
        field = r.choice(("mobile", "address", "id_no", "customer_name"))
        row[field] = fresh[field]
        if field == "id_no":
            row["id_type"] = fresh["id_type"]
        rows.append(row)
    n_new = n_changed - n_edit
    newcomers = factory.entities(n_new // 4)
    entities.extend(newcomers)
    for i in range(n_new):
        e = newcomers[i % len(newcomers)] if i % 2 else r.choice(entities)
        rows.append(factory.record(e))
    return to_table(rows)
