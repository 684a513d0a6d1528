"""The PSU history generator: deterministic, internally consistent, money as decimal strings."""

from __future__ import annotations

import copy
import json
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from mockserver.core.paths import bundled_dir
from mockserver.core.psu_history import (
    CATEGORIES,
    METHODS,
    PsuDataset,
    PsuDefinitionError,
    build_psu_dataset,
    load_psu_definitions,
)

SEED = 42
TODAY = date(2026, 3, 4)
WINDOW_START = date(2025, 2, 4)  # the same calendar day, 13 months earlier
MONEY = re.compile(r"^-?\d+\.\d{2}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
EXPECTED_ACCOUNT_TYPES = {
    "alice": ["current", "savings", "credit_card"],
    "bob": ["current", "savings"],
    "carol": ["current"],
    "dave": ["business_current", "current"],
}


@pytest.fixture(scope="module")
def definitions() -> list[dict[str, Any]]:
    return load_psu_definitions(bundled_dir("fixtures") / "psus.yaml")


@pytest.fixture(scope="module")
def dataset(definitions: list[dict[str, Any]]) -> PsuDataset:
    return build_psu_dataset(definitions, SEED, TODAY)


def rows_by_account(dataset: PsuDataset) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in dataset.transactions:
        rows[row["account_id"]].append(row)
    return rows


def psu_rows(dataset: PsuDataset, username: str) -> list[dict[str, Any]]:
    return [row for row in dataset.transactions if row["psu"] == username]


def as_json(dataset: PsuDataset) -> str:
    return json.dumps(list(dataset.records()), sort_keys=True)


# -- determinism ---------------------------------------------------------------------------------


def test_same_inputs_give_identical_output(
    definitions: list[dict[str, Any]], dataset: PsuDataset
) -> None:
    again = build_psu_dataset(copy.deepcopy(definitions), SEED, TODAY)
    assert as_json(again) == as_json(dataset)


def test_a_different_seed_gives_different_ids(
    definitions: list[dict[str, Any]], dataset: PsuDataset
) -> None:
    other = build_psu_dataset(definitions, SEED + 1, TODAY)
    for kind in ("accounts", "transactions", "mandates", "scheduled_payments"):
        ours = {item["id"] for item in getattr(dataset, kind)}
        theirs = {item["id"] for item in getattr(other, kind)}
        assert ours.isdisjoint(theirs), kind
    # PSUs are addressed by username, whatever the seed.
    assert [p["id"] for p in other.psus] == [p["id"] for p in dataset.psus]


def test_a_different_today_shifts_the_window(definitions: list[dict[str, Any]]) -> None:
    later = TODAY + timedelta(days=45)
    shifted = build_psu_dataset(definitions, SEED, later)
    dates = [date.fromisoformat(row["value_date"]) for row in shifted.transactions]
    assert min(dates) == date(2025, 3, 18)  # the same day 13 months before 2026-04-18
    assert max(dates) == later


def test_the_window_is_clamped_to_the_end_of_shorter_months(
    definitions: list[dict[str, Any]],
) -> None:
    dataset = build_psu_dataset(definitions, SEED, date(2026, 3, 31))
    assert min(row["value_date"] for row in dataset.transactions) >= "2025-02-28"


# -- shape and vocabulary ------------------------------------------------------------------------


def test_every_psu_of_the_yaml_is_present_with_its_accounts(
    definitions: list[dict[str, Any]], dataset: PsuDataset
) -> None:
    assert [p["username"] for p in dataset.psus] == [d["username"] for d in definitions]
    for psu in dataset.psus:
        definition = next(d for d in definitions if d["username"] == psu["username"])
        assert psu["id"] == psu["username"]
        assert psu["password"] == psu["username"]
        assert set(psu) >= {"name", "email", "phone", "address", "birth_date", "persona"}
        date.fromisoformat(psu["birth_date"])
        accounts = [a for a in dataset.accounts if a["psu"] == psu["id"]]
        assert [a["key"] for a in accounts] == [a["key"] for a in definition["accounts"]]
        assert [a["type"] for a in accounts] == [a["type"] for a in definition["accounts"]]
        assert [a["type"] for a in accounts] == EXPECTED_ACCOUNT_TYPES[psu["id"]]


def test_records_cover_every_kind(dataset: PsuDataset) -> None:
    records = list(dataset.records())
    counts = Counter(kind for kind, _, _ in records)
    assert counts == {
        "psu": len(dataset.psus),
        "psu.account": len(dataset.accounts),
        "psu.transaction": len(dataset.transactions),
        "psu.mandate": len(dataset.mandates),
        "psu.scheduled_payment": len(dataset.scheduled_payments),
    }
    assert all(record_id == data["id"] for _, record_id, data in records)
    assert ("psu", "alice") in {(kind, record_id) for kind, record_id, _ in records}


def test_every_id_is_unique(dataset: PsuDataset) -> None:
    ids = [record_id for _, record_id, _ in dataset.records()]
    assert len(ids) == len(set(ids))
    for kind, record_id, _ in dataset.records():
        if kind != "psu":
            assert UUID.match(record_id), (kind, record_id)


def test_nothing_is_a_float(dataset: PsuDataset) -> None:
    def walk(value: object, path: str) -> None:
        assert not isinstance(value, float), path
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        else:
            assert value is None or isinstance(value, str | int | bool), (path, type(value))

    for kind, record_id, data in dataset.records():
        walk(data, f"{kind}:{record_id}")
    json.dumps(list(dataset.records()))  # plain JSON, nothing exotic


def test_money_is_always_a_two_place_decimal_string(dataset: PsuDataset) -> None:
    money_fields = {
        "accounts": ("opening_balance", "balance", "available_balance"),
        "transactions": ("amount", "balance_after"),
        "mandates": ("amount",),
        "scheduled_payments": ("amount",),
    }
    optional = ("overdraft_limit", "credit_limit")
    for kind, names in money_fields.items():
        for item in getattr(dataset, kind):
            for name in names + tuple(n for n in optional if n in item):
                assert MONEY.match(item[name]), (kind, name, item[name])
    for mandate in dataset.mandates:
        assert Decimal(mandate["amount"]) > 0
    for payment in dataset.scheduled_payments:
        assert Decimal(payment["amount"]) > 0


def test_transactions_use_the_fixed_vocabularies(dataset: PsuDataset) -> None:
    for row in dataset.transactions:
        assert row["category"] in CATEGORIES
        assert row["method"] in METHODS
        assert row["status"] in ("booked", "pending")
        assert row["credit_debit"] == ("credit" if Decimal(row["amount"]) > 0 else "debit")
        assert Decimal(row["amount"]) != 0
        assert row["currency"] == "GBP"
        assert row["description"] and row["merchant"]
        if row["method"] == "card":
            assert re.fullmatch(r"\d{4}", row["mcc"]), row
            assert row["counterparty"] is None
        else:
            assert row["mcc"] is None
        if row["method"] in ("direct_debit", "standing_order"):
            assert row["mandate_id"] is not None
        else:
            assert row["mandate_id"] is None


def test_uk_account_identifiers_and_valid_ibans(dataset: PsuDataset) -> None:
    numbers = set()
    for account in dataset.accounts:
        assert re.fullmatch(r"\d{6}", account["sort_code"])
        assert re.fullmatch(r"\d{8}", account["account_number"])
        numbers.add((account["sort_code"], account["account_number"]))
        iban = account["iban"]
        assert re.fullmatch(r"GB\d{2}[A-Z]{4}\d{14}", iban)
        assert iban.endswith(account["sort_code"] + account["account_number"])
        rearranged = iban[4:] + iban[:4]
        assert int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1, iban
    assert len(numbers) == len(dataset.accounts)


# -- dates ---------------------------------------------------------------------------------------


def test_dates_lie_within_the_window(dataset: PsuDataset) -> None:
    for row in dataset.transactions:
        booked = datetime.fromisoformat(row["booked_at"])
        assert booked.utcoffset() == timedelta(0)
        assert booked.date().isoformat() == row["value_date"]
        assert WINDOW_START <= booked.date() <= TODAY, row
    days = {row["value_date"] for row in dataset.transactions}
    assert min(days) == WINDOW_START.isoformat() and max(days) == TODAY.isoformat()
    for mandate in dataset.mandates:
        if mandate["last_payment_date"]:
            assert WINDOW_START.isoformat() <= mandate["last_payment_date"] <= TODAY.isoformat()
        if mandate["next_payment_date"]:
            assert mandate["next_payment_date"] > TODAY.isoformat()
        assert mandate["first_payment_date"] <= (mandate["last_payment_date"] or "9999")
    for payment in dataset.scheduled_payments:
        execution = date.fromisoformat(payment["execution_date"])
        assert TODAY < execution <= TODAY + timedelta(days=30)


def test_pending_rows_are_the_last_days_card_spend(dataset: PsuDataset) -> None:
    pending = [row for row in dataset.transactions if row["status"] == "pending"]
    assert pending
    for row in pending:
        assert row["method"] == "card"
        assert row["value_date"] >= (TODAY - timedelta(days=1)).isoformat()


# -- consistency ---------------------------------------------------------------------------------


def test_running_balances_are_consistent(dataset: PsuDataset) -> None:
    rows = rows_by_account(dataset)
    for account in dataset.accounts:
        history = rows[account["id"]]
        assert history, account["key"]
        assert [r["booked_at"] for r in history] == sorted(r["booked_at"] for r in history)
        balance = Decimal(account["opening_balance"])
        for row in history:
            balance += Decimal(row["amount"])
            assert Decimal(row["balance_after"]) == balance, row
        statuses = [row["status"] for row in history]
        booked = statuses.count("booked")
        assert statuses == ["booked"] * booked + ["pending"] * (len(history) - booked)
        assert account["balance"] == history[booked - 1]["balance_after"]
        assert account["available_balance"] == history[-1]["balance_after"]


def test_transactions_are_sorted_by_account_then_time(dataset: PsuDataset) -> None:
    order = [a["id"] for a in dataset.accounts]
    keys = [(order.index(r["account_id"]), r["booked_at"]) for r in dataset.transactions]
    assert keys == sorted(keys)


def returned_debits(dataset: PsuDataset) -> set[str]:
    """Ids of direct debits that were presented and then reversed as unpaid."""
    returned = set()
    for history in rows_by_account(dataset).values():
        for i, row in enumerate(history):
            if row["category"] != "returned_direct_debit":
                continue
            presented = [
                earlier
                for earlier in history[:i]
                if earlier["mandate_id"] == row["mandate_id"]
                and Decimal(earlier["amount"]) == -Decimal(row["amount"])
                and earlier["id"] not in returned
            ]
            assert presented, row
            assert row["booked_at"] > presented[-1]["booked_at"]
            returned.add(presented[-1]["id"])
    return returned


def test_transfers_between_own_accounts_have_matching_legs(dataset: PsuDataset) -> None:
    returned = returned_debits(dataset)
    owner = {a["id"]: a["psu"] for a in dataset.accounts}
    legs = {(r["psu"], r["account_id"], r["booked_at"], r["amount"]) for r in dataset.transactions}
    checked = Counter()
    for row in dataset.transactions:
        if row["category"] not in ("transfer_out", "transfer_in", "credit_card_repayment"):
            continue
        if row["id"] in returned:
            continue  # an unpaid collection never reached the other account
        opposite = str(-Decimal(row["amount"]))
        others = [a for a, psu in owner.items() if psu == row["psu"] and a != row["account_id"]]
        matches = [a for a in others if (row["psu"], a, row["booked_at"], opposite) in legs]
        assert len(matches) == 1, row
        checked[row["category"]] += 1
    assert checked["transfer_out"] == checked["transfer_in"] > 0
    assert checked["credit_card_repayment"] >= 2 * 12  # both legs, every month


def test_savings_and_card_repayment_legs_for_alice(dataset: PsuDataset) -> None:
    accounts = {a["key"]: a for a in dataset.accounts if a["psu"] == "alice"}
    rows = rows_by_account(dataset)
    to_savings = [
        r
        for r in rows[accounts["current"]["id"]]
        if r["category"] == "transfer_out" and r["method"] == "standing_order"
    ]
    assert len(to_savings) >= 12
    savings_in = {(r["value_date"], r["amount"]) for r in rows[accounts["savings"]["id"]]}
    for row in to_savings:
        assert (row["value_date"], str(-Decimal(row["amount"]))) in savings_in
    repayments = [
        r for r in rows[accounts["credit_card"]["id"]] if r["category"] == "credit_card_repayment"
    ]
    assert len(repayments) >= 12 and all(Decimal(r["amount"]) > 0 for r in repayments)
    interest = [r for r in rows[accounts["savings"]["id"]] if r["category"] == "interest"]
    assert len(interest) >= 12 and all(Decimal(r["amount"]) > 0 for r in interest)


def test_alice_has_a_monthly_salary_on_a_working_day(dataset: PsuDataset) -> None:
    salaries = [r for r in psu_rows(dataset, "alice") if r["category"] == "salary"]
    by_month = Counter(r["value_date"][:7] for r in salaries if not r["reference"].startswith("B"))
    assert len(by_month) == 13 and set(by_month.values()) == {1}
    for row in salaries:
        day = date.fromisoformat(row["value_date"])
        assert day.weekday() < 5 and day.day <= 25


def test_mandates_match_their_payments(dataset: PsuDataset) -> None:
    mandates = {m["id"]: m for m in dataset.mandates}
    for row in dataset.transactions:
        if row["mandate_id"]:
            mandate = mandates[row["mandate_id"]]
            assert mandate["account_id"] == row["account_id"]
            assert mandate["kind"] == row["method"]
    for mandate in dataset.mandates:
        assert mandate["kind"] in ("direct_debit", "standing_order")
        assert mandate["status"] in ("active", "cancelled")
        assert (mandate["status"] == "active") == (mandate["next_payment_date"] is not None)
    cancelled = [m for m in dataset.mandates if m["status"] == "cancelled"]
    assert [m["name"] for m in cancelled] == ["PureGym"]


def test_carol_is_in_financial_stress(dataset: PsuDataset) -> None:
    rows = psu_rows(dataset, "carol")
    categories = Counter(r["category"] for r in rows)
    assert any(Decimal(r["balance_after"]) < 0 for r in rows)
    assert sum(Decimal(r["balance_after"]) < 0 for r in rows) > len(rows) // 4  # often, not once
    assert categories["gambling"] >= 13
    assert categories["loan_credit"] >= 1 and categories["loan_repayment"] >= 1
    assert categories["returned_direct_debit"] >= 1
    assert any(r["description"] == "OVERDRAFT INTEREST" for r in rows)
    # Every unpaid direct debit is charged for and presented once more, 3 working days later
    # (a representment that is itself unpaid is not tried again).
    for returned in (r for r in rows if r["category"] == "returned_direct_debit"):
        later = [r for r in rows if r["booked_at"] > returned["booked_at"]]
        fee_at = datetime.fromisoformat(returned["booked_at"]) + timedelta(minutes=1)
        fees = [r for r in later if r["description"] == "UNPAID ITEM FEE"]
        assert fees and fees[0]["booked_at"] == fee_at.isoformat(), returned
        if returned["description"].endswith("REPRESENTED"):
            continue
        again = [
            r
            for r in later
            if r["mandate_id"] == returned["mandate_id"]
            and r["description"].endswith("REPRESENTED")
            and r["amount"] == str(-Decimal(returned["amount"]))
        ]
        due = date.fromisoformat(returned["value_date"]) + timedelta(days=3)
        assert again or due >= TODAY - timedelta(days=2), returned


def test_bob_has_irregular_income(dataset: PsuDataset) -> None:
    income = [r for r in psu_rows(dataset, "bob") if r["category"] == "gig_income"]
    assert len({r["merchant"] for r in income}) >= 3  # several platforms
    amounts = [Decimal(r["amount"]) for r in income]
    assert len(set(amounts)) > len(amounts) * 0.9
    days = sorted({date.fromisoformat(r["value_date"]) for r in income})
    gaps = {(b - a).days for a, b in pairwise(days)}
    assert len(gaps) >= 5
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for row in income:
        monthly[row["value_date"][:7]] += Decimal(row["amount"])
    totals = [float(v) for v in monthly.values()]
    assert statistics.pstdev(totals) > 0.1 * statistics.mean(totals)
    assert not any(r["category"] == "salary" for r in psu_rows(dataset, "bob"))


def test_dave_runs_a_business(dataset: PsuDataset) -> None:
    business = next(a for a in dataset.accounts if a["type"] == "business_current")
    rows = [r for r in dataset.transactions if r["account_id"] == business["id"]]
    categories = Counter(r["category"] for r in rows)
    assert categories["business_income"] >= 5 * 13
    assert categories["suppliers"] > 0 and categories["supplies"] > 0
    tax = {r["merchant"] for r in rows if r["category"] == "tax"}
    assert {"HMRC VAT", "HMRC PAYE"} <= tax
    assert business["holder_name"] != next(p for p in dataset.psus if p["id"] == "dave")["name"]


def test_volume_is_realistic(dataset: PsuDataset) -> None:
    assert len(dataset.transactions) < 5000
    rows = rows_by_account(dataset)
    for account in dataset.accounts:
        if account["type"] in ("current", "business_current"):
            per_month = len(rows[account["id"]]) / 13
            assert 30 <= per_month <= 90, (account["psu"], account["key"], per_month)


# -- definitions ---------------------------------------------------------------------------------


def test_a_fifth_user_needs_only_yaml(definitions: list[dict[str, Any]]) -> None:
    erin = {
        "username": "erin",
        "persona": "student",
        "accounts": [
            {
                "key": "current",
                "type": "current",
                "name": "Student Account",
                "opening_balance": "420.00",
                "overdraft_limit": "1500.00",
                "recurring": [
                    {
                        "name": "Student Loans Company",
                        "category": "loan_credit",
                        "method": "bacs",
                        "direction": "credit",
                        "amount": "1520.00",
                        "frequency": "quarterly",
                        "months": [1, 4, 9],
                        "day_of_month": 20,
                    }
                ],
                "spend": [
                    {
                        "category": "groceries",
                        "per_week": [1, 3],
                        "amount": ["3.00", "30.00"],
                        "merchants": ["Lidl", "Aldi"],
                        "mcc": "5411",
                    }
                ],
            }
        ],
    }
    dataset = build_psu_dataset([*definitions, erin], SEED, TODAY)
    psu = dataset.psus[-1]
    assert psu["id"] == "erin" and psu["password"] == "erin" and psu["name"]
    assert psu["address"]["postcode"] and psu["email"] == "erin@example.com"
    rows = psu_rows(dataset, "erin")
    assert {r["category"] for r in rows} >= {"loan_credit", "groceries"}
    # the other PSUs are untouched by the newcomer
    before = build_psu_dataset(definitions, SEED, TODAY)
    assert psu_rows(before, "alice") == psu_rows(dataset, "alice")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.update(opening_balance=12.3), "quoted decimal"),
        (lambda a: a.update(colour="blue"), "unknown field"),
        (lambda a: a.update(type="pension"), "not one of"),
        (lambda a: a["recurring"][0].update(category="misc"), "not one of"),
        (lambda a: a["recurring"][0].update(to_account="nowhere"), "unknown account"),
    ],
)
def test_bad_definitions_are_rejected(
    definitions: list[dict[str, Any]], change: Any, message: str
) -> None:
    broken = copy.deepcopy(definitions)
    change(broken[0]["accounts"][0])
    with pytest.raises(PsuDefinitionError, match=message):
        build_psu_dataset(broken, SEED, TODAY)
