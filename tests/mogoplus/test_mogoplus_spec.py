"""Our MogoPlus spec (specs/mogoplus.yaml) against MogoPlus's document and the CDR types.

The document (``<root>/shared/provider-docs/mogoplus-insights-overview.txt`` and
``mogoplus-insights-examples.txt``, beside the checkout) is read at test time: the statuses it
lists per operation, its id pattern, its request paths, and its example request, accepted
response and reports, each validated against our schemas with the validators Connexion uses.
The submitted data is made of the official CDR banking types
(``<root>/shared/reference/cdr/v1.36.0-cds_banking.json``); the parts of our request schema
built from them are compared with them field by field (names, types, enums, defaults,
required lists), after dereferencing both. Without a source its checks skip with the reason.

Where the examples print a placeholder (``"text"``, ``"amount"``) in a field whose meaning
needs a date, an amount, a currency code or an id, the test substitutes a realistic value
(``SUBSTITUTIONS``, one comment each) and checks that the printed example fails exactly there.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.spec import Specification
from jsonschema import FormatChecker

from mockserver.core.errors import ApiError, oauth_error
from mockserver.core.specs import load_spec
from mockserver.providers.mogoplus.errors import envelope
from tests.support.openapi_doc import HTTP_METHODS

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
SPEC = ROOT / "specs" / "mogoplus.yaml"
OVERVIEW = SHARED / "provider-docs" / "mogoplus-insights-overview.txt"
EXAMPLES = SHARED / "provider-docs" / "mogoplus-insights-examples.txt"
CDR_BANKING = SHARED / "reference" / "cdr" / "v1.36.0-cds_banking.json"
BASE = "/mogoplus"
JSON = "application/json"
INSIGHTS = "/cdr-data/v2/banking-data-insights"

OPERATIONS: dict[tuple[str, str], str] = {
    ("post", "/api/v1/oauth2/token"): "token",
    ("post", INSIGHTS): "submit_insights",
    ("get", INSIGHTS + "/{insightsId}"): "get_insights",
    ("get", INSIGHTS + "/{insightsId}/orders/{orderId}"): "get_insights_order",
    ("delete", INSIGHTS + "/{insightsId}"): "purge_insights",
}
OPERATION_IDS = sorted(OPERATIONS.values())
INSIGHTS_OPERATIONS = [o for o in OPERATION_IDS if o != "token"]

# Every status each operation declares. The document's own lists (checked below from its text)
# plus: 404 where an id is read (the issue: unknown, purged, another client's), 400 on the
# DELETE (a malformed id fails the path pattern), and both 406 and 415 on the POST (the
# document's "Requested content type is not supported" may mean the Accept or the body's type).
ERRORS = {"400", "401", "403", "405", "406", "429", "500", "503"}
STATUSES: dict[str, set[str]] = {
    "token": {"200", "400", "401", "405", "415", "429", "500", "503"},
    "submit_insights": {"202", "415", "422"} | ERRORS,
    "get_insights": {"200", "204", "404"} | ERRORS,
    "get_insights_order": {"200", "204", "404"} | ERRORS,
    "purge_insights": {"204", "404"} | ERRORS,
}

# The CDR types' string formats (x-cds-type) and the patterns we enforce for them.
AMOUNT = r"^-?\d{1,16}\.\d{2,}$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
CURRENCY = "^[A-Z]{3}$"
CDS_PATTERNS = {
    "AmountString": AMOUNT,
    "DateString": DATE,
    "DateTimeString": DATE_TIME,
    "CurrencyString": CURRENCY,
}
CDS_MINIMUMS = {"PositiveInteger": 1, "NaturalNumber": 0}

# Where the request schema is made of CDR types: a path through the request's properties ("[]"
# for an array's items) and the reference type found there.
ACCOUNT = ("applicantsData", "[]", "bankingTransactionData", "[]", "accountProperty", "accounts")
CDR_ROOTS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    # name: (our path, reference schema, property path inside the reference schema)
    "account": ((*ACCOUNT, "[]"), "BankingAccountDetailV5", ()),
    "balance": ((*ACCOUNT, "[]", "balance"), "BankingBalance", ()),
    "transaction": ((*ACCOUNT, "[]", "transactions", "[]"), "BankingTransactionV2", ()),
    "transaction-detail": (
        (*ACCOUNT, "[]", "transactions", "[]", "extendedData"),
        "BankingTransactionDetailV3",
        ("extendedData",),
    ),
    "direct-debit": ((*ACCOUNT, "[]", "directDebitAuthorisations", "[]"), "BankingDirectDebit", ()),
    "scheduled-payment": (
        (*ACCOUNT, "[]", "scheduledPayments", "[]"),
        "BankingScheduledPaymentV2",
        (),
    ),
}
# Properties ours adds to a CDR type: the account's datasets, and a transaction's detail.
CDR_EXTRAS: dict[str, set[str]] = {
    "account": {"balance", "transactions", "directDebitAuthorisations", "scheduledPayments"},
    "transaction": {"extendedData"},
}
# Product-level structures of the account detail, accepted as sent (arrays of open objects):
# the analysis never reads them, and their CDR types run to hundreds of fields.
OPAQUE = {"depositRates", "lendingRates", "features", "fees", "addresses"}

# -- the examples' placeholders, and what the test puts in their place ----------------------------

A = "applicantsData.0"
ACC = A + ".bankingTransactionData.0.accountProperty.accounts.0"
SP = ACC + ".scheduledPayments.0"
REQUEST_SUBSTITUTIONS: dict[str, Any] = {
    # "text": the field is an e-mail address (format: email).
    A + ".applicant.emailAddress": "jane.citizen@example.com",
    # "text": declared amounts' currencies are ISO 4217 codes.
    A + ".applicant.declaredIncome.currency": "AUD",
    A + ".applicant.declaredExpenses.currency": "AUD",
    # "text": CDR DateString.
    ACC + ".creationDate": "2019-07-01",
    # The field's own name as its value ("amount", "currency"): CDR AmountString and
    # CurrencyString in the balance and its purses.
    ACC + ".balance.purses.0.amount": "120.00",
    ACC + ".balance.purses.0.currency": "USD",
    ACC + ".balance.purses.1.amount": "80.00",
    ACC + ".balance.purses.1.currency": "NZD",
    ACC + ".balance.amortisedLimit": "0.00",
    ACC + ".balance.currentBalance": "1520.35",
    ACC + ".balance.creditLimit": "0.00",
    ACC + ".balance.currency": "AUD",
    ACC + ".balance.availableBalance": "1520.35",
    # The field's name as its value: CDR AmountString and DateTimeString.
    ACC + ".directDebitAuthorisations.0.lastDebitAmount": "89.95",
    ACC + ".directDebitAuthorisations.0.lastDebitDateTime": "2022-10-03T09:00:00Z",
    # The field's name as its value: CDR DateString.
    SP + ".recurrence.nextPaymentDate": "2022-11-01",
    SP + ".recurrence.onceOff.paymentDate": "2022-11-01",
    SP + ".recurrence.intervalSchedule.finalPaymentDate": "2023-10-01",
    SP + ".recurrence.lastWeekDay.finalPaymentDate": "2023-10-27",
    # The field's name as its value: CDR AmountString and CurrencyString.
    SP + ".paymentSet.0.amount": "250.00",
    SP + ".paymentSet.0.currency": "AUD",
    SP + ".paymentSet.1.amount": "75.50",
    SP + ".paymentSet.1.currency": "AUD",
}
ACCEPTED_SUBSTITUTIONS: dict[str, Any] = {
    # "text": the insightsId is an id of the document's V4 UUID pattern.
    "data.insightsId.insightsId": "c8c7d799-fe50-43bb-8e61-f08cd8a9434f",
}
R = "insightsHeader.reports.0"
AS = R + ".applicantSummary.applicants.0"
IS = R + ".incomeSummary.applicants.0"
INFERRED = IS + ".IncomeInsights.inferentialIncomeInsights.0"
REPORT_SUBSTITUTIONS: dict[str, Any] = {
    # "text": ids of the document's V4 UUID pattern.
    "insightsHeader.insightsId": "c8c7d799-fe50-43bb-8e61-f08cd8a9434f",
    R + ".reportHeader.reportId": "9e58813c-7c2a-11ee-b962-0242ac120002",
    # "text": publish dates are instants (RFC 3339 date-times).
    "insightsHeader.insightsPublishDate": "2024-07-01T09:30:00Z",
    R + ".reportHeader.reportPublishDate": "2024-07-01T09:30:00Z",
    # "text": the reporting period's bounds are dates.
    R + ".reportHeader.reportingPeriodStartDate": "2023-07-01",
    R + ".reportHeader.reportingPeriodEndDate": "2024-06-30",
    # "text": currencies are ISO 4217 codes.
    R + ".combinedSummary.currency": "AUD",
    R + ".combinedSummary.combinedIncomeInsights.basicIncomeInsights.currency": "AUD",
    AS + ".currency": "AUD",
    IS + ".IncomeInsights.basicIncomeInsights.currency": "AUD",
    # {"ANY_ADDITIONAL_PROPERTY": "text"}: a net position per month, `YYYY-MM` to an amount as
    # a decimal string (the example types the values as text).
    R + ".combinedSummary.netMonthlyPosition": {"2024-05": "410.25", "2024-06": "-120.50"},
    AS + ".netMonthlyPosition": {"2024-05": "410.25", "2024-06": "-120.50"},
    # {"ANY_ADDITIONAL_PROPERTY": "text"}: income per bucket, a name to an amount (text too).
    R + ".combinedSummary.combinedIncomeInsights.basicIncomeInsights.incomeBuckets": {
        "SALARY_AND_WAGES": "5200.00"
    },
    IS + ".IncomeInsights.basicIncomeInsights.incomeBuckets": {"SALARY_AND_WAGES": "5200.00"},
    # "text": transaction dates, and their ISO 4217 currency.
    AS + ".applicantDetailedTransaction.institutions.0.accounts.0.transactions.0"
    ".transactionDate": "2024-06-14",
    AS + ".applicantDetailedTransaction.institutions.0.accounts.0.transactions.0"
    ".transactionCurrency": "AUD",
    AS + ".alerts.0.transactions.0.transactionDate": "2024-06-02",
    AS + ".alerts.0.transactions.0.transactionCurrency": "AUD",
    # "text": dates of salary and income.
    IS + ".employmentInsights.0.latestEmployerVerifiedSalaryDate": "2024-06-14",
    INFERRED + ".regularity.incomeDates.0": "2024-06-14",
    INFERRED + ".reliability.incomeAmounts.0.date": "2024-06-14",
}

# The document's examples: (method, our path) -> the JSON documents printed after the request.
EXAMPLES_OF = {
    "request": ("post", INSIGHTS, 0, REQUEST_SUBSTITUTIONS),
    "accepted": ("post", INSIGHTS, 1, ACCEPTED_SUBSTITUTIONS),
    "report": ("get", INSIGHTS + "/{insightsId}", 0, REPORT_SUBSTITUTIONS),
    "order-report": ("get", INSIGHTS + "/{insightsId}/orders/{orderId}", 0, REPORT_SUBSTITUTIONS),
}


# -- the spec -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec(SPEC, BASE).document


def resolve(document: dict[str, Any], node: Any) -> Any:
    """``node`` with every local ``$ref`` replaced, all the way down, and each ``allOf`` merged
    into one schema (properties and required lists united, the outer keywords winning)."""
    if isinstance(node, list):
        return [resolve(document, value) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(document, target)
    resolved = {key: resolve(document, value) for key, value in node.items()}
    parts = resolved.pop("allOf", None)
    if parts is None:
        return resolved
    merged: dict[str, Any] = {}
    for part in [*parts, resolved]:
        properties = {**merged.get("properties", {}), **part.get("properties", {})}
        required = [*merged.get("required", []), *part.get("required", [])]
        merged.update(part)
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = sorted(set(required))
    return merged


@pytest.fixture(scope="module")
def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each operation by operationId, resolved, with its path item's parameters merged."""
    found: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                operation = resolve(spec, item[method])
                shared = resolve(spec, item.get("parameters", []))
                operation["parameters"] = shared + operation.get("parameters", [])
                operation["method"], operation["path"] = method, path
                found[operation["operationId"]] = operation
    return found


def parameter(operation: dict[str, Any], location: str, name: str) -> dict[str, Any] | None:
    for param in operation["parameters"]:
        if param["in"] == location and param["name"] == name:
            return dict(param)
    return None


def body_schema(operation: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """The request body's schema, or (with ``status``) that response's JSON schema."""
    holder = operation["requestBody"] if status is None else operation["responses"][status]
    schema: dict[str, Any] = holder["content"][JSON]["schema"]
    return schema


def _date_time(value: object) -> bool:
    if isinstance(value, str):
        if not re.match(DATE_TIME, value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


def _email(value: object) -> bool:
    return (
        not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None
    )


def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


# Connexion checks formats with jsonschema's Draft 4 checker, which knows e-mail but neither
# date, date-time nor uri; the examples are held to all of them here (the patterns enforce the
# dates at run time).
FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(_date_time)
FORMATS.checks("date", raises=ValueError)(_date)
FORMATS.checks("email")(_email)
FORMATS.checks("uri")(_uri)


def schema_errors(schema: dict[str, Any], instance: Any, *, response: bool) -> set[str]:
    """The paths (``a.0.b``, ``<root>``) at which ``instance`` breaks ``schema``."""
    validator_class = Draft4ResponseValidator if response else Draft4RequestValidator
    validator = validator_class(schema, format_checker=FORMATS)
    return {
        ".".join(str(part) for part in error.absolute_path) or "<root>"
        for error in validator.iter_errors(instance)
    }


def test_the_spec_is_valid_openapi(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    assert spec["servers"] == [{"url": BASE}]
    Specification.from_dict(load_spec(SPEC, BASE).for_connexion)


def test_operations_and_paths(spec: dict[str, Any]) -> None:
    found = {
        (method, path): item[method]["operationId"]
        for path, item in spec["paths"].items()
        for method in HTTP_METHODS
        if method in item
    }
    assert found == OPERATIONS


def test_security(spec: dict[str, Any], operations: dict[str, dict[str, Any]]) -> None:
    assert spec["security"] == [{"MogoPlusToken": []}]
    scheme = spec["components"]["securitySchemes"]["MogoPlusToken"]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["clientCredentials"]
    assert flow == {"tokenUrl": BASE + "/api/v1/oauth2/token", "scopes": {}}
    module, _, name = scheme["x-tokenInfoFunc"].rpartition(".")
    assert (module, name) == ("mockserver.core.oauth.endpoints", "token_info")
    assert callable(getattr(importlib.import_module(module), name))
    assert operations["token"]["security"] == []
    for operation_id in INSIGHTS_OPERATIONS:
        # The document names no scopes: every insights operation takes any valid token.
        assert operations[operation_id].get("security", spec["security"]) == spec["security"]


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_every_operation_takes_the_sandbox_headers(
    operations: dict[str, dict[str, Any]], spec: dict[str, Any], operation_id: str
) -> None:
    operation = operations[operation_id]
    for name in ("X-Sandbox-Namespace", "x-fapi-interaction-id"):
        header = parameter(operation, "header", name)
        assert header is not None and header["required"] is False, name
    templated = re.findall(r"\{(\w+)\}", operation["path"])
    path_params = [p for p in operation["parameters"] if p["in"] == "path"]
    assert sorted(p["name"] for p in path_params) == sorted(templated)
    uuid = spec["components"]["schemas"]["V4Uuid"]["pattern"]
    for param in path_params:
        assert param["required"] is True
        assert param["schema"]["pattern"] == uuid, param["name"]
    for status, response in operation["responses"].items():
        assert "x-fapi-interaction-id" in response.get("headers", {}), status


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_declared_statuses(operations: dict[str, dict[str, Any]], operation_id: str) -> None:
    assert set(operations[operation_id]["responses"]) == STATUSES[operation_id]


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_error_responses_are_the_cdr_envelope(
    operations: dict[str, dict[str, Any]], spec: dict[str, Any], operation_id: str
) -> None:
    envelope_schema = resolve(spec, spec["components"]["schemas"]["ResponseErrorListV2"])
    oauth = resolve(spec, spec["components"]["schemas"]["OAuthError"])
    operation = operations[operation_id]
    for status in sorted(operation["responses"]):
        if status.startswith("2"):
            continue
        schema = body_schema(operation, status)
        if operation_id == "token" and status == "400":
            # An OAuth error from the grant, or the CDR list when the form itself is unreadable.
            assert schema == {"anyOf": [oauth, envelope_schema]}
        elif operation_id == "token" and status == "401":
            assert schema == oauth
        else:
            assert schema == envelope_schema, status
    if "401" in operation["responses"]:
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    assert "Allow" in operation["responses"]["405"]["headers"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_the_envelope_schema_is_what_the_server_renders(spec: dict[str, Any]) -> None:
    schema = resolve(spec, spec["components"]["schemas"]["ResponseErrorListV2"])
    for error in (
        ApiError(400, "'x' is not of type 'number'", path="applicantsData.0.applicant"),
        ApiError(401, "the token has expired"),
        ApiError(403, "forbidden"),
        ApiError(404, "insights 1 not found", path="insightsId"),
        ApiError(405, "Method Not Allowed"),
        ApiError(406, "Not Acceptable"),
        ApiError(415, "Unsupported Media Type"),
        ApiError(422, "transaction data is required", path="applicantsData"),
        ApiError(429, "rate limit exceeded"),
        ApiError(500, "boom"),
        ApiError(503, "down for maintenance"),
        ApiError(409, "another", code="urn:au-cds:error:cds-all:GeneralError/Expected"),
    ):
        body = envelope(error, "4b7a2e1c-0000-4000-8000-000000000000")
        assert schema_errors(schema, body, response=True) == set(), error
    # Shapes that are not the envelope, including the CDR's optional error `meta`, which our
    # server never renders.
    assert schema_errors(schema, {"errors": []}, response=True) == {"errors"}
    extra = {"errors": [{"code": "c", "title": "t", "detail": "d", "meta": {"urn": "u"}}]}
    assert schema_errors(schema, extra, response=True) == {"errors.0"}
    assert schema_errors(schema, {"error": "invalid_client"}, response=True) == {"<root>"}


def test_the_token_endpoint(spec: dict[str, Any], operations: dict[str, dict[str, Any]]) -> None:
    operation = operations["token"]
    form = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert operation["requestBody"]["required"] is True
    assert form["required"] == ["grant_type"]
    # No enum: an unsupported grant type gets the OAuth error unsupported_grant_type.
    assert "enum" not in form["properties"]["grant_type"]
    assert set(form["properties"]) == {"grant_type", "scope", "client_id", "client_secret"}
    good = {"access_token": "eyJ.a.b", "token_type": "Bearer", "expires_in": 3600, "scope": ""}
    assert schema_errors(body_schema(operation, "200"), good, response=True) == set()
    assert schema_errors(body_schema(operation, "200"), {"access_token": "x"}, response=True) == {
        "<root>"
    }
    for status, error in (
        ("400", oauth_error(400, "unsupported_grant_type", "grant_type 'password'")),
        ("400", oauth_error(400, "invalid_scope", "not allowed")),
        ("401", oauth_error(401, "invalid_client", "unknown client 'x'")),
    ):
        assert schema_errors(body_schema(operation, status), error.body, response=True) == set()
    cdr = envelope(ApiError(400, "missing grant_type", path="grant_type"), None)
    assert schema_errors(body_schema(operation, "400"), cdr, response=True) == set()


@pytest.mark.parametrize("operation_id", ["get_insights", "get_insights_order", "purge_insights"])
def test_no_content_answers_have_no_body(
    operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    assert "content" not in operations[operation_id]["responses"]["204"]


def test_the_submission_contract(operations: dict[str, dict[str, Any]]) -> None:
    schema = body_schema(operations["submit_insights"])
    assert operations["submit_insights"]["requestBody"]["required"] is True
    assert list(operations["submit_insights"]["requestBody"]["content"]) == [JSON]
    assert schema["required"] == ["meta", "applicantsData"]
    meta = schema["properties"]["meta"]
    assert set(meta["properties"]) == {"orderIds", "clientId", "reference", "applicationType"}
    order_ids = meta["properties"]["orderIds"]
    assert (order_ids["minItems"], order_ids["uniqueItems"]) == (1, True)
    applicant_data = schema["properties"]["applicantsData"]["items"]
    assert set(applicant_data["properties"]) == {"applicant", "bankingTransactionData"}
    datasets = walk(schema, (*ACCOUNT, "[]"))["properties"]
    # Accounts and transactions are the minimum; the other datasets are optional.
    assert CDR_EXTRAS["account"] <= set(datasets)
    amount = walk(schema, (*ACCOUNT, "[]", "transactions", "[]", "amount"))
    for good in ("0.01", "-58.67", "100.00", "1234567890123456.125"):
        assert schema_errors(amount, good, response=False) == set(), good
    for bad in ("58.6", "100", "1,000.00", "+1.00", "amount", "12345678901234567.00"):
        assert schema_errors(amount, bad, response=False) == {"<root>"}, bad


def walk(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """The resolved schema at ``path`` (property names, "[]" for an array's items)."""
    node = schema
    for step in path:
        node = node["items"] if step == "[]" else node["properties"][step]
    return node


# -- the document ---------------------------------------------------------------------------------


@cache
def read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def require(path: Path) -> str:
    text = read(path)
    if text is None:
        pytest.skip(f"MogoPlus's document is not at {path}")
    return text


REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.1$", re.MULTILINE)
HEADER_LINE = re.compile(r"^[A-Za-z-]+: .*$")
DOUBLED = "/cdr-data/v2/cdr-data/v2/"


def printed_exchanges(text: str) -> dict[tuple[str, str], list[Any]]:
    """Each printed request, by method and our path, with the JSON documents printed after it
    (the request body, then the response), up to the next request or prose."""
    found: dict[tuple[str, str], list[Any]] = {}
    matches = list(REQUEST_LINE.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)]
    decoder = json.JSONDecoder()
    for match, end in zip(matches, ends, strict=True):
        # The document's page generator doubles the base path; ours is single.
        path = match[2].replace(DOUBLED, "/cdr-data/v2/")
        lines = text[match.end() : end].lstrip("\n").split("\n")
        while lines and HEADER_LINE.match(lines[0]):
            lines.pop(0)
        rest, position, documents = "\n".join(lines), 0, []
        while position < len(rest) and rest[position] == "{":
            document, position = decoder.raw_decode(rest, position)
            documents.append(document)
            while position < len(rest) and rest[position].isspace():
                position += 1
        found[(match[1].lower(), path)] = documents
    return found


@pytest.fixture(scope="module")
def exchanges() -> dict[tuple[str, str], list[Any]]:
    return printed_exchanges(require(EXAMPLES))


def test_the_parser_reads_printed_exchanges() -> None:
    text = (
        "POST /cdr-data/v2/cdr-data/v2/x HTTP/1.1\nHost: h\nContent-Type: application/json\n"
        '{\n"a": {"b": [1]}\n}\n{\n"c": "d {"\n}\nProse {not json}\n'
        "DELETE /y HTTP/1.1\nAccept: */*\nNo content\n{}\n"
    )
    assert printed_exchanges(text) == {
        ("post", "/cdr-data/v2/x"): [{"a": {"b": [1]}}, {"c": "d {"}],
        ("delete", "/y"): [],
    }


def test_the_document_prints_our_operations(exchanges: dict[tuple[str, str], list[Any]]) -> None:
    assert set(exchanges) == {key for key in OPERATIONS if key[1].startswith(INSIGHTS)}
    counts = {key: len(documents) for key, documents in exchanges.items()}
    assert counts == {
        ("post", INSIGHTS): 2,  # the request and the accepted response
        ("get", INSIGHTS + "/{insightsId}"): 1,
        ("get", INSIGHTS + "/{insightsId}/orders/{orderId}"): 1,
        ("delete", INSIGHTS + "/{insightsId}"): 0,  # "No content"
    }


def test_the_id_pattern_is_the_documents(spec: dict[str, Any]) -> None:
    text = require(OVERVIEW) + require(EXAMPLES)
    printed = set(re.findall(r"\^\[0-9a-f\]\{8\}[^$\s]*\$", text))
    assert printed == {spec["components"]["schemas"]["V4Uuid"]["pattern"]}


# Each phrase of the overview's response lists, and the statuses it stands for.
PHRASES: dict[str, set[str]] = {
    "Data received successfully and accepted for processing": {"202"},
    "The banking data insights report": {"200"},
    "will return a 204": {"204"},
    "Purge completed successfully": {"204"},
    "Invalid input or arguments": {"400"},
    "Invalid credentials": {"401"},
    "access to the resource is forbidden": {"403"},
    "Unsupported HTTP method sent": {"405"},
    "Requested content type is not supported": {"406"},
    "content contains errors": {"422"},
    "too many requests": {"429"},
    "API encountered an error processing the request": {"500"},
    "The API is not currently available": {"503"},
}
# The operation each overview section describes, by its first words.
SECTION_STARTS = {
    "This endpoint is provided to allow": "submit_insights",
    "This endpoint provides the insights report": "get_insights",  # or the order's: 2 ids
    "Allows an API consumer to purge": "purge_insights",
}


def overview_sections(text: str) -> dict[str, str]:
    starts = sorted(
        (match.start(), operation_id)
        for lead, operation_id in SECTION_STARTS.items()
        for match in re.finditer(re.escape(lead), text)
    )
    sections: dict[str, str] = {}
    ends = [start for start, _ in starts[1:]] + [len(text)]
    for (start, operation_id), end in zip(starts, ends, strict=True):
        body = text[start:end]
        if operation_id == "get_insights" and body.count("A valid V4 UUID") == 2:
            operation_id = "get_insights_order"
        assert operation_id not in sections, f"two sections for {operation_id}"
        sections[operation_id] = body
    return sections


@pytest.mark.parametrize("operation_id", INSIGHTS_OPERATIONS)
def test_documented_statuses_are_declared(
    operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    section = overview_sections(require(OVERVIEW))[operation_id]
    documented = {s for phrase, statuses in PHRASES.items() if phrase in section for s in statuses}
    assert documented, f"{operation_id}: no statuses found in the overview"
    assert documented <= set(operations[operation_id]["responses"])
    # The content type phrase on the POST covers both readings: 406 (Accept) and 415 (body).
    if "Requested content type is not supported" in section and operation_id == "submit_insights":
        assert {"406", "415"} <= set(operations[operation_id]["responses"])


# -- the examples ---------------------------------------------------------------------------------


def example(
    exchanges: dict[tuple[str, str], list[Any]], name: str
) -> tuple[Any, dict[str, Any], bool]:
    """The printed example, its substitutions, and whether it is a response."""
    method, path, index, substitutions = EXAMPLES_OF[name]
    return exchanges[(method, path)][index], substitutions, index == 1 or method == "get"


def example_schema(operations: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    method, path, _, _ = EXAMPLES_OF[name]
    operation = operations[OPERATIONS[(method, path)]]
    if name == "request":
        return body_schema(operation)
    return body_schema(operation, "202" if method == "post" else "200")


def substituted(document: Any, substitutions: dict[str, Any]) -> Any:
    result = copy.deepcopy(document)
    for path, value in substitutions.items():
        *parents, last = path.split(".")
        node = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            assert last in node, path
            node[last] = value
    return result


def value_at(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def undeclared(schema: dict[str, Any], instance: Any, path: str = "") -> Iterator[str]:
    """Keys of ``instance`` that ``schema`` does not declare (our objects are open, so
    validation alone would not notice a misnamed field)."""
    if isinstance(instance, dict) and "properties" in schema:
        for key, value in instance.items():
            if key in schema["properties"]:
                yield from undeclared(schema["properties"][key], value, f"{path}.{key}")
            else:
                yield f"{path}.{key}"
    elif isinstance(instance, list) and "items" in schema:
        for index, value in enumerate(instance):
            yield from undeclared(schema["items"], value, f"{path}.{index}")


def unshown(schema: dict[str, Any], instance: Any, path: str = "") -> Iterator[str]:
    """Properties ``schema`` declares that the example ``instance`` does not show."""
    if isinstance(instance, dict) and "properties" in schema:
        for key, sub in schema["properties"].items():
            if key not in instance:
                yield f"{path}.{key}"
            else:
                yield from unshown(sub, instance[key], f"{path}.{key}")
    elif isinstance(instance, list) and "items" in schema:
        for index, value in enumerate(instance):
            yield from unshown(schema["items"], value, f"{path}.{index}")


@pytest.mark.parametrize("name", sorted(EXAMPLES_OF))
def test_the_example_validates(
    exchanges: dict[tuple[str, str], list[Any]],
    operations: dict[str, dict[str, Any]],
    name: str,
) -> None:
    printed, substitutions, response = example(exchanges, name)
    schema = example_schema(operations, name)
    assert schema_errors(schema, substituted(printed, substitutions), response=response) == set()


@pytest.mark.parametrize("name", sorted(EXAMPLES_OF))
def test_the_example_fails_only_at_its_placeholders(
    exchanges: dict[tuple[str, str], list[Any]],
    operations: dict[str, dict[str, Any]],
    name: str,
) -> None:
    printed, substitutions, response = example(exchanges, name)
    errors = schema_errors(example_schema(operations, name), printed, response=response)

    def under(error: str, path: str) -> bool:
        return error == path or error.startswith(path + ".")

    unexplained = {e for e in errors if not any(under(e, p) for p in substitutions)}
    assert unexplained == set(), "the printed example fails where nothing is substituted"
    unneeded = {p for p in substitutions if not any(under(e, p) for e in errors)}
    assert unneeded == set(), "substitutions the printed example does not need"
    for path in substitutions:
        # Each substitution replaces a placeholder: "text", the field's own name, or a map of
        # ANY_ADDITIONAL_PROPERTY to "text".
        value = value_at(printed, path)
        field_name = path.rsplit(".", 1)[-1]
        assert value in ("text", field_name, {"ANY_ADDITIONAL_PROPERTY": "text"}), path


@pytest.mark.parametrize("name", sorted(EXAMPLES_OF))
def test_the_example_shows_our_fields(
    exchanges: dict[tuple[str, str], list[Any]],
    operations: dict[str, dict[str, Any]],
    name: str,
) -> None:
    printed, substitutions, _ = example(exchanges, name)
    document = substituted(printed, substitutions)
    schema = example_schema(operations, name)
    assert list(undeclared(schema, document)) == []
    if name != "request":
        # The report and the accepted response are the example's shape, every field: the
        # example shows every one of ours. (The request's CDR types have more than it shows.)
        assert list(unshown(schema, document)) == []


def test_both_printed_reports_are_the_same(exchanges: dict[tuple[str, str], list[Any]]) -> None:
    whole = exchanges[("get", INSIGHTS + "/{insightsId}")][0]
    order = exchanges[("get", INSIGHTS + "/{insightsId}/orders/{orderId}")][0]
    assert whole == order


# -- the CDR types --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    text = read(CDR_BANKING)
    if text is None:
        pytest.skip(f"the CDR banking reference is not at {CDR_BANKING}")
    document: dict[str, Any] = json.loads(text)
    return document


def compare(
    ours: dict[str, Any], theirs: dict[str, Any], where: str, extras: set[str]
) -> list[str]:
    """How the resolved schema ``ours`` differs from the resolved CDR schema ``theirs``."""
    problems: list[str] = []
    name = where.rsplit(".", 1)[-1]
    if ours.get("type") != theirs.get("type"):
        problems.append(f"{where}: type {ours.get('type')} != {theirs.get('type')}")
    if ours.get("enum") != theirs.get("enum"):
        problems.append(f"{where}: enum {ours.get('enum')} != {theirs.get('enum')}")
    if ours.get("default") != theirs.get("default"):
        problems.append(f"{where}: default {ours.get('default')} != {theirs.get('default')}")
    cds_type = theirs.get("x-cds-type")
    if cds_type in CDS_PATTERNS and ours.get("pattern") != CDS_PATTERNS[cds_type]:
        problems.append(f"{where}: a {cds_type} without its pattern")
    if cds_type in CDS_MINIMUMS and ours.get("minimum") != CDS_MINIMUMS[cds_type]:
        problems.append(f"{where}: a {cds_type} without minimum {CDS_MINIMUMS[cds_type]}")
    if name in OPAQUE:
        # Accepted as sent: an array of open objects.
        if ours.get("items") != {"type": "object"}:
            problems.append(f"{where}: expected an array of open objects")
        return problems
    if theirs.get("type") == "object" or "properties" in theirs:
        mine, cdr = set(ours.get("properties", {})), set(theirs.get("properties", {}))
        if missing := sorted(cdr - mine):
            problems.append(f"{where}: missing properties {missing}")
        if extra := sorted(mine - extras - cdr):
            problems.append(f"{where}: properties not in the CDR type {extra}")
        if set(ours.get("required", [])) != set(theirs.get("required", [])):
            problems.append(
                f"{where}: required {ours.get('required', [])} != {theirs.get('required', [])}"
            )
        for key in sorted(mine & cdr):
            problems += compare(
                ours["properties"][key], theirs["properties"][key], f"{where}.{key}", set()
            )
    if theirs.get("type") == "array":
        problems += compare(ours.get("items", {}), theirs["items"], f"{where}[]", set())
    return problems


@pytest.mark.parametrize("root", sorted(CDR_ROOTS))
def test_the_request_is_made_of_the_cdr_types(
    operations: dict[str, dict[str, Any]], reference: dict[str, Any], root: str
) -> None:
    our_path, reference_name, inner = CDR_ROOTS[root]
    ours = walk(body_schema(operations["submit_insights"]), our_path)
    theirs = resolve(reference, reference["components"]["schemas"][reference_name])
    for step in inner:
        theirs = theirs["properties"][step]
    assert compare(ours, theirs, reference_name, CDR_EXTRAS.get(root, set())) == []


def test_the_comparison_notices_differences(reference: dict[str, Any]) -> None:
    theirs = resolve(reference, reference["components"]["schemas"]["BankingBalancePurse"])
    ours = {
        "type": "object",
        "required": [],
        "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}, "x": {}},
    }
    assert compare(ours, theirs, "purse", set()) == [
        "purse: properties not in the CDR type ['x']",
        "purse: required [] != ['amount']",
        "purse.amount: type number != string",
        "purse.amount: a AmountString without its pattern",
        "purse.currency: a CurrencyString without its pattern",
    ]
