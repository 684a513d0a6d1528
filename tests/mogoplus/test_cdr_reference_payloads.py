"""MogoPlus accepts any banking data built from the official CDR banking types.

The accounts (``BankingAccountDetailV5``), their balances (``BankingBalance``) and transactions
(``BankingTransactionV2``, or ``BankingTransactionDetailV3`` with its ``extendedData``) of each
submission are generated from the reference CDR Banking API v1.36.0 schemas
(``../shared/reference/cdr/v1.36.0-cds_banking.json``), not from our spec: a generator walks
the schemas (``$ref``, ``allOf``, properties, arrays, enums and the CDR field types of
``x-cds-type``), in three modes that it cycles through, account by account:

- ``required``: only the required fields, and the conditional ones (``x-conditional``) where
  their condition holds, all the way down;
- ``all``: every field, all the way down;
- ``mixed``: each object in turn as ``required``, ``all`` or ``alternate`` (every other
  optional field, which half changing from one object to the next).

Every enum value of every field is used (each field cycles through its values), and every
optional field is both present and absent somewhere: both are asserted, read back from the
generated data against the reference, and so is every generated object's validity against the
reference schema and every CDR field type's format (``AmountString``, ``DateTimeString``...).
The CDR's conditional rules (in its descriptions) are kept: ``*UType`` fields choose the one
structure that is present; ``postingDateTime`` once POSTED; ``transactionId`` when detail is
available; ``payer`` for money in, ``payee`` for money out; ``additionalInfo`` for an ``OTHER``
type; and so on (``CONDITIONS``). Each of the 16 submissions (95 accounts, 221 transactions in
all) must be accepted (202) and give a completed report that counts every account and transaction.

Without the reference file every test here skips, saying so.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import NamespacedClient
from tests.mogoplus.test_insights_api import BASE, payload, processing, token

REFERENCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "cdr"
    / "v1.36.0-cds_banking.json"
)
URI = "urn:cdr:v1.36.0:banking"
ACCOUNT = "BankingAccountDetailV5"
BALANCE = "BankingBalance"
TRANSACTION = "BankingTransactionV2"
TRANSACTION_DETAIL = "BankingTransactionDetailV3"
ROOTS = (ACCOUNT, BALANCE, TRANSACTION_DETAIL)
MODES = ("required", "all", "mixed")
OBJECT_MODES = ("required", "all", "alternate")
SUBMISSIONS = 16
START = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
ORDER_IDS = ("3f1c2a9e-5b7d-4e8f-9a1b-2c3d4e5f6a7b", "8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a")
Json = dict[str, Any]

# CDR's conditional fields (``x-conditional``) and when its descriptions make them mandatory.
# In the ``required`` mode a field is sent when its condition holds; in the others, always.
# ``*UType`` members are not here: the UType field picks the one that is sent.
CONDITIONS: dict[str, Callable[[Json], bool]] = {
    # "Mandatory if the isDetailAvailable value is true" (and mandatory in practice otherwise)
    "transactionId": lambda o: o.get("isDetailAvailable") is True,
    # "Mandatory if the transaction has status POSTED"
    "postingDateTime": lambda o: o.get("status") == "POSTED",
    # the BPAY CRN, "if available": it goes with a biller code
    "crn": lambda o: "billerCode" in o,
    # "Mandatory if the ...Type value is OTHER" (features, fees, discounts, rate conditions)
    "additionalInfo": lambda o: "OTHER" in o.values(),
    # "Whether mandatory or not is dependent on the ...Type": always sent
    "additionalValue": lambda o: True,
    # "Mandatory if the applicationType value is PERIODIC"
    "applicationFrequency": lambda o: o.get("applicationType") == "PERIODIC",
    # "Mandatory if the discountType value is ELIGIBILITY_ONLY"
    "eligibility": lambda o: o.get("discountType") == "ELIGIBILITY_ONLY",
    # "Mandatory for Australian addresses" (these are)
    "postcode": lambda o: True,
    # "Mandatory if the extensionUType value is nppPayload" (the only one)
    "extendedDescription": lambda o: True,
    # payer "for inbound payment", payee "for an outbound payment": set with the amount
    "payer": lambda o: False,
    "payee": lambda o: False,
}
# The conditional fields CONDITIONS always sends, so never absent.
ALWAYS_SENT = {"additionalValue", "postcode", "extendedDescription"}

# Values of plain strings by field name, where a bare word would be implausible.
STRINGS: dict[str, tuple[str, ...]] = {
    "bsb": ("062000", "033001"),
    "accountNumber": ("12345678", "987654321"),
    "merchantCategoryCode": ("5411", "5812", "4121"),
    "apcaNumber": ("012345", "654321"),
    "billerCode": ("23796", "1008"),
    "crn": ("4000123456", "xxxxxxxx1234"),
    "state": ("NSW", "VIC", "QLD"),
    "postcode": ("2000", "3000"),
    "country": ("AUS",),
    "minimumValue": ("1000.00", "1"),
    "maximumValue": ("50000.00", "12"),
    "serviceVersion": ("03", "02"),
}
# Values of the CDR field types (``x-cds-type``), cycled through field by field.
CDS_TYPES: dict[str, tuple[Any, ...]] = {
    "AmountString": ("125.40", "0.00", "1980.05", "7.125", "23000000.00"),
    "CurrencyString": ("AUD", "AUD", "USD", "NZD"),
    "RateString": ("0.0125", "0.05", "-0.0025", "0.1999"),
    "ASCIIString": ("ref-001", "ASCII 2"),
    "URIString": ("https://bank.example/products/everyday", "https://bank.example/a?b=c"),
    "ExternalRef": ("P1M", "P14D", "P1Y"),
    "MaskedAccountString": ("xxx-xxx xxxxx123", "xxxx xxxx xxxx 9876"),
    "PositiveInteger": (1, 4, 12),
    "NaturalNumber": (0, 3, 10),
}
# The CDR's common field types, as its standard defines their formats.
FIELD_TYPES: dict[str, Callable[[Any], bool]] = {
    "AmountString": lambda v: re.fullmatch(r"-?\d{1,16}\.\d{2,}", v) is not None,
    "RateString": lambda v: re.fullmatch(r"-?\d{1,16}(\.\d{1,16})?", v) is not None,
    "CurrencyString": lambda v: re.fullmatch(r"[A-Z]{3}", v) is not None,
    "DateString": lambda v: datetime.strptime(v, "%Y-%m-%d") is not None,
    "DateTimeString": lambda v: (
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", v) is not None
        and datetime.fromisoformat(v.replace("Z", "+00:00")).tzinfo is not None
    ),
    "PositiveInteger": lambda v: isinstance(v, int) and v > 0,
    "NaturalNumber": lambda v: isinstance(v, int) and v >= 0,
    "URIString": lambda v: re.match(r"[a-z][a-z0-9+.-]*://\S+$", v) is not None,
    "ASCIIString": lambda v: v.isascii(),
    "ExternalRef": lambda v: v.isascii(),
    "MaskedAccountString": lambda v: v.isascii(),
}


# -- reading the reference ---------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectShape:
    """A schema with its ``allOf`` parts merged: what an object of it may have."""

    properties: dict[str, Json]
    required: tuple[str, ...]
    conditional: tuple[str, ...]


class Cdr:
    def __init__(self, document: Json) -> None:
        self.schemas: dict[str, Json] = document["components"]["schemas"]
        resource = Resource.from_contents(document, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(URI, resource)

    def resolve(self, schema: Json) -> Json:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def shape(self, schema: Json) -> ObjectShape:
        schema = self.resolve(schema)
        properties: dict[str, Json] = dict(schema.get("properties", {}))
        required: list[str] = list(schema.get("required", []))
        conditional: list[str] = list(schema.get("x-conditional", []))
        for part in (self.shape(p) for p in schema.get("allOf", [])):
            properties |= part.properties
            required += part.required
            conditional += part.conditional
        # some x-conditional lists name fields the schema no longer has (BankingFeeRate)
        known = [name for name in conditional if name in properties]
        return ObjectShape(properties, tuple(required), tuple(known))

    def kind(self, schema: Json) -> str:
        schema = self.resolve(schema)
        if "allOf" in schema and "type" not in schema:
            parts = {self.kind(p) for p in schema["allOf"]}
            return parts.pop() if len(parts) == 1 else "object"
        return str(schema.get("type", "object"))

    def leaf(self, schema: Json) -> Json:
        """A scalar's schema with single-part ``allOf`` wrappers unwrapped."""
        schema = self.resolve(schema)
        while "allOf" in schema and len(schema["allOf"]) == 1:
            schema = {**self.resolve(schema["allOf"][0]), **schema}
            schema.pop("allOf")
        return schema

    def errors(self, name: str, instance: Any) -> list[str]:
        validator = Draft4Validator(
            {"$ref": f"{URI}#/components/schemas/{name}"}, registry=self._registry
        )
        found = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found[:5]]


def union_members(shape: ObjectShape) -> dict[str, tuple[str, ...]]:
    """``*UType`` fields whose values name the alternative structures of the object."""
    found = {}
    for name, schema in shape.properties.items():
        values = tuple(schema.get("enum", ()))
        if name.endswith("UType") and any(v in shape.properties for v in values):
            found[name] = tuple(v for v in values if v in shape.properties)
    return found


def enum_sites(cdr: Cdr, schema: Json, site: str, seen: set[str]) -> Iterator[tuple[str, Any]]:
    """Every (field, enum value) reachable from ``schema``, every alternative followed."""
    if site in seen:
        return
    seen.add(site)
    kind = cdr.kind(schema)
    if kind == "object":
        for name, sub in cdr.shape(schema).properties.items():
            yield from enum_sites(cdr, sub, f"{site}.{name}", seen)
    elif kind == "array":
        yield from enum_sites(cdr, cdr.resolve(schema)["items"], f"{site}[]", seen)
    else:
        for value in cdr.leaf(schema).get("enum", ()):
            yield site, value


# -- generating from it ------------------------------------------------------------------------


@dataclass
class Generator:
    """Instances of CDR schemas; each field cycles through its values from one use to the next."""

    cdr: Cdr
    uses: Counter[str] = field(default_factory=Counter)

    def next(self, site: str, values: tuple[Any, ...]) -> Any:
        self.uses[site] += 1
        return values[(self.uses[site] - 1) % len(values)]

    def instance(self, schema: Json, site: str, mode: str) -> Any:
        kind = self.cdr.kind(schema)
        if kind == "object":
            return self.object(schema, site, mode)
        if kind == "array":
            items = self.cdr.resolve(schema)["items"]
            count = {"required": 1, "all": 2}.get(mode) or self.next(f"{site}#", (2, 0, 3, 1))
            return [self.instance(items, f"{site}[]", mode) for _ in range(count)]
        return self.scalar(self.cdr.leaf(schema), site)

    def scalar(self, schema: Json, site: str) -> Any:
        if "enum" in schema:
            return self.next(site, tuple(schema["enum"]))
        name = site.rsplit(".", 1)[-1].removesuffix("[]")
        cds_type = schema.get("x-cds-type")
        if cds_type in ("DateString", "DateTimeString"):
            moment = START + timedelta(days=self.next(site, tuple(range(0, 360, 11))))
            if cds_type == "DateString":
                return moment.date().isoformat()
            forms = (
                moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                moment.isoformat(),
                f"{moment.date()}T23:59:59.5-05:00",
            )
            return self.next(f"{site}@", forms)
        if cds_type in CDS_TYPES:
            return self.next(site, CDS_TYPES[cds_type])
        if schema.get("type") == "boolean":
            return self.next(site, (True, False))
        if schema.get("type") in ("integer", "number"):
            return self.next(site, (1, 6, 24))
        if name in STRINGS:
            return self.next(site, STRINGS[name])
        return f"{name} {self.next(site, tuple('ABCDE'))}"

    def object(self, schema: Json, site: str, mode: str) -> Json:
        shape = self.cdr.shape(schema)
        self.uses[f"{site}~"] += 1  # the alternate mode's half changes with each object
        own = self.object_mode(site) if mode == "mixed" else mode
        unions = union_members(shape)
        members = {m for alternatives in unions.values() for m in alternatives}
        deferred = set(shape.conditional) - members
        made: Json = {}
        for n, (name, sub) in enumerate(shape.properties.items()):
            if name in members or name in deferred:
                continue
            if name in shape.required or self._optional_sent(own, site, n):
                made[name] = self.instance(sub, f"{site}.{name}", mode)
        for utype, alternatives in unions.items():
            chosen = made.get(utype)
            if chosen in alternatives:  # the one structure the UType names
                made[chosen] = self.instance(shape.properties[chosen], f"{site}.{chosen}", mode)
        for name in shape.conditional:
            if name in deferred and (own != "required" or CONDITIONS[name](made)):
                made[name] = self.instance(shape.properties[name], f"{site}.{name}", mode)
        return made

    def object_mode(self, site: str) -> str:
        """The next mode of a mixed object: each mode in turn, shifted by one every three
        objects, so that it never moves in step with a three-valued enum of the object."""
        self.uses[f"{site}%"] += 1
        visit = self.uses[f"{site}%"] - 1
        return OBJECT_MODES[(visit + visit // 3) % 3]

    def _optional_sent(self, mode: str, site: str, n: int) -> bool:
        if mode == "required":
            return False
        if mode == "all":
            return True
        return (n + self.uses[f"{site}~"]) % 2 == 0

    def account(self, account_id: str, mode: str) -> Json:
        made = self.object(self.cdr.schemas[ACCOUNT], ACCOUNT, mode)
        made["accountId"] = account_id
        if "loan" in made and "offsetAccountIds" in made["loan"]:
            made["loan"]["offsetAccountIds"] = [f"{account_id}-offset"]
        return made

    def balance(self, account_id: str, mode: str) -> Json:
        made = self.object(self.cdr.schemas[BALANCE], BALANCE, mode)
        made["accountId"] = account_id
        return made

    def transaction(self, account_id: str, number: int, mode: str) -> tuple[str, Json]:
        """A transaction, with its detail's ``extendedData`` every other time."""
        detailed = number % 2 == 0
        name = TRANSACTION_DETAIL if detailed else TRANSACTION
        made = self.object(self.cdr.schemas[TRANSACTION_DETAIL], TRANSACTION_DETAIL, mode)
        if not detailed:
            del made["extendedData"]
        made["accountId"] = account_id
        if "transactionId" in made:
            made["transactionId"] = f"{account_id}-t{number}"
        money_in = made["type"] in ("INTEREST_PAID", "TRANSFER_INCOMING") or (
            made["type"] == "OTHER" and number % 3 == 0
        )
        size = Decimal(made["amount"]) or Decimal("9.99")
        made["amount"] = str(size if money_in else -size)
        extended = made.get("extendedData")
        if extended is not None:
            # "payer: mandatory for inbound payment"; "payee: mandatory for an outbound payment"
            both = mode == "all" or (mode == "mixed" and number % 4 == 0)
            parties = ("payer", "payee") if both else ("payer",) if money_in else ("payee",)
            for party in ("payer", "payee"):
                extended.pop(party, None)
                if party in parties:
                    extended[party] = self.next(f"{party}s", ("ACME PTY LTD", "J Citizen"))
        return name, made


@dataclass
class Coverage:
    """What generated data sends, read back from it against the reference schemas."""

    enums: set[tuple[str, Any]] = field(default_factory=set)
    presence: dict[tuple[str, str], set[bool]] = field(default_factory=lambda: defaultdict(set))
    typed: list[tuple[str, str, Any]] = field(default_factory=list)  # site, x-cds-type, value

    def read(self, cdr: Cdr, schema: Json, site: str, instance: Any) -> None:
        kind = cdr.kind(schema)
        if kind == "object":
            shape = cdr.shape(schema)
            for name, sub in shape.properties.items():
                if name not in shape.required:
                    self.presence[(site, name)].add(name in instance)
                if name in instance:
                    self.read(cdr, sub, f"{site}.{name}", instance[name])
        elif kind == "array":
            for item in instance:
                self.read(cdr, cdr.resolve(schema)["items"], f"{site}[]", item)
        else:
            leaf = cdr.leaf(schema)
            if "enum" in leaf:
                self.enums.add((site, instance))
            if "x-cds-type" in leaf:
                self.typed.append((site, leaf["x-cds-type"], instance))


# -- the submissions -----------------------------------------------------------------------------


@dataclass
class Submission:
    body: Json
    pieces: list[tuple[str, Json]]  # (reference schema name, generated instance)

    @property
    def accounts(self) -> list[Json]:
        return [
            account
            for applicant in self.body["applicantsData"]
            for data in applicant["bankingTransactionData"]
            for account in data["accountProperty"]["accounts"]
        ]


def build_submissions(generator: Generator) -> list[Submission]:
    submissions = []
    number = 0
    for s in range(SUBMISSIONS):
        pieces: list[tuple[str, Json]] = []
        applicants = []
        for a in range(1 + s % 2):
            institutions = []
            for i in range(1 + (s + a) % 2):
                accounts = []
                for n in range(2 + (s + i) % 3):
                    number += 1
                    mode = MODES[number % len(MODES)]
                    account_id = f"s{s}-a{a}-i{i}-acct{n}"
                    account = generator.account(account_id, mode)
                    pieces.append((ACCOUNT, account))
                    entry = dict(account)
                    if number % 5 != 1:  # some accounts share no balance
                        entry["balance"] = generator.balance(account_id, mode)
                        pieces.append((BALANCE, entry["balance"]))
                    if n == 0 or number % 7 != 3:  # and some no transactions
                        made = [
                            generator.transaction(account_id, t, mode)
                            for t in range(1 + number % 4)
                        ]
                        pieces.extend(made)
                        entry["transactions"] = [t for _, t in made]
                    accounts.append(entry)
                institutions.append(
                    {
                        "consentProperty": {"institutionName": f"Bank {i + 1}"},
                        "accountProperty": {"accounts": accounts},
                    }
                )
            applicants.append(
                {
                    "applicant": {"firstName": f"Applicant{a}", "lastName": f"Of{s}"},
                    "bankingTransactionData": institutions,
                }
            )
        body = {
            "meta": {
                "orderIds": list(ORDER_IDS[: 1 + s % 2]),
                "clientId": "mogoplus-sandbox-client",
                "applicationType": "PERSONAL_LOAN",
                "reference": f"CDR-REF-{s}",
            },
            "applicantsData": applicants,
        }
        submissions.append(Submission(body, pieces))
    return submissions


@pytest.fixture(scope="module")
def cdr() -> Cdr:
    if not REFERENCE.is_file():
        pytest.skip(f"the CDR banking reference spec is not at {REFERENCE}")
    return Cdr(json.loads(REFERENCE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def generated(cdr: Cdr) -> tuple[Generator, list[Submission]]:
    generator = Generator(cdr)
    return generator, build_submissions(generator)


# -- the generator's output against the reference ----------------------------------------------


def test_every_generated_piece_is_valid_cdr(
    cdr: Cdr, generated: tuple[Generator, list[Submission]]
) -> None:
    _, submissions = generated
    pieces = [piece for s in submissions for piece in s.pieces]
    kinds = Counter(name for name, _ in pieces)
    assert set(kinds) == {ACCOUNT, BALANCE, TRANSACTION, TRANSACTION_DETAIL}, kinds
    assert kinds[ACCOUNT] == 95 and kinds[TRANSACTION] + kinds[TRANSACTION_DETAIL] == 221
    problems = {
        f"{name} {instance.get('accountId')}": cdr.errors(name, instance)
        for name, instance in pieces
    }
    assert {where: found for where, found in problems.items() if found} == {}


@pytest.fixture(scope="module")
def coverage(cdr: Cdr, generated: tuple[Generator, list[Submission]]) -> Coverage:
    found = Coverage()
    for submission in generated[1]:
        for name, instance in submission.pieces:
            root = TRANSACTION_DETAIL if name == TRANSACTION else name
            found.read(cdr, cdr.schemas[root], root, instance)
    return found


def test_every_cdr_field_type_is_well_formed(coverage: Coverage) -> None:
    assert {cds_type for _, cds_type, _ in coverage.typed} == set(FIELD_TYPES)
    malformed = [(s, t, v) for s, t, v in coverage.typed if not FIELD_TYPES[t](v)]
    assert malformed == []


def test_every_enum_value_is_sent(cdr: Cdr, coverage: Coverage) -> None:
    wanted = {pair for root in ROOTS for pair in enum_sites(cdr, cdr.schemas[root], root, set())}
    assert len(wanted) > 150  # the walk reaches the nested product structures too
    assert sorted(wanted - coverage.enums, key=str) == []


def test_every_optional_field_is_both_sent_and_left_out(coverage: Coverage) -> None:
    one_sided = {
        f"{site}.{name}": seen
        for (site, name), seen in coverage.presence.items()
        if seen != {True, False} and name not in ALWAYS_SENT
    }
    assert one_sided == {}
    assert len(coverage.presence) > 100


def test_the_conditional_rules_hold(generated: tuple[Generator, list[Submission]]) -> None:
    _, submissions = generated
    transactions = [t for s in submissions for a in s.accounts for t in a.get("transactions", [])]
    statuses = Counter(t["status"] for t in transactions)
    assert statuses["PENDING"] and statuses["POSTED"]
    assert all("postingDateTime" in t for t in transactions if t["status"] == "POSTED")
    assert any(
        not set(t) & {"postingDateTime", "valueDateTime", "executionDateTime"} for t in transactions
    )
    for t in transactions:
        if t["isDetailAvailable"]:
            assert "transactionId" in t
        parties = set(t.get("extendedData", {})) & {"payer", "payee"}
        if "extendedData" in t:
            assert ("payer" if Decimal(t["amount"]) > 0 else "payee") in parties
    for account in (a for s in submissions for a in s.accounts):
        chosen = account.get("specificAccountUType")
        assert {"termDeposit", "creditCard", "loan"} & set(account) == (
            {chosen} if chosen else set()
        )


# -- MogoPlus accepts them -------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(SUBMISSIONS))
def test_mogoplus_accepts_the_submission_and_reports_on_it(
    api: NamespacedClient, generated: tuple[Generator, list[Submission]], index: int
) -> None:
    submission = generated[1][index]
    processing(api, mode="immediate")
    headers = token(api)
    accepted = api.post(BASE, json=submission.body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    insights_id = accepted.json()["data"]["insightsId"]["insightsId"]
    report = api.get(f"{BASE}/{insights_id}", headers=headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["meta"]["status"] == "COMPLETED"
    reports = body["insightsHeader"]["reports"]
    assert [r["reportHeader"]["reportId"] for r in reports] == submission.body["meta"]["orderIds"]
    transactions = [t for a in submission.accounts for t in a.get("transactions", [])]
    combined = reports[0]["combinedSummary"]
    assert combined["combinedNumberOfAccounts"] == len(submission.accounts)
    assert combined["combinedNumberOfTransactions"] == len(transactions)
    totals = combined["combinedTotalSummary"]
    counted = totals["credit"]["numberOfTransactions"] + totals["debit"]["numberOfTransactions"]
    assert counted == len(transactions)


def test_amounts_finer_than_a_cent_are_reported_exactly(api: NamespacedClient) -> None:
    """A CDR AmountString may have more than two decimals; the monthly net positions and income
    buckets (decimal strings) then have them too. Our spec allowed exactly two, so such a
    report was a 500."""
    body = payload()
    first = body["applicantsData"][0]["bankingTransactionData"][0]["accountProperty"]
    transaction = first["accounts"][0]["transactions"][0]
    transaction["amount"] = "-7.125"
    processing(api, mode="immediate")
    headers = token(api)
    accepted = api.post(BASE, json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    insights_id = accepted.json()["data"]["insightsId"]["insightsId"]
    report = api.get(f"{BASE}/{insights_id}", headers=headers)
    assert report.status_code == 200, report.text
    month = transaction["postingDateTime"][:7]
    net = report.json()["insightsHeader"]["reports"][0]["combinedSummary"]["netMonthlyPosition"]
    assert re.fullmatch(r"-?\d+\.\d{3}", net[month]), net
