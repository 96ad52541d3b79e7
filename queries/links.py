"""Addresses of the record pages (a policy's page, a claim's page), for any screen that
shows a policy or claim number: grids, cards, the customer page."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from queries.spec import Col

RecordKind = Literal["policy", "claim", "customer"]

# The path of each record page; the number follows it (/policy/P…, /claim/C…).
RECORD_PATHS: dict[str, str] = {"policy": "/policy", "claim": "/claim",
                                "customer": "/customers"}


def record_url(kind: RecordKind, number: str) -> str:
    """The page of the record ``number`` of ``kind`` (the number is quoted)."""
    return f"{RECORD_PATHS[kind]}/{quote(str(number).strip(), safe='')}"


def policy_url(policy_no: str) -> str:
    """The policy's page: its vehicle, insured, endorsements, receivables, receipts,
    claims with payments and P&L, each section scoped and masked for the viewer."""
    return record_url("policy", policy_no)


def claim_url(claim_no: str) -> str:
    """The claim's page: the claim, its payments and the policy behind it (a claim not
    yet registered is found by its 报案号)."""
    return record_url("claim", claim_no)


CUSTOMER_PATH = RECORD_PATHS["customer"]
# A name column of a rollup → the column holding its customer's 客户代码.
CUSTOMER_NAMES = {"insured_name": "insured_code", "applicant_name": "applicant_code"}
# A column declared ``link="customer"`` links by the 统一客户号 of its row.
MASTER_COLUMN = "master_no"
KEY_SUFFIX = "__key"  # a detail row's link key beside a name: insured_name__key


def customer_link(col: Col) -> str | None:
    """How a list's column of an insured's or applicant's name finds the customer's
    客户代码: "lookup" (the name is looked up in ``customer``: its code comes along), or
    the source column holding it (insured_name → insured_code; a column declared
    ``link="customer"`` → master_no); None for other
    columns. Every such name links to the customer page."""
    if col.lookup is not None:
        lk = col.lookup
        return "lookup" if lk.table == "customer" and lk.column == "customer_name" else None
    if col.link == "customer":
        return MASTER_COLUMN
    return CUSTOMER_NAMES.get(col.source_column)


def customer_url(key: str) -> str:
    """The customer's page (客户360): ``key`` is the 客户代码 of any of its records (or
    its 统一客户号)."""
    return f"{CUSTOMER_PATH}/{quote(str(key).strip(), safe='')}"
