"""OBIE resources from the PSU records: valid against the reference schemas, permission-aware,
consistent with the records, deterministic.

The reference OpenAPI document and the profile are read at run time from the shared reference
folder beside the checkout; the tests that need them skip, saying why, when it is absent.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from mockserver.core.paths import bundled_dir
from mockserver.core.psu_history import PsuDataset, build_psu_dataset, load_psu_definitions
from mockserver.providers.ob import resources

SEED = 42
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "openbanking-uk"
SPEC_PATH = REFERENCE / "v3.1.11r5-account-info-openapi.json"
PROFILE_PATH = REFERENCE / "profiles" / "account-and-transaction-api-profile-v3.1.11.md"
SPEC_URI = "urn:obie:v3.1.11:account-info"
MONEY = re.compile(r"^\d{1,13}$|^\d{1,13}\.\d{1,5}$")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
Record = dict[str, Any]

# jsonschema checks no "date-time" or "uri" without optional packages: check them here, and
# insist on the offset the OBIE specification requires.
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_TIME.fullmatch(value):
        return False
    datetime.fromisoformat(value)
    return True


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


# -- fixtures ----------------------------------------------------------------------------------


def _build() -> PsuDataset:
    return build_psu_dataset(
        load_psu_definitions(bundled_dir("fixtures") / "psus.yaml"), SEED, TODAY
    )


@pytest.fixture(scope="module")
def dataset() -> PsuDataset:
    return _build()


class Schemas:
    """The reference document's component schemas, ``$ref``s resolved through a registry."""

    def __init__(self, spec_path: Path) -> None:
        spec = json.loads(spec_path.read_text())
        resource = Resource.from_contents(spec, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._names = set(spec["components"]["schemas"])
        self._validators: dict[str, Draft4Validator] = {}

    def _validator(self, name: str) -> Draft4Validator:
        if name not in self._validators:
            assert name in self._names, f"the reference has no schema {name}"
            ref = {"$ref": f"{SPEC_URI}#/components/schemas/{name}"}
            self._validators[name] = Draft4Validator(
                ref, registry=self._registry, format_checker=FORMATS
            )
        return self._validators[name]

    def check(self, name: str, instance: Any) -> None:
        errors = sorted(self._validator(name).iter_errors(instance), key=lambda e: list(e.path))
        details = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        assert not errors, f"not a valid {name}: {details}"

    def check_response(self, name: str, key: str, items: Any) -> None:
        """``items`` as the ``Data`` of a whole response, the simplest way to reach them."""
        body = {"Data": {key: items}, "Links": {"Self": "https://sandbox.test/x"}, "Meta": {}}
        self.check(name, body)


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the OBIE reference spec is not available at {SPEC_PATH}")
    return Schemas(SPEC_PATH)


@pytest.fixture(scope="module")
def psus(dataset: PsuDataset) -> dict[str, Record]:
    return {p["id"]: p for p in dataset.psus}


@pytest.fixture(scope="module")
def accounts(dataset: PsuDataset) -> dict[str, Record]:
    return {a["id"]: a for a in dataset.accounts}


def sample(
    items: list[Record], key: Callable[[Record], object], every: int = 7
) -> Iterator[Record]:
    """Every ``every``-th item plus the first of each ``key`` group: all shapes, not all rows."""
    seen: set[object] = set()
    for n, item in enumerate(items):
        group = key(item)
        if group not in seen or n % every == 0:
            seen.add(group)
            yield item


def _shape(tx: Record) -> object:
    party = tx["counterparty"] or {}
    return (tx["method"], tx["credit_debit"], tx["status"], tx["category"], tuple(sorted(party)))


def signed(obj: Record) -> Decimal:
    """An OBIE amount with its CreditDebitIndicator, back as a signed number."""
    value = Decimal(obj["Amount"]["Amount"])
    return value if obj["CreditDebitIndicator"] == "Credit" else -value


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every ``(key, value)`` pair in a nested JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


# -- accounts and balances ---------------------------------------------------------------------


def test_every_account_is_a_valid_obaccount6(
    dataset: PsuDataset, psus: dict[str, Record], schemas: Schemas
) -> None:
    for record in dataset.accounts:
        psu = psus[record["psu"]]
        basic = resources.account(record, psu, detail=False)
        detail = resources.account(record, psu, detail=True)
        schemas.check_response("OBReadAccount6", "Account", [basic, detail])
        schemas.check("OBAccount6Basic", basic)
        schemas.check("OBAccount6Detail", detail)
        assert detail["AccountId"] == record["id"]
        expected_type = "Business" if record["type"] == "business_current" else "Personal"
        assert detail["AccountType"] == expected_type
        scan = detail["Account"][0]
        assert scan["SchemeName"] == "UK.OBIE.SortCodeAccountNumber"
        assert scan["Identification"] == record["sort_code"] + record["account_number"]
        assert len(scan["Identification"]) == 14 and scan["Identification"].isdigit()
        assert scan["Name"] == record["holder_name"]


def test_account_types_and_card_identification(
    dataset: PsuDataset, psus: dict[str, Record]
) -> None:
    made = {
        a["key"] + "@" + a["psu"]: resources.account(a, psus[a["psu"]], detail=True)
        for a in dataset.accounts
    }
    assert made["business@dave"]["AccountType"] == "Business"
    assert made["business@dave"]["Account"][0]["Name"] == "Okafor Joinery Ltd"
    assert made["savings@alice"]["AccountSubType"] == "Savings"
    card = made["credit_card@alice"]
    assert card["AccountSubType"] == "CreditCard"
    pans = [i for i in card["Account"] if i["SchemeName"] == "UK.OBIE.PAN"]
    assert len(pans) == 1
    # Masked: at most the first six and the last four digits show (profile, ReadPAN).
    assert re.fullmatch(r"\*{12}\d{4}", pans[0]["Identification"])
    assert all(
        "UK.OBIE.PAN" not in str(a.get("Account")) for k, a in made.items() if "credit" not in k
    )


def test_balances_are_valid_and_agree_with_the_account(
    dataset: PsuDataset, schemas: Schemas
) -> None:
    for record in dataset.accounts:
        items = resources.balances(record, at=NOW)
        schemas.check_response("OBReadBalance1", "Balance", items)
        by_type = {b["Type"]: b for b in items}
        assert set(by_type) == {"InterimAvailable", "InterimBooked"}
        assert all(b["DateTime"] == "2026-11-23T14:30:00+00:00" for b in items)
        assert signed(by_type["InterimBooked"]) == Decimal(record["balance"])
        assert "CreditLine" not in by_type["InterimBooked"]
        available = by_type["InterimAvailable"]
        limit = record.get("overdraft_limit") or record.get("credit_limit")
        if limit is None:
            assert "CreditLine" not in available
            assert signed(available) == Decimal(record["available_balance"])
            continue
        (line,) = available["CreditLine"]
        assert line["Included"] is True
        assert line["Type"] == ("Credit" if record.get("credit_limit") else "Pre-Agreed")
        assert Decimal(line["Amount"]["Amount"]) == Decimal(limit)
        assert signed(available) - Decimal(limit) == Decimal(record["available_balance"])


def test_a_card_balance_owed_is_a_debit(dataset: PsuDataset) -> None:
    card = next(a for a in dataset.accounts if a["type"] == "credit_card")
    assert Decimal(card["balance"]) < 0
    booked = next(b for b in resources.balances(card, at=NOW) if b["Type"] == "InterimBooked")
    assert booked["CreditDebitIndicator"] == "Debit"
    assert booked["Amount"]["Amount"] == card["balance"].lstrip("-")


# -- transactions ------------------------------------------------------------------------------


def test_transactions_are_valid_obtransaction6(
    dataset: PsuDataset, accounts: dict[str, Record], schemas: Schemas
) -> None:
    chosen = list(sample(list(dataset.transactions), _shape))
    assert {t["method"] for t in chosen} >= {"card", "direct_debit", "standing_order", "bacs"}
    assert {t["status"] for t in chosen} == {"booked", "pending"}
    for account_id in accounts:  # every account, a page of it at a time
        own = [t for t in chosen if t["account_id"] == account_id]
        assert own, f"no transactions sampled for {account_id}"
        account = accounts[account_id]
        detail = [resources.transaction(t, account, detail=True) for t in own]
        basic = [resources.transaction(t, account, detail=False) for t in own]
        schemas.check_response("OBReadTransaction6", "Transaction", detail + basic)
        for item in detail:
            schemas.check("OBTransaction6Detail", item)
        for item in basic:
            schemas.check("OBTransaction6Basic", item)


def test_credit_debit_indicator_matches_the_sign(
    dataset: PsuDataset, accounts: dict[str, Record]
) -> None:
    for tx in dataset.transactions:
        made = resources.transaction(tx, accounts[tx["account_id"]], detail=True)
        amount = Decimal(tx["amount"])
        assert signed(made) == amount, tx["id"]
        assert made["CreditDebitIndicator"] == ("Credit" if amount > 0 else "Debit")
        assert MONEY.match(made["Amount"]["Amount"])
        assert signed(made["Balance"]) == Decimal(tx["balance_after"])


def test_transaction_fields_follow_the_record(
    dataset: PsuDataset, accounts: dict[str, Record]
) -> None:
    for tx in sample(list(dataset.transactions), _shape, every=3):
        made = resources.transaction(tx, accounts[tx["account_id"]], detail=True)
        assert made["TransactionId"] == tx["id"]
        assert made["AccountId"] == tx["account_id"]
        assert made["TransactionInformation"] == tx["description"]
        assert made.get("TransactionReference") == tx["reference"]
        assert made["Status"] == tx["status"].capitalize()
        assert ("ValueDateTime" in made) == (tx["status"] == "booked")
        assert made["BookingDateTime"] == datetime.fromisoformat(tx["booked_at"]).isoformat()
        if tx["method"] == "card":
            assert made["MerchantDetails"] == {
                "MerchantName": tx["merchant"],
                "MerchantCategoryCode": tx["mcc"],
            }
            assert made["BankTransactionCode"]["Code"] == "CCRD"
        else:
            assert "MerchantDetails" not in made
        party = tx["counterparty"]
        side = "DebtorAccount" if tx["credit_debit"] == "credit" else "CreditorAccount"
        other = "CreditorAccount" if side == "DebtorAccount" else "DebtorAccount"
        assert other not in made
        if party is None:
            assert side not in made
        elif party.get("sort_code"):
            assert made[side]["Identification"] == party["sort_code"] + party["account_number"]
            assert made[side]["Name"] == party["name"]
        else:
            assert made[side] == {"Name": party["name"]}


def test_bank_transaction_codes_follow_the_method(
    dataset: PsuDataset, accounts: dict[str, Record]
) -> None:
    codes: Counter[tuple[str, str, str, str]] = Counter()
    for tx in dataset.transactions:
        made = resources.transaction(tx, accounts[tx["account_id"]], detail=False)
        bank, own = made["BankTransactionCode"], made["ProprietaryBankTransactionCode"]
        codes[(tx["method"], bank["Code"], bank["SubCode"], own["Code"])] += 1
        assert own["Issuer"] == "SBOX"  # the bank code in the account's IBAN
    assert ("standing_order", "ICDT", "STDO", "SO") in codes
    assert ("direct_debit", "RDDT", "PMDD", "DD") in codes
    assert ("direct_debit", "RDDT", "UPDD", "DD") in codes  # returned unpaid
    assert ("faster_payment", "RCDT", "DMCT", "FPI") in codes
    assert ("faster_payment", "ICDT", "DMCT", "FPO") in codes
    assert ("bacs", "RCDT", "SALA", "BGC") in codes
    assert ("card", "CCRD", "CWDL", "CPT") in codes
    assert ("card", "CCRD", "POSC", "CRD") in codes  # on the credit card
    assert ("interest", "MCOP", "INTR", "INT") in codes


# -- standing orders, direct debits, scheduled payments ----------------------------------------


def test_standing_orders_are_valid(dataset: PsuDataset, schemas: Schemas) -> None:
    orders = [m for m in dataset.mandates if m["kind"] == "standing_order"]
    assert orders
    for mandate in orders:
        detail = resources.standing_order(mandate, detail=True)
        basic = resources.standing_order(mandate, detail=False)
        schemas.check_response("OBReadStandingOrder6", "StandingOrder", [detail, basic])
        schemas.check("OBStandingOrder6Basic", basic)
        assert detail["StandingOrderId"] == mandate["id"]
        assert detail["StandingOrderStatusCode"] == "Active"
        assert detail["LastPaymentDateTime"].startswith(mandate["last_payment_date"])
        assert detail["NextPaymentAmount"]["Amount"] == mandate["amount"]
        party = mandate["counterparty"]
        assert detail["CreditorAccount"]["Identification"] == (
            party["sort_code"] + party["account_number"]
        )


def test_direct_debits_are_valid(dataset: PsuDataset, schemas: Schemas) -> None:
    debits = [m for m in dataset.mandates if m["kind"] == "direct_debit"]
    made = [resources.direct_debit(m) for m in debits]
    schemas.check_response("OBReadDirectDebit2", "DirectDebit", made)
    for mandate, item in zip(debits, made, strict=True):
        assert item["MandateIdentification"] == mandate["reference"]
        assert item["Name"] == mandate["name"]
        expected = "Active" if mandate["status"] == "active" else "Inactive"
        assert item["DirectDebitStatusCode"] == expected
        assert item["PreviousPaymentAmount"]["Amount"] == mandate["amount"]
    assert {i["DirectDebitStatusCode"] for i in made} == {"Active", "Inactive"}
    assert {i["Frequency"] for i in made} >= {"UK.OBIE.Monthly", "UK.OBIE.Quarterly"}


def test_a_mandate_of_the_other_kind_is_refused(dataset: PsuDataset) -> None:
    order = next(m for m in dataset.mandates if m["kind"] == "standing_order")
    debit = next(m for m in dataset.mandates if m["kind"] == "direct_debit")
    with pytest.raises(ValueError, match="not a direct_debit"):
        resources.direct_debit(order)
    with pytest.raises(ValueError, match="not a standing_order"):
        resources.standing_order(debit, detail=True)


@pytest.mark.parametrize(
    ("frequency", "day", "weekday", "code"),
    [
        ("monthly", 25, None, "IntrvlMnthDay:01:25"),
        ("monthly", -1, None, "IntrvlMnthDay:01:-01"),
        ("quarterly", 7, None, "IntrvlMnthDay:03:07"),
        ("annually", 1, None, "IntrvlMnthDay:12:01"),
        ("weekly", None, 5, "IntrvlWkDay:01:05"),
        ("fortnightly", None, 1, "IntrvlWkDay:02:01"),
        ("four_weekly", None, 7, "IntrvlWkDay:04:07"),
        ("monthly", None, None, "NotKnown"),
    ],
)
def test_frequency_codes(frequency: str, day: int | None, weekday: int | None, code: str) -> None:
    mandate: Record = {"frequency": frequency}
    if day is not None:
        mandate["day_of_month"] = day
    if weekday is not None:
        mandate["day_of_week"] = weekday
    assert resources.frequency_code(mandate) == code


def test_frequency_codes_match_the_reference_pattern(schemas: Schemas) -> None:
    for frequency, day, weekday in [
        ("monthly", 31, None),
        ("monthly", -1, None),
        ("quarterly", 15, None),
        ("annually", 28, None),
        ("weekly", None, 1),
        ("four_weekly", None, 7),
    ]:
        mandate = {"frequency": frequency, "day_of_month": day, "day_of_week": weekday}
        schemas.check("Frequency_1", resources.frequency_code(mandate))


def test_scheduled_payments_are_valid(dataset: PsuDataset, schemas: Schemas) -> None:
    for payment in dataset.scheduled_payments:
        detail = resources.scheduled_payment(payment, detail=True)
        basic = resources.scheduled_payment(payment, detail=False)
        schemas.check_response("OBReadScheduledPayment3", "ScheduledPayment", [detail, basic])
        schemas.check("OBScheduledPayment3Basic", basic)
        assert detail["ScheduledPaymentDateTime"] == f"{payment['execution_date']}T00:00:00+00:00"
        assert detail["InstructedAmount"]["Amount"] == payment["amount"]
        assert detail["CreditorAccount"]["Name"] == payment["payee"]["name"]


# -- beneficiaries, party, product, offers -----------------------------------------------------


def test_beneficiaries_are_the_distinct_payees(dataset: PsuDataset, schemas: Schemas) -> None:
    transactions = list(dataset.transactions)
    total = 0
    for account in dataset.accounts:
        detail = resources.beneficiaries(account, transactions, detail=True)
        basic = resources.beneficiaries(account, transactions, detail=False)
        schemas.check_response("OBReadBeneficiary5", "Beneficiary", detail + basic)
        for item in basic:
            schemas.check("OBBeneficiary5Basic", item)
        paid = {
            t["counterparty"]["sort_code"] + t["counterparty"]["account_number"]
            for t in transactions
            if t["account_id"] == account["id"]
            and t["credit_debit"] == "debit"
            and t["method"] in ("faster_payment", "standing_order")
        }
        listed = [b["CreditorAccount"]["Identification"] for b in detail]
        assert sorted(listed) == sorted(paid)  # each payee once
        assert len({b["BeneficiaryId"] for b in detail}) == len(detail)
        total += len(detail)
    assert total > 0


def test_party_is_a_valid_obparty2(dataset: PsuDataset, schemas: Schemas) -> None:
    for psu in dataset.psus:
        made = resources.party(psu)
        schemas.check("OBReadParty2", {"Data": {"Party": made}, "Links": {"Self": "https://x"}})
        schemas.check_response("OBReadParty3", "Party", [made])
        assert made["PartyType"] == "Sole"
        assert made["Name"] == psu["name"]
        assert made["EmailAddress"] == psu["email"]
        assert made["Mobile"] == "+44-" + psu["phone"].removeprefix("+44")
        (address,) = made["Address"]
        assert address["PostCode"] == psu["address"]["postcode"]
        assert address["AddressLine"] == psu["address"]["lines"]


def test_products_and_offers_are_valid(dataset: PsuDataset, schemas: Schemas) -> None:
    products = [resources.product(a) for a in dataset.accounts]
    schemas.check_response("OBReadProduct2", "Product", products)
    by_type = {a["type"]: p["ProductType"] for a, p in zip(dataset.accounts, products, strict=True)}
    assert by_type == {
        "current": "PersonalCurrentAccount",
        "business_current": "BusinessCurrentAccount",
        "savings": "Other",
        "credit_card": "Other",
    }
    offered = {a["id"]: resources.offers(a) for a in dataset.accounts}
    schemas.check_response(
        "OBReadOffer1", "Offer", [o for items in offered.values() for o in items]
    )
    for account in dataset.accounts:
        items = offered[account["id"]]
        in_credit = Decimal(account["balance"]) >= 0
        assert bool(items) == (bool(account.get("overdraft_limit")) and in_credit)
        for offer in items:
            assert offer["OfferType"] == "LimitIncrease"
    carol = next(a for a in dataset.accounts if a["psu"] == "carol")
    assert Decimal(carol["balance"]) < 0 and offered[carol["id"]] == []


# -- statements --------------------------------------------------------------------------------


def test_statements_are_valid_monthly_and_balance(dataset: PsuDataset, schemas: Schemas) -> None:
    transactions = list(dataset.transactions)
    for account in dataset.accounts:
        detail = resources.statements(account, transactions, at=NOW)
        basic = resources.statements(account, transactions, detail=False, at=NOW)
        schemas.check_response("OBReadStatement2", "Statement", detail + basic)
        for item in basic:
            schemas.check("OBStatement2Basic", item)
        # 13 months back from the 23rd: twelve whole months, November 2025 to October 2026.
        months = [s["StatementReference"] for s in detail]
        assert months == [f"2025-{m}" for m in ("11", "12")] + [
            f"2026-{m:02d}" for m in range(1, 11)
        ]
        previous_closing = None
        for statement in detail:
            amounts = {
                a["Type"].removeprefix("UK.OBIE."): signed(a) for a in statement["StatementAmount"]
            }
            opening, closing = amounts["PreviousClosingBalance"], amounts["ClosingBalance"]
            credits, debits = amounts["TotalCredits"], -amounts["TotalDebits"]
            assert closing - opening == credits - debits, statement["StatementReference"]
            if previous_closing is not None:
                assert opening == previous_closing
            previous_closing = closing
            rows = resources.statement_transactions(statement, account, transactions)
            assert sum(Decimal(r["amount"]) for r in rows) == closing - opening
            assert all(r["status"] == "booked" for r in rows)
            for row in rows:
                assert statement["StartDateTime"] <= row["booked_at"] <= statement["EndDateTime"]
            assert statement["CreationDateTime"] > statement["EndDateTime"]


def test_statements_stop_at_the_last_complete_month(dataset: PsuDataset) -> None:
    account, transactions = dataset.accounts[0], list(dataset.transactions)
    assert resources.statements(account, transactions) == resources.statements(
        account, transactions, at=NOW
    )
    later = resources.statements(account, transactions, at=datetime(2027, 2, 1, tzinfo=UTC))
    assert [s["StatementReference"] for s in later[-3:]] == ["2026-11", "2026-12", "2027-01"]
    quiet = later[-1]["StatementAmount"]  # no transactions: the balance carries over
    assert signed(quiet[0]) == signed(quiet[1]) and signed(quiet[2]) == 0


def _xref_offsets(pdf: bytes) -> dict[int, int]:
    start = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[start:].startswith(b"xref\n")
    lines = pdf[start:].split(b"\n")
    first, count = map(int, lines[1].split())
    assert first == 0
    entries = pdf[start + len(lines[0]) + len(lines[1]) + 2 :][: 20 * count]
    offsets = {}
    for number in range(count):
        entry = entries[20 * number : 20 * number + 20]
        assert len(entry) == 20 and entry.endswith((b" \n", b"\r\n")), entry
        offset, generation, kind = entry.split()
        if kind == b"n":
            offsets[number] = int(offset)
        else:
            assert (number, generation) == (0, b"65535")
    trailer = pdf[start:].split(b"trailer", 1)[1]
    assert f"/Size {count}".encode() in trailer
    return offsets


def test_statement_pdf_is_a_valid_pdf(dataset: PsuDataset) -> None:
    account, transactions = dataset.accounts[0], list(dataset.transactions)
    statement = resources.statements(account, transactions, at=NOW)[0]
    pdf = resources.statement_pdf(statement, account, transactions)
    assert pdf.startswith(b"%PDF-")
    assert pdf.endswith(b"%%EOF")
    offsets = _xref_offsets(pdf)
    for number, offset in offsets.items():
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number), number
    assert len(offsets) == pdf.count(b" 0 obj\n")
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", pdf):
        end = match.end() + int(match.group(1))
        assert pdf[end:].startswith(b"\nendstream"), "a stream /Length is wrong"
    pages = pdf.count(b"/Type /Page ")
    assert pages >= 2  # a busy current account's month does not fit on one page
    assert b"/Count %d" % pages in pdf
    rows = resources.statement_transactions(statement, account, transactions)
    for row in rows:
        text = row["description"][:40].replace("(", "\\(").replace(")", "\\)")
        assert text.encode("cp1252") in pdf


def test_a_short_statement_fits_one_page(dataset: PsuDataset) -> None:
    account = next(a for a in dataset.accounts if a["type"] == "savings")
    assert resources.statements(account, [], at=NOW) == []  # no history, no statements
    months = resources.statements(account, list(dataset.transactions), at=NOW)
    pdf = resources.statement_pdf(months[-1], account, list(dataset.transactions))
    assert pdf.count(b"/Type /Page ") == 1
    assert all(pdf[o:].startswith(b"%d 0 obj" % n) for n, o in _xref_offsets(pdf).items())


# -- Basic and Detail, determinism -------------------------------------------------------------

_PROFILE_ROW = re.compile(r"^\|\s*Read(\w+)Detail\s*\|\s*(\w+)\s*\|")
_PROFILE_KINDS = {
    "Accounts": "account",
    "Beneficiaries": "beneficiary",
    "StandingOrders": "standing_order",
    "Transactions": "transaction",
    "Statements": "statement",
    "ScheduledPayments": "scheduled_payment",
}


def test_detail_only_fields_are_the_profiles() -> None:
    if not PROFILE_PATH.is_file():
        pytest.skip(f"the OBIE profile is not available at {PROFILE_PATH}")
    table: dict[str, set[str]] = {}
    for line in PROFILE_PATH.read_text().splitlines():
        match = _PROFILE_ROW.match(line)
        if match:
            table.setdefault(_PROFILE_KINDS[match.group(1)], set()).add(match.group(2))
    assert table == {kind: set(fields) for kind, fields in resources.DETAIL_ONLY.items()}


def _pair(build: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``build(*args, detail=False)`` and ``build(*args, detail=True)``."""
    return build(*args, detail=False, **kwargs), build(*args, detail=True, **kwargs)


def _both(dataset: PsuDataset, psus: dict[str, Record]) -> Iterator[tuple[str, Record, Record]]:
    """``(kind, basic, detail)`` for a sample of every resource with Basic and Detail forms."""
    accounts = {a["id"]: a for a in dataset.accounts}
    transactions = list(dataset.transactions)
    for a in dataset.accounts:
        yield "account", *_pair(resources.account, a, psus[a["psu"]])
        basic, detail = _pair(resources.beneficiaries, a, transactions)
        yield from (("beneficiary", b, d) for b, d in zip(basic, detail, strict=True))
        basic, detail = _pair(resources.statements, a, transactions, at=NOW)
        yield from (("statement", b, d) for b, d in zip(basic, detail, strict=True))
    for tx in sample(transactions, _shape):
        yield "transaction", *_pair(resources.transaction, tx, accounts[tx["account_id"]])
    for m in dataset.mandates:
        if m["kind"] == "standing_order":
            yield "standing_order", *_pair(resources.standing_order, m)
    for p in dataset.scheduled_payments:
        yield "scheduled_payment", *_pair(resources.scheduled_payment, p)


def test_basic_omits_exactly_the_detail_fields(
    dataset: PsuDataset, psus: dict[str, Record]
) -> None:
    shown: dict[str, set[str]] = {}
    for kind, basic, detail in _both(dataset, psus):
        hidden = resources.DETAIL_ONLY[kind]
        assert basic == {k: v for k, v in detail.items() if k not in hidden}, kind
        shown.setdefault(kind, set()).update(set(detail) & hidden)
    # Every resource shows Detail something Basic does not, so the check above bites.
    assert all(shown[kind] for kind in resources.DETAIL_ONLY), shown
    assert shown["transaction"] >= {
        "TransactionInformation",
        "Balance",
        "MerchantDetails",
        "CreditorAccount",
        "DebtorAccount",
    }


def test_money_is_unsigned_and_date_times_have_offsets(
    dataset: PsuDataset, psus: dict[str, Record]
) -> None:
    everything: list[Any] = [d for _, _, d in _both(dataset, psus)]
    everything += [resources.balances(a, at=NOW) for a in dataset.accounts]
    everything += [
        resources.direct_debit(m) for m in dataset.mandates if m["kind"] == "direct_debit"
    ]
    everything += [resources.offers(a) for a in dataset.accounts]
    for key, value in walk(everything):
        if key == "Amount" and isinstance(value, str):
            assert MONEY.match(value), value
        if key.endswith("DateTime") or key == "OpeningDate":
            assert DATE_TIME.fullmatch(value) and value.endswith("+00:00"), (key, value)


def _everything(dataset: PsuDataset) -> list[Any]:
    psus = {p["id"]: p for p in dataset.psus}
    transactions = list(dataset.transactions)
    out: list[Any] = [list(_both(dataset, psus))]
    for a in dataset.accounts:
        out += [resources.balances(a, at=NOW), resources.product(a), resources.offers(a)]
        statements = resources.statements(a, transactions, at=NOW)
        out += [resources.statement_pdf(s, a, transactions) for s in statements[:2]]
    out += [resources.party(p) for p in dataset.psus]
    out += [resources.direct_debit(m) for m in dataset.mandates if m["kind"] == "direct_debit"]
    return out


def test_same_records_same_resources_and_inputs_untouched(dataset: PsuDataset) -> None:
    before = copy.deepcopy(dataset)
    first = _everything(dataset)
    assert dataset == before  # the functions do not mutate the records they are given
    assert _everything(dataset) == first
    assert _everything(_build()) == first  # a fresh build of the same seed and day


def test_a_business_account_is_owned_by_the_business(dataset: PsuDataset, schemas: Schemas) -> None:
    psus = {p["username"]: p for p in dataset.psus}
    business = next(a for a in dataset.accounts if a["type"] == "business_current")
    psu = psus[business["psu"]]
    owner, delegate = resources.account_parties(business, psu)
    assert owner["Name"] == business["holder_name"] == "Okafor Joinery Ltd"
    assert owner["LegalStructure"] == "UK.OBIE.PrivateLimitedCompany"
    assert owner["AccountRole"] == "UK.OBIE.Principal"
    assert delegate["Name"] == psu["name"] and delegate["PartyType"] == "Delegate"
    assert owner["PartyId"] != delegate["PartyId"]
    schemas.check_response("OBReadParty3", "Party", [owner, delegate])
    personal = next(a for a in dataset.accounts if a["type"] == "current")
    assert resources.account_parties(personal, psus[personal["psu"]]) == [
        resources.party(psus[personal["psu"]])
    ]
