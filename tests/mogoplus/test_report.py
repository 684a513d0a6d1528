"""The MogoPlus insights report engine (``mockserver.providers.mogoplus.report``), pure Python.

Payloads are built from the CDR types (BankingAccountV3, BankingBalance, BankingTransactionV2);
every expected figure is computed here, plainly, from the test's own list of transactions and
the categories the test expects for them, never through the engine's helpers.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from mockserver.providers.mogoplus.categories import (
    CategoryTable,
    TableError,
    build_table,
    load_table,
)
from mockserver.providers.mogoplus.report import ReportInputError, build_report

ROOT = Path(__file__).resolve().parents[2]
TABLE_PATH = ROOT / "fixtures" / "mogoplus" / "categories.yaml"
DOCS = Path(__file__).resolve().parents[3] / "shared" / "provider-docs"
EXAMPLES = DOCS / "mogoplus-insights-examples.txt"
PUBLISHED = datetime(2025, 5, 10, 3, 4, 5, tzinfo=UTC)
CENT = Decimal("0.01")

# The groups the test expects for the categories it uses (restated from the table's docs).
GROUP = {
    "SALARY_WAGES": "INCOME",
    "GOVERNMENT_BENEFITS": "INCOME",
    "OTHER_INCOME": "INCOME",
    "RENT": "HOUSING",
    "UTILITIES": "BILLS",
    "TELCO": "BILLS",
    "GROCERIES": "LIVING",
    "TRANSPORT": "LIVING",
    "HEALTH": "LIVING",
    "DINING": "LIFESTYLE",
    "ENTERTAINMENT": "LIFESTYLE",
    "BNPL": "DEBT",
    "PAYDAY_LENDERS": "DEBT",
    "GAMBLING": "HIGH_RISK",
    "DISHONOURS": "HIGH_RISK",
    "BANK_FEES": "BANKING",
    "INTEREST_CHARGED": "BANKING",
    "INTEREST_EARNED": "BANKING",
    "TRANSFERS": "TRANSFERS",
    "CASH": "TRANSFERS",
    "UNCATEGORISED_DEBIT": "UNCATEGORISED",
}
INCOME_CODES = {"SALARY_WAGES", "GOVERNMENT_BENEFITS", "PENSION_SUPER_INCOME", "OTHER_INCOME"}
ALERT_CODES = {"GAMBLING", "DISHONOURS", "PAYDAY_LENDERS", "DEBT_COLLECTION"}


@dataclass(frozen=True)
class Tx:
    """One test transaction and the category the test expects for it."""

    applicant: int
    account: str
    tid: str
    day: date
    amount: str
    description: str
    category: str
    type: str = "PAYMENT"
    reference: str = ""
    merchant: str | None = None
    mcc: str | None = None

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)


def d(text: str) -> date:
    return date.fromisoformat(text)


ACME = "ACME WIDGETS PTY LTD SALARY"
ACME_PAYS = [  # fortnightly; the 2025-02-21 pay a day late; the last one split over two accounts
    ("2024-12-26", "3120.55", "A1"),
    ("2025-01-09", "3120.55", "A1"),
    ("2025-01-23", "3120.55", "A1"),
    ("2025-02-06", "3120.55", "A1"),
    ("2025-02-21", "3250.10", "A1"),
    ("2025-03-06", "3120.55", "A1"),
    ("2025-03-20", "3120.55", "A1"),
    ("2025-03-20", "500.00", "A3"),
]
CENTRELINK = ["2025-01-14", "2025-01-28", "2025-02-11", "2025-02-25", "2025-03-11"]


def _transactions() -> list[Tx]:
    txs = [
        Tx(0, acct, f"acme-{n}", d(day), amount, ACME, "SALARY_WAGES", "TRANSFER_INCOMING",
           reference=f"PAY {n:04d}")
        for n, (day, amount, acct) in enumerate(ACME_PAYS)
    ]  # fmt: skip
    txs += [
        Tx(0, "A1", f"rent-{m}", d(f"2025-0{m}-03"), "-2100.00", "RENT 12 SMITH ST", "RENT",
           "TRANSFER_OUTGOING", reference="Rent March")
        for m in (1, 2, 3)
    ]  # fmt: skip
    txs += [
        Tx(0, "A1", "woolies", d("2025-01-11"), "-85.40", "WOOLWORTHS 1234 SYDNEY", "GROCERIES",
           merchant="WOOLWORTHS 1234", mcc="5411"),
        Tx(0, "A1", "coles", d("2025-02-15"), "-120.15", "COLES 0420 NEWTOWN", "GROCERIES"),
        Tx(0, "A1", "bet", d("2025-02-08"), "-50.00", "SPORTSBET PTY LTD", "GAMBLING"),
        Tx(0, "A1", "win", d("2025-02-09"), "120.00", "SPORTSBET WITHDRAWAL", "GAMBLING",
           "TRANSFER_INCOMING"),
        Tx(0, "A1", "gym", d("2025-03-01"), "-60.00", "FITNESS FIRST DD", "HEALTH",
           "DIRECT_DEBIT"),
        Tx(0, "A1", "gym-back", d("2025-03-03"), "60.00", "RETURNED DIRECT DEBIT FITNESS FIRST",
           "DISHONOURS", "OTHER"),
        Tx(0, "A1", "dishonour-fee", d("2025-03-03"), "-15.00", "DISHONOUR FEE", "DISHONOURS",
           "FEE"),
        Tx(0, "A1", "agl", d("2025-02-17"), "-210.33", "AGL SALES PTY LTD", "UTILITIES",
           "DIRECT_DEBIT"),
        Tx(0, "A1", "fee", d("2025-01-31"), "-5.00", "MONTHLY ACCOUNT FEE", "BANK_FEES", "FEE"),
        Tx(0, "A1", "friend", d("2025-02-02"), "-40.00", "J CITIZEN", "UNCATEGORISED_DEBIT"),
        Tx(0, "A2", "netflix", d("2025-01-19"), "-16.99", "NETFLIX.COM MELBOURNE",
           "ENTERTAINMENT", merchant="NETFLIX", mcc="4899"),
        Tx(0, "A2", "cc-payment", d("2025-02-01"), "500.00", "PAYMENT RECEIVED THANK YOU",
           "TRANSFERS", "TRANSFER_INCOMING"),
        Tx(0, "A2", "eats", d("2025-03-08"), "-32.50", "UBER *EATS HELP.UBER.COM", "DINING"),
        Tx(0, "A2", "interest", d("2025-03-15"), "-12.34", "PURCHASES", "INTEREST_CHARGED",
           "INTEREST_CHARGED"),
    ]  # fmt: skip
    txs += [
        Tx(0, "A3", f"int-{n}", d(day), "1.23", "CREDIT INTEREST", "INTEREST_EARNED",
           "INTEREST_PAID")
        for n, day in enumerate(["2025-01-31", "2025-02-28", "2025-03-31"])
    ]  # fmt: skip
    txs += [
        Tx(1, "B1", f"cl-{n}", d(day), "762.70", "CENTRELINK JOBSEEKER PAYMENT",
           "GOVERNMENT_BENEFITS", "TRANSFER_INCOMING", reference=f"JSP {n}")
        for n, day in enumerate(CENTRELINK)
    ]  # fmt: skip
    txs += [
        Tx(1, "B1", "gig-1", d("2024-12-28"), "85.00", "AIRTASKER PAYOUT 5521", "OTHER_INCOME"),
        Tx(1, "B1", "gig-2", d("2024-12-29"), "140.00", "AIRTASKER PAYOUT 5530", "OTHER_INCOME"),
        Tx(1, "B1", "gig-3", d("2025-03-15"), "60.00", "AIRTASKER PAYOUT 6001", "OTHER_INCOME"),
        Tx(1, "B1", "nimble-in", d("2025-01-20"), "300.00", "NIMBLE AUSTRALIA LOAN",
           "PAYDAY_LENDERS", "TRANSFER_INCOMING"),
        Tx(1, "B1", "nimble-out", d("2025-02-20"), "-360.00", "NIMBLE AUSTRALIA REPAYMENT",
           "PAYDAY_LENDERS", "DIRECT_DEBIT"),
        Tx(1, "B1", "afterpay", d("2025-02-03"), "-45.00", "AFTERPAY", "BNPL", "DIRECT_DEBIT",
           merchant="Afterpay"),
        Tx(1, "B1", "maccas", d("2025-01-30"), "-12.50", "MCDONALDS 0231", "DINING", mcc="5814"),
        Tx(1, "B1", "atm", d("2025-03-02"), "-100.00", "ATM WITHDRAWAL 7-ELEVEN", "CASH"),
        Tx(1, "B1", "telstra", d("2025-03-12"), "-65.00", "TELSTRA PREPAID", "TELCO", "PAYMENT",
           merchant="Telstra"),
        Tx(1, "B1", "opal", d("2025-05-02"), "-20.00", "TRANSPORT FOR NSW OPAL", "TRANSPORT"),
    ]  # fmt: skip
    return txs


TXS = _transactions()
START = min(t.day for t in TXS)
END = max(t.day for t in TXS)
DAYS = (END - START).days + 1


def _cdr_transaction(tx: Tx) -> dict[str, Any]:
    row: dict[str, Any] = {
        "accountId": tx.account,
        "transactionId": tx.tid,
        "isDetailAvailable": False,
        "type": tx.type,
        "status": "POSTED",
        "description": tx.description,
        "postingDateTime": f"{tx.day.isoformat()}T10:15:00.000Z",
        "valueDateTime": f"{tx.day.isoformat()}T10:15:00.000Z",
        "amount": tx.amount,
        "currency": "AUD",
        "reference": tx.reference,
    }
    if tx.merchant:
        row["merchantName"] = tx.merchant
    if tx.mcc:
        row["merchantCategoryCode"] = tx.mcc
    return row


def _account(account_id: str, name: str, masked: str, balance: dict[str, str] | None) -> Any:
    account: dict[str, Any] = {
        "accountId": account_id,
        "creationDate": "2019-04-01",
        "displayName": name,
        "openStatus": "OPEN",
        "isOwned": True,
        "accountOwnership": "ONE_PARTY",
        "maskedNumber": masked,
        "productCategory": "TRANS_AND_SAVINGS_ACCOUNTS",
        "productName": name,
        "transactions": [_cdr_transaction(t) for t in TXS if t.account == account_id],
    }
    if balance is not None:
        account["balance"] = {"accountId": account_id, "currency": "AUD", **balance}
    return account


def _consent(institution: str, accounts: list[Any]) -> dict[str, Any]:
    return {
        "consentProperty": {
            "institutionName": institution,
            "consent": {
                "arrangementId": "0a29c52b-df25-4bfd-83e1-c0ba53fc218e",
                "scopes": ["bank:accounts.basic:read", "bank:transactions:read"],
                "sharingStartDateTime": "2025-04-20T10:00:35.947Z",
                "sharingDuration": 86400,
            },
        },
        "accountProperty": {"accounts": accounts},
    }


A1_BALANCE = {"currentBalance": "1523.45", "availableBalance": "1500.00"}
A2_BALANCE = {"currentBalance": "-845.10", "availableBalance": "4154.90", "creditLimit": "5000.00"}
B1_BALANCE = {"currentBalance": "12.00", "availableBalance": "12.00", "creditLimit": "0.00"}


def _payload() -> dict[str, Any]:
    return {
        "meta": {
            "orderIds": ["9e58813c-7c2a-41ee-b962-0242ac120002"],
            "clientId": "mogoplus-sandbox-client",
            "reference": "APP-1001",
            "applicationType": "PERSONAL_LOAN",
        },
        "applicantsData": [
            {
                "applicant": {
                    "crn": "CRN-001",
                    "firstName": "Alice",
                    "lastName": "Nguyen",
                    "emailAddress": "alice@example.com",
                    "employerNames": ["Acme Widgets Pty Ltd", "Globex Corporation"],
                    "declaredIncome": {"amount": 6000, "currency": "AUD"},
                    "declaredExpenses": {"amount": 3500, "currency": "AUD"},
                },
                "bankingTransactionData": [
                    _consent(
                        "Commonwealth Bank",
                        [
                            _account("A1", "Smart Access", "xxx-xxx xxxx1234", A1_BALANCE),
                            _account(
                                "A2", "Low Rate Credit Card", "xxxx xxxx xxxx 9876", A2_BALANCE
                            ),
                        ],
                    ),
                    _consent("ING", [_account("A3", "Savings Maximiser", "xxxx5555", None)]),
                ],
            },
            {
                "applicant": {
                    "crn": "CRN-002",
                    "firstName": "Ben",
                    "lastName": "Taylor",
                    "employerNames": ["Sunrise Cafe Pty Ltd"],
                },
                "bankingTransactionData": [
                    _consent(
                        "Commonwealth Bank",
                        [_account("B1", "Everyday", "xxx-xxx xxxx4321", B1_BALANCE)],
                    )
                ],
            },
        ],
    }


@pytest.fixture(scope="module")
def table() -> CategoryTable:
    return load_table(TABLE_PATH)


def _build(payload: dict[str, Any], table: CategoryTable, **extra: Any) -> dict[str, Any]:
    return build_report(
        payload,
        categories=table,
        insights_id="c8c7d799-fe50-43bb-8e61-f08cd8a9434f",
        report_id="31456b3a-7cf4-41ee-b962-0242ac120002",
        client_id="mogoplus-sandbox-client",
        client_name="MogoPlus sandbox client",
        published_at=PUBLISHED,
        **extra,
    )


@pytest.fixture(scope="module")
def report(table: CategoryTable) -> dict[str, Any]:
    built = _build(_payload(), table, order_id="9e58813c-7c2a-41ee-b962-0242ac120002")
    # What the store keeps and the wire carries: JSON, read back.
    return dict(json.loads(json.dumps(built)))


@pytest.fixture(scope="module")
def body(report: dict[str, Any]) -> dict[str, Any]:
    reports = report["insightsHeader"]["reports"]
    assert len(reports) == 1
    return dict(reports[0])


# --- independent arithmetic ------------------------------------------------------------------


def dec(value: Any) -> Decimal:
    """A number of the report, read back as a Decimal (floats by their shortest repr)."""
    return Decimal(str(value))


def monthly(total: Decimal, days: int = DAYS) -> Decimal:
    return (total * Decimal("30.4375") / days).quantize(CENT, rounding=ROUND_HALF_EVEN)


def expected_side(txs: list[Tx], credit: bool) -> tuple[Decimal, int, Decimal]:
    chosen = [t.value for t in txs if (t.value >= 0) == credit]
    total = sum(chosen, Decimal(0))
    total = total if credit else -total
    return total, len(chosen), monthly(total)


def assert_side(actual: dict[str, Any], txs: list[Tx], credit: bool) -> None:
    total, count, average = expected_side(txs, credit)
    assert dec(actual["sumAmount"]) == total
    assert actual["numberOfTransactions"] == count
    assert dec(actual["monthlyAverage"]) == average


def assert_pair(actual: dict[str, Any], txs: list[Tx]) -> None:
    assert_side(actual["credit"], txs, credit=True)
    assert_side(actual["debit"], txs, credit=False)


def months_of_period() -> list[str]:
    months = []
    cursor = START.replace(day=1)
    while cursor <= END:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def expected_net(txs: list[Tx]) -> dict[str, str]:
    net = {}
    for month in months_of_period():
        total = sum((t.value for t in txs if t.day.strftime("%Y-%m") == month), Decimal(0))
        net[month] = f"{total.quantize(CENT):f}"
    return net


def rounded(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def population_sd(values: list[Fraction]) -> Decimal:
    variance = statistics.pvariance(values)
    return rounded((Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt())


def of(applicant: int) -> list[Tx]:
    return [t for t in TXS if t.applicant == applicant]


# --- the tests -----------------------------------------------------------------------------


def test_header_and_period(report: dict[str, Any], body: dict[str, Any]) -> None:
    assert report["meta"] == {"status": "COMPLETED"}
    header = report["insightsHeader"]
    assert header["insightsId"] == "c8c7d799-fe50-43bb-8e61-f08cd8a9434f"
    assert header["insightsPublishDate"] == "2025-05-10T03:04:05.000Z"
    assert header["clientId"] == "mogoplus-sandbox-client"
    assert header["clientName"] == "MogoPlus sandbox client"
    report_header = body["reportHeader"]
    assert report_header["reportId"] == "31456b3a-7cf4-41ee-b962-0242ac120002"
    assert report_header["reportPublishDate"] == "2025-05-10T03:04:05.000Z"
    assert report_header["reportingPeriodStartDate"] == "2024-12-26"
    assert report_header["reportingPeriodEndDate"] == "2025-05-02"
    assert report_header["numberOfDaysInReportingPeriod"] == 128 == DAYS
    assert report_header["applicationType"] == "PERSONAL_LOAN"
    assert report_header["numberOfApplicants"] == 2
    assert report_header["applicants"] == [
        {"applicantId": "CRN-001", "applicantName": "Alice Nguyen"},
        {"applicantId": "CRN-002", "applicantName": "Ben Taylor"},
    ]
    assert "9e58813c-7c2a-41ee-b962-0242ac120002" in report["reportString"]
    assert "Alice Nguyen" in report["reportString"]


def test_combined_totals_reconcile(body: dict[str, Any]) -> None:
    combined = body["combinedSummary"]
    assert combined["combinedNumberOfInstitutions"] == 2  # Commonwealth Bank (both), ING
    assert combined["combinedNumberOfAccounts"] == 4
    assert combined["combinedNumberOfTransactions"] == len(TXS)
    assert combined["currency"] == "AUD"
    assert_pair(combined["combinedTotalSummary"], TXS)


def test_combined_per_category_and_group(body: dict[str, Any]) -> None:
    combined = body["combinedSummary"]
    rows = combined["combinedCategorySummary"]["combined"]
    assert {r["categoryCode"] for r in rows} == {t.category for t in TXS}
    for row in rows:
        assert_pair(row, [t for t in TXS if t.category == row["categoryCode"]])
    groups = combined["combinedCategoryGroupSummary"]["combinedCategoryGroups"]
    assert {g["categoryGroup"] for g in groups} == {GROUP[t.category] for t in TXS}
    for group in groups:
        assert_pair(group, [t for t in TXS if GROUP[t.category] == group["categoryGroup"]])
        assert group["categoryGroupDescription"]
    # Counts add up to the submitted transactions, category by category.
    assert sum(r["credit"]["numberOfTransactions"] + r["debit"]["numberOfTransactions"]
               for r in rows) == len(TXS)  # fmt: skip


def test_net_monthly_position(body: dict[str, Any]) -> None:
    net = body["combinedSummary"]["netMonthlyPosition"]
    assert list(net) == months_of_period() == [
        "2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"
    ]  # fmt: skip
    assert net == expected_net(TXS)
    assert net["2025-04"] == "0.00"
    for n, applicant in enumerate(body["applicantSummary"]["applicants"]):
        assert applicant["netMonthlyPosition"] == expected_net(of(n))


def test_basic_income(body: dict[str, Any]) -> None:
    def check(insights: dict[str, Any], txs: list[Tx]) -> None:
        income = [t for t in txs if t.category in INCOME_CODES and t.value > 0]
        total = sum((t.value for t in income), Decimal(0))
        assert insights["currency"] == "AUD"
        assert dec(insights["income"]["sumAmount"]) == total
        assert insights["income"]["numberOfTransactions"] == len(income)
        assert dec(insights["income"]["averageMonthly"]) == monthly(total)
        buckets = insights["incomeBuckets"]
        assert set(buckets) == INCOME_CODES
        for code, text in buckets.items():
            part = sum((t.value for t in income if t.category == code), Decimal(0))
            assert text == f"{part.quantize(CENT):f}"

    check(body["combinedSummary"]["combinedIncomeInsights"]["basicIncomeInsights"], TXS)
    for n, applicant in enumerate(body["incomeSummary"]["applicants"]):
        check(applicant["IncomeInsights"]["basicIncomeInsights"], of(n))


def test_applicant_summaries(body: dict[str, Any]) -> None:
    applicants = body["applicantSummary"]["applicants"]
    assert [a["applicantName"] for a in applicants] == ["Alice Nguyen", "Ben Taylor"]
    assert [a["numberOfInstitutions"] for a in applicants] == [2, 1]
    assert [a["numberOfAccounts"] for a in applicants] == [3, 1]
    for n, applicant in enumerate(applicants):
        mine = of(n)
        assert applicant["numberOfTransactions"] == len(mine)
        assert applicant["currency"] == "AUD"
        assert_pair(applicant["applicantTotalSummary"], mine)
        for row in applicant["applicantCategorySummary"]["categories"]:
            assert_pair(row, [t for t in mine if t.category == row["categoryCode"]])
        assert {r["categoryCode"] for r in applicant["applicantCategorySummary"]["categories"]} == {
            t.category for t in mine
        }
        for group in applicant["applicantCategoryGroupSummary"]["applicantCategoryGroups"]:
            assert_pair(group, [t for t in mine if GROUP[t.category] == group["categoryGroup"]])


def test_accounts_and_balances(body: dict[str, Any]) -> None:
    alice = body["applicantSummary"]["applicants"][0]["applicantDetailedTransaction"]
    ben = body["applicantSummary"]["applicants"][1]["applicantDetailedTransaction"]
    assert [(i["institutionId"], i["institutionName"]) for i in alice["institutions"]] == [
        ("commonwealth-bank", "Commonwealth Bank"),
        ("ing", "ING"),
    ]
    accounts = {
        a["accountNumber"]: a
        for inst in alice["institutions"] + ben["institutions"]
        for a in inst["accounts"]
    }
    ids = {"xxx-xxx xxxx1234": "A1", "xxxx xxxx xxxx 9876": "A2", "xxxx5555": "A3",
           "xxx-xxx xxxx4321": "B1"}  # fmt: skip
    assert set(accounts) == set(ids)
    a1, a2, a3 = (accounts[k] for k in ("xxx-xxx xxxx1234", "xxxx xxxx xxxx 9876", "xxxx5555"))
    assert a1["accountName"] == "Smart Access"
    assert (a1["currentBalance"], a1["availableBalance"], a1["creditLimit"]) == (1523.45, 1500, 0)
    assert (a2["currentBalance"], a2["availableBalance"], a2["creditLimit"]) == (
        -845.1,
        4154.9,
        5000,
    )
    assert (a3["currentBalance"], a3["availableBalance"], a3["creditLimit"]) == (None, None, None)
    for number, account in accounts.items():
        mine = sorted((t for t in TXS if t.account == ids[number]), key=lambda t: t.day)
        assert account["numberOfTransactionsInTotal"] == len(mine)
        assert account["numberOfTransactionsCategorised"] == sum(
            1 for t in mine if not t.category.startswith("UNCATEGORISED")
        )
        rows = account["transactions"]
        assert [r["transactionId"] for r in rows] == [t.tid for t in mine]
        for row, tx in zip(rows, mine, strict=True):
            assert row == {
                "transactionId": tx.tid,
                "transactionDate": tx.day.isoformat(),
                "transactionCategoryGroup": GROUP[tx.category],
                "transactionCategoryCode": tx.category,
                "transactionDescription": tx.description,
                "transactionAmount": float(tx.amount),
                "transactionCurrency": "AUD",
            }
    assert accounts["xxx-xxx xxxx1234"]["numberOfTransactionsCategorised"] == (
        accounts["xxx-xxx xxxx1234"]["numberOfTransactionsInTotal"] - 1  # "J CITIZEN"
    )


def test_alerts(body: dict[str, Any]) -> None:
    for n, applicant in enumerate(body["applicantSummary"]["applicants"]):
        risky = [t for t in of(n) if t.category in ALERT_CODES]
        alerts = applicant["alerts"]
        assert {a["categoryCode"] for a in alerts} == {t.category for t in risky}
        for alert in alerts:
            mine = sorted((t for t in risky if t.category == alert["categoryCode"]),
                          key=lambda t: t.day)  # fmt: skip
            assert_pair(alert, mine)
            assert [r["transactionId"] for r in alert["transactions"]] == [t.tid for t in mine]
            assert all(r["transactionCategoryCode"] == alert["categoryCode"]
                       for r in alert["transactions"])  # fmt: skip
    alice, ben = (a["alerts"] for a in body["applicantSummary"]["applicants"])
    assert [a["categoryCode"] for a in alice] == ["GAMBLING", "DISHONOURS"]
    assert [r["transactionId"] for r in alice[0]["transactions"]] == ["bet", "win"]
    assert [r["transactionId"] for r in alice[1]["transactions"]] == ["gym-back", "dishonour-fee"]
    assert [a["categoryCode"] for a in ben] == ["PAYDAY_LENDERS"]


def _stream_expectations(pays: list[tuple[str, str]]) -> dict[str, Any]:
    dates = [d(day) for day, _ in pays]
    distinct = sorted(set(dates))
    gaps = [(b - a).days for a, b in pairwise(distinct)]
    amounts = [Fraction(amount) for _, amount in pays]
    counts = {a: amounts.count(a) for a in amounts}
    amount_mode = min(a for a in amounts if counts[a] == max(counts.values()))
    gap_counts = {g: gaps.count(g) for g in gaps}
    last_start = END - timedelta(days=89)
    return {
        "recency": {
            "daysInLastPeriod": 90,
            "numberOfTransactionsInLastPeriod": sum(1 for x in dates if x >= last_start),
        },
        "regularity": {
            "numberOfTransactions": len(pays),
            "incomeDates": [x.isoformat() for x in dates],
            "statisticsOfDayIntervals": {
                "max": max(gaps),
                "min": min(gaps),
                "mean": rounded(statistics.mean(Fraction(g) for g in gaps)),
                "median": rounded(Fraction(statistics.median(gaps))),
                "mode": min(g for g in gaps if gap_counts[g] == max(gap_counts.values())),
                "standardDeviation": population_sd([Fraction(g) for g in gaps]),
            },
        },
        "reliability": {
            "numberOfTransactions": len(pays),
            "incomeAmounts": [{"date": day, "amount": Decimal(amount)} for day, amount in pays],
            "statisticsOfSalaryAmount": {
                "average": rounded(statistics.mean(amounts)),
                "median": rounded(statistics.median(amounts)),
                "mode": rounded(amount_mode),
                "range": rounded(max(amounts) - min(amounts)),
                "standardDeviation": population_sd(amounts),
            },
        },
    }


def _as_decimals(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_decimals(v) for v in value]
    if isinstance(value, float):
        return dec(value)
    return value


def test_income_streams(body: dict[str, Any]) -> None:
    alice, ben = body["incomeSummary"]["applicants"]
    (acme,) = alice["IncomeInsights"]["inferentialIncomeInsights"]
    assert acme["type"] == "SALARY_WAGES"
    assert acme["employer"] == "ACME WIDGETS PTY LTD"
    expected = _stream_expectations([(day, amount) for day, amount, _ in ACME_PAYS])
    assert _as_decimals({k: acme[k] for k in expected}) == expected
    stats = acme["regularity"]["statisticsOfDayIntervals"]
    assert (stats["max"], stats["min"], stats["mode"]) == (15, 13, 14)
    assert dec(stats["standardDeviation"]) == Decimal("0.58")  # sqrt(2/6)
    assert acme["recency"]["numberOfTransactionsInLastPeriod"] == 5

    # Ben: the Centrelink payments are a stream; three irregular Airtasker payouts are not.
    (centrelink,) = ben["IncomeInsights"]["inferentialIncomeInsights"]
    assert centrelink["type"] == "GOVERNMENT_BENEFITS"
    assert centrelink["employer"] == "CENTRELINK JOBSEEKER"
    expected = _stream_expectations([(day, "762.70") for day in CENTRELINK])
    assert _as_decimals({k: centrelink[k] for k in expected}) == expected
    assert centrelink["reliability"]["statisticsOfSalaryAmount"]["standardDeviation"] == 0
    assert centrelink["reliability"]["statisticsOfSalaryAmount"]["range"] == 0


def test_employment_insights(body: dict[str, Any]) -> None:
    alice, ben = body["incomeSummary"]["applicants"]
    assert alice["applicantName"] == "Alice Nguyen"
    assert alice["employmentInsights"] == [
        {
            "declaredEmployerName": "Acme Widgets Pty Ltd",
            "employerNameVerified": True,
            "latestEmployerVerifiedSalaryDate": "2025-03-20",
            "latestEmployerVerifiedSalaryAmount": 3620.55,  # 3120.55 + 500.00, the same day
        },
        {
            "declaredEmployerName": "Globex Corporation",
            "employerNameVerified": False,
            "latestEmployerVerifiedSalaryDate": None,
            "latestEmployerVerifiedSalaryAmount": None,
        },
    ]
    assert ben["employmentInsights"] == [
        {
            "declaredEmployerName": "Sunrise Cafe Pty Ltd",
            "employerNameVerified": False,
            "latestEmployerVerifiedSalaryDate": None,
            "latestEmployerVerifiedSalaryAmount": None,
        }
    ]


def test_monthly_average_rounds_half_even(table: CategoryTable) -> None:
    # One day: 0.24 x 30.4375 = 7.305 exactly, half-even 7.30 (half-up would give 7.31);
    # 0.40 x 30.4375 = 12.175, half-even 12.18.
    payload = _payload()
    account = payload["applicantsData"][1]["bankingTransactionData"][0]["accountProperty"]
    account["accounts"][0]["transactions"] = [
        _cdr_transaction(Tx(1, "B1", "x", d("2025-01-01"), "-0.24", "J CITIZEN", "")),
        _cdr_transaction(Tx(1, "B1", "y", d("2025-01-01"), "0.40", "J CITIZEN", "")),
    ]
    payload["applicantsData"] = payload["applicantsData"][1:]
    body = _build(payload, table)["insightsHeader"]["reports"][0]
    assert body["reportHeader"]["numberOfDaysInReportingPeriod"] == 1
    totals = body["combinedSummary"]["combinedTotalSummary"]
    assert totals["debit"]["monthlyAverage"] == 7.30
    assert totals["credit"]["monthlyAverage"] == 12.18
    assert body["combinedSummary"]["netMonthlyPosition"] == {"2025-01": "0.16"}


def _example_report() -> Any:
    if not EXAMPLES.is_file():
        pytest.skip(f"the provider document is not there: {EXAMPLES}")
    text = EXAMPLES.read_text(encoding="utf-8")
    marker = "GET /cdr-data/v2/cdr-data/v2/banking-data-insights/{insightsId} HTTP/1.1"
    start = text.index("\n{", text.index(marker)) + 1
    example, _ = json.JSONDecoder().raw_decode(text[start:])
    return example


# Fields the engine writes as null when the data does not say (no balance data for the account,
# an employer not verified); everywhere else a value of the example's type.
NULLABLE = {
    "currentBalance",
    "availableBalance",
    "creditLimit",
    "latestEmployerVerifiedSalaryDate",
    "latestEmployerVerifiedSalaryAmount",
}


def _shape_problems(example: Any, actual: Any, path: str = "$") -> Iterator[str]:
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            yield f"{path}: expected an object"
        elif set(example) == {"ANY_ADDITIONAL_PROPERTY"}:
            for key, value in actual.items():
                yield from _shape_problems(
                    example["ANY_ADDITIONAL_PROPERTY"], value, f"{path}.{key}"
                )
        elif set(example) != set(actual):
            yield f"{path}: keys {sorted(set(actual) ^ set(example))} differ"
        else:
            for key in example:
                yield from _shape_problems(example[key], actual[key], f"{path}.{key}")
    elif isinstance(example, list):
        if not isinstance(actual, list):
            yield f"{path}: expected an array"
        else:
            for n, item in enumerate(actual):
                yield from _shape_problems(example[0], item, f"{path}[{n}]")
    elif actual is None:
        if path.rsplit(".", 1)[-1] not in NULLABLE:
            yield f"{path}: null"
    elif isinstance(example, bool):
        if not isinstance(actual, bool):
            yield f"{path}: expected a boolean"
    elif isinstance(example, int | float):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            yield f"{path}: expected a number, got {actual!r}"
    elif isinstance(example, str) and not isinstance(actual, str):
        yield f"{path}: expected a string, got {actual!r}"


def test_report_has_the_shape_of_the_documented_example(report: dict[str, Any]) -> None:
    example = _example_report()
    assert list(_shape_problems(example, report)) == []
    # Every array of the example is exercised by this payload (none is checked empty).
    body = report["insightsHeader"]["reports"][0]
    assert body["applicantSummary"]["applicants"][0]["alerts"]
    assert body["incomeSummary"]["applicants"][0]["IncomeInsights"]["inferentialIncomeInsights"]


def test_shape_checker_catches_differences(report: dict[str, Any]) -> None:
    example = _example_report()
    broken = json.loads(json.dumps(report))
    del broken["insightsHeader"]["reports"][0]["reportHeader"]["reportId"]
    broken["insightsHeader"]["reports"][0]["combinedSummary"]["currency"] = 1
    problems = list(_shape_problems(example, broken))
    assert len(problems) == 2


def test_the_documented_example_request_gives_a_report(table: CategoryTable) -> None:
    if not EXAMPLES.is_file():
        pytest.skip(f"the provider document is not there: {EXAMPLES}")
    text = EXAMPLES.read_text(encoding="utf-8")
    marker = "POST /cdr-data/v2/cdr-data/v2/banking-data-insights HTTP/1.1"
    start = text.index("\n{", text.index(marker)) + 1
    payload, _ = json.JSONDecoder().raw_decode(text[start:])
    body = _build(payload, table)["insightsHeader"]["reports"][0]
    assert body["reportHeader"]["reportingPeriodStartDate"] == "2022-10-12"
    assert body["reportHeader"]["numberOfDaysInReportingPeriod"] == 32
    assert body["combinedSummary"]["netMonthlyPosition"] == {
        "2022-10": "58.67",
        "2022-11": "100.00",
    }
    # The example's placeholder balances ("currentBalance") are not amounts: null.
    account = body["applicantSummary"]["applicants"][0]["applicantDetailedTransaction"]
    assert account["institutions"][0]["accounts"][0]["currentBalance"] is None


def test_report_is_deterministic_and_json(table: CategoryTable) -> None:
    first = json.dumps(_build(_payload(), table), sort_keys=False)
    second = json.dumps(_build(_payload(), table), sort_keys=False)
    assert first == second


def test_the_bundled_table_is_the_default(table: CategoryTable) -> None:
    default = build_report(
        _payload(),
        insights_id="c8c7d799-fe50-43bb-8e61-f08cd8a9434f",
        report_id="31456b3a-7cf4-41ee-b962-0242ac120002",
        client_id="mogoplus-sandbox-client",
        client_name="MogoPlus sandbox client",
        published_at=PUBLISHED,
    )
    assert default == _build(_payload(), table)


def test_undated_pending_transaction_takes_the_latest_date(table: CategoryTable) -> None:
    payload = _payload()
    b1 = payload["applicantsData"][1]["bankingTransactionData"][0]["accountProperty"]["accounts"][0]
    b1["transactions"].append(
        {"accountId": "B1", "transactionId": "pending", "isDetailAvailable": False,
         "type": "PAYMENT", "status": "PENDING", "description": "COLES 0420", "amount": "-9.99",
         "reference": ""}
    )  # fmt: skip
    body = _build(payload, table)["insightsHeader"]["reports"][0]
    assert body["reportHeader"]["reportingPeriodEndDate"] == END.isoformat()
    rows = body["applicantSummary"]["applicants"][1]["applicantDetailedTransaction"]
    last = rows["institutions"][0]["accounts"][0]["transactions"][-1]
    assert (last["transactionId"], last["transactionDate"]) == ("pending", END.isoformat())
    assert body["combinedSummary"]["combinedNumberOfTransactions"] == len(TXS) + 1


def test_an_amount_that_is_not_finite_is_refused(table: CategoryTable) -> None:
    payload = _payload()
    b1 = payload["applicantsData"][1]["bankingTransactionData"][0]["accountProperty"]["accounts"][0]
    b1["transactions"][0]["amount"] = "NaN"
    with pytest.raises(ReportInputError) as caught:
        _build(payload, table)
    assert caught.value.path == (
        "applicantsData[1].bankingTransactionData[0].accountProperty.accounts[0]"
        ".transactions[0].amount"
    )


# --- categorisation, one or more realistic transactions per rule family ------------------------

CASES = [
    # (amount, type, description, reference, merchantName, mcc, expected)
    ("3120.55", "TRANSFER_INCOMING", "ACME PTY LTD PAYROLL", "PAY 123", None, None, "SALARY_WAGES"),
    ("2400.00", "OTHER", "Salary March", "", None, None, "SALARY_WAGES"),
    ("812.40", "TRANSFER_INCOMING", "DIRECT CREDIT CENTRELINK", "FTB 12345", None, None,
     "GOVERNMENT_BENEFITS"),
    ("410.00", "TRANSFER_INCOMING", "SERVICES AUSTRALIA", "JOBSEEKER PAYMENT", None, None,
     "GOVERNMENT_BENEFITS"),
    ("1500.00", "TRANSFER_INCOMING", "AUSTRALIANSUPER", "PENSION PAYMENT", None, None,
     "PENSION_SUPER_INCOME"),
    ("250.00", "TRANSFER_INCOMING", "CSA CHILD SUPPORT", "", None, None, "OTHER_INCOME"),
    ("640.00", "TRANSFER_INCOMING", "UBER AUSTRALIA PTY", "Weekly earnings", None, None,
     "OTHER_INCOME"),
    ("-1950.00", "TRANSFER_OUTGOING", "Internet transfer", "Rent 3/14 High St", None, None, "RENT"),
    ("-480.00", "DIRECT_DEBIT", "RAY WHITE NEWTOWN", "", None, None, "RENT"),
    ("-2650.00", "DIRECT_DEBIT", "HOME LOAN REPAYMENT", "", None, None, "MORTGAGE"),
    ("-412.00", "PAYMENT", "CITY OF SYDNEY COUNCIL RATES", "", None, None, "RATES_STRATA"),
    ("-98.20", "PAYMENT", "WOOLWORTHS 3322 BONDI", "", "Woolworths", "5411", "GROCERIES"),
    ("-45.10", "PAYMENT", "ALDI STORES", "", None, None, "GROCERIES"),
    ("-23.00", "PAYMENT", "CORNER STORE", "", "Corner Store", "5499", "GROCERIES"),
    ("-18.50", "PAYMENT", "GUZMAN Y GOMEZ", "", None, "5814", "DINING"),
    ("-64.30", "PAYMENT", "SQ *THE LITTLE CAFE", "", None, "5812", "DINING"),
    ("-38.90", "PAYMENT", "UBER *EATS", "", None, None, "DINING"),
    ("-180.45", "DIRECT_DEBIT", "ORIGIN ENERGY", "", None, None, "UTILITIES"),
    ("-92.00", "PAYMENT", "SYDNEY WATER", "", "Sydney Water", "4900", "UTILITIES"),
    ("-75.00", "DIRECT_DEBIT", "TELSTRA CORP LTD", "", None, None, "TELCO"),
    ("-25.00", "PAYMENT", "ALDI MOBILE RECHARGE", "", None, None, "TELCO"),
    ("-145.00", "DIRECT_DEBIT", "MEDIBANK PRIVATE", "", None, None, "INSURANCE"),
    ("-88.00", "DIRECT_DEBIT", "AAMI CAR INSURANCE", "", None, None, "INSURANCE"),
    ("-60.00", "PAYMENT", "OPAL TOP UP", "", None, None, "TRANSPORT"),
    ("-72.35", "PAYMENT", "AMPOL FOODARY", "", None, "5541", "TRANSPORT"),
    ("-71.00", "PAYMENT", "COLES EXPRESS 1234", "", None, None, "TRANSPORT"),
    ("-19.40", "PAYMENT", "UBER *TRIP", "", None, None, "TRANSPORT"),
    ("-50.00", "PAYMENT", "SPORTSBET PTY LTD", "", None, None, "GAMBLING"),
    ("-20.00", "PAYMENT", "TABCORP", "", None, None, "GAMBLING"),
    ("-10.00", "PAYMENT", "ONLINE GAMES", "", None, "7995", "GAMBLING"),
    ("200.00", "TRANSFER_INCOMING", "LADBROKES WITHDRAWAL", "", None, None, "GAMBLING"),
    ("-37.50", "DIRECT_DEBIT", "AFTERPAY", "", None, None, "BNPL"),
    ("-25.00", "DIRECT_DEBIT", "ZIP MONEY PAYMENTS", "", None, None, "BNPL"),
    ("-350.00", "DIRECT_DEBIT", "PERSONAL LOAN REPAYMENT", "", None, None, "LOAN_REPAYMENTS"),
    ("-400.00", "TRANSFER_OUTGOING", "AMEX CARD PAYMENT", "", None, None, "LOAN_REPAYMENTS"),
    ("-120.00", "DIRECT_DEBIT", "NIMBLE AUSTRALIA", "", None, None, "PAYDAY_LENDERS"),
    ("-80.00", "DIRECT_DEBIT", "CASH CONVERTERS", "CASH ADVANCE", None, None, "PAYDAY_LENDERS"),
    ("-60.00", "PAYMENT", "CREDIT CORP COLLECTIONS", "", None, None, "DEBT_COLLECTION"),
    ("-15.00", "FEE", "DISHONOUR FEE", "", None, None, "DISHONOURS"),
    ("65.00", "OTHER", "RETURNED PAYMENT", "", None, None, "DISHONOURS"),
    ("-9.00", "FEE", "Unpaid item", "", None, None, "DISHONOURS"),
    ("-5.00", "FEE", "MONTHLY ACCOUNT FEE", "", None, None, "BANK_FEES"),
    ("-3.00", "FEE", "Service charge", "", None, None, "BANK_FEES"),
    ("-14.22", "INTEREST_CHARGED", "Purchases", "", None, None, "INTEREST_CHARGED"),
    ("2.15", "INTEREST_PAID", "Bonus interest", "", None, None, "INTEREST_EARNED"),
    ("-300.00", "TRANSFER_OUTGOING", "SUPERANNUATION CONTRIBUTION HOSTPLUS", "", None, None,
     "SUPER_CONTRIBUTIONS"),
    ("-500.00", "TRANSFER_OUTGOING", "COMMSEC SECURITIES", "", None, None, "INVESTMENTS"),
    ("-220.00", "DIRECT_DEBIT", "GOODSTART EARLY LEARNING", "", None, None, "CHILDCARE"),
    ("-1400.00", "PAYMENT", "SYDNEY GRAMMAR SCHOOL FEES", "", None, None, "EDUCATION"),
    ("-32.99", "PAYMENT", "CHEMIST WAREHOUSE", "", None, None, "HEALTH"),
    ("-16.99", "PAYMENT", "NETFLIX.COM", "", None, None, "ENTERTAINMENT"),
    ("-22.00", "PAYMENT", "HOYTS", "", None, "7832", "ENTERTAINMENT"),
    ("-129.00", "PAYMENT", "JB HI FI", "", None, None, "SHOPPING"),
    ("-45.00", "PAYMENT", "SOME BOUTIQUE", "", None, "5651", "SHOPPING"),
    ("-649.00", "PAYMENT", "QANTAS AIRWAYS", "", None, None, "TRAVEL"),
    ("-210.00", "PAYMENT", "BUDGET RENT A CAR", "", None, None, "TRAVEL"),
    ("-64.00", "PAYMENT", "DAN MURPHY'S 4410", "", None, None, "ALCOHOL_TOBACCO"),
    ("-1200.00", "PAYMENT", "ATO", "BPAY 551", None, None, "TAX"),
    ("845.00", "TRANSFER_INCOMING", "ATO TAX REFUND", "", None, None, "TAX"),
    ("45.00", "OTHER", "MYER REFUND", "", None, None, "REFUNDS"),
    ("-50.00", "PAYMENT", "RED CROSS DONATION", "", None, None, "CHARITY"),
    ("-200.00", "PAYMENT", "ATM WITHDRAWAL", "", None, None, "CASH"),
    ("-100.00", "PAYMENT", "CARD 1234", "", None, "6011", "CASH"),
    ("-150.00", "TRANSFER_OUTGOING", "Osko payment to J Smith", "", None, None, "TRANSFERS"),
    ("100.00", "TRANSFER_INCOMING", "Inter-account transfer", "Birthday money", None, None,
     "TRANSFERS"),
    ("-40.00", "PAYMENT", "J CITIZEN", "", None, None, "UNCATEGORISED_DEBIT"),
    ("40.00", "OTHER", "J CITIZEN", "", None, None, "UNCATEGORISED_CREDIT"),
    ("0.00", "OTHER", "CARD CHECK", "", None, None, "UNCATEGORISED_CREDIT"),
    ("-12.00", "PAYMENT", "RADIO RENTALS", "", None, None, "LOAN_REPAYMENTS"),
    # merchant name and reference count as much as the description
    ("-33.00", "PAYMENT", "VISA PURCHASE 4411", "", "Coles Supermarkets", None, "GROCERIES"),
    ("-33.00", "TRANSFER_OUTGOING", "Payment", "Sportsbet deposit", None, None, "GAMBLING"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "kind", "description", "reference", "merchant", "mcc", "expected"), CASES
)
def test_categorise(
    table: CategoryTable,
    amount: str,
    kind: str,
    description: str,
    reference: str,
    merchant: str | None,
    mcc: str | None,
    expected: str,
) -> None:
    txn: dict[str, Any] = {
        "accountId": "X",
        "transactionId": "t",
        "isDetailAvailable": False,
        "type": kind,
        "status": "POSTED",
        "description": description,
        "amount": amount,
        "reference": reference,
    }
    if merchant:
        txn["merchantName"] = merchant
    if mcc:
        txn["merchantCategoryCode"] = mcc
    category = table.categorise(txn)
    assert category.code == expected
    assert category.group == table.by_code[expected].group


def test_every_category_of_the_table_is_exercised(table: CategoryTable) -> None:
    codes = {case[-1] for case in CASES}
    assert codes == {c.code for c in table.categories}


def test_table_describes_its_categories_and_groups(table: CategoryTable) -> None:
    assert {c.code for c in table.categories if c.income} == INCOME_CODES
    assert {c.code for c in table.categories if c.alert} == ALERT_CODES
    assert {c.code for c in table.categories if c.default} == {
        "UNCATEGORISED_CREDIT",
        "UNCATEGORISED_DEBIT",
    }
    assert all(c.description and c.group_description for c in table.categories)
    assert load_table(TABLE_PATH) is table  # loaded once per process


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"category": "NOPE", "text": ["X"]}], "unknown category"),
        ([{"category": "A"}], "needs a type, mcc or keyword"),
        ([{"category": "A", "type": ["CARD"]}], "unknown"),
        ([{"category": "A", "mcc": ["54x1"]}], "not a code or a range"),
        ([{"category": "A", "text": ["X"], "colour": "red"}], "unknown keys"),
    ],
)
def test_malformed_tables_are_refused(rules: list[Any], message: str) -> None:
    document = {
        "groups": [{"code": "G", "description": "g"}],
        "categories": [
            {"code": "A", "group": "G", "description": "a"},
            {"code": "U", "group": "G", "description": "u"},
        ],
        "defaults": {"credit": "U", "debit": "U"},
        "rules": rules,
    }
    with pytest.raises(TableError, match=message):
        build_table(document)
