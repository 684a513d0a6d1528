"""Our AIS spec (specs/openbanking_uk_aisp.yaml) against the official OBIE v3.1.11 one.

The reference is read from beside the checkout (``<root>/shared/reference/...`` next to
``<root>/main``); without it the comparisons skip. The seed document's example responses are
copied in below, so checking them, and our own additions, needs nothing outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from mockserver.core.specs import load_spec
from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import bearer, client_token
from tests.support.openapi_doc import deref, operations

SPEC = Path(__file__).resolve().parents[2] / "specs" / "openbanking_uk_aisp.yaml"
REFERENCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "openbanking-uk"
    / "v3.1.11r5-account-info-openapi.json"
)
AISP = "/ob/open-banking/v3.1/aisp"
JSON_UTF8 = "application/json; charset=utf-8"
RFC7231_DATE = (
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC)$"
)

# Every AIS operation of v3.1.11, and the handler (operationId) that serves it.
OPERATIONS: dict[tuple[str, str], str] = {
    ("post", "/account-access-consents"): "create_account_access_consent",
    ("get", "/account-access-consents/{ConsentId}"): "get_account_access_consent",
    ("delete", "/account-access-consents/{ConsentId}"): "delete_account_access_consent",
    ("get", "/accounts"): "get_accounts",
    ("get", "/accounts/{AccountId}"): "get_account",
    ("get", "/accounts/{AccountId}/balances"): "get_account_balances",
    ("get", "/balances"): "get_balances",
    ("get", "/accounts/{AccountId}/beneficiaries"): "get_account_beneficiaries",
    ("get", "/beneficiaries"): "get_beneficiaries",
    ("get", "/accounts/{AccountId}/direct-debits"): "get_account_direct_debits",
    ("get", "/direct-debits"): "get_direct_debits",
    ("get", "/accounts/{AccountId}/offers"): "get_account_offers",
    ("get", "/offers"): "get_offers",
    ("get", "/accounts/{AccountId}/parties"): "get_account_parties",
    ("get", "/accounts/{AccountId}/party"): "get_account_party",
    ("get", "/party"): "get_party",
    ("get", "/accounts/{AccountId}/product"): "get_account_product",
    ("get", "/products"): "get_products",
    ("get", "/accounts/{AccountId}/scheduled-payments"): "get_account_scheduled_payments",
    ("get", "/scheduled-payments"): "get_scheduled_payments",
    ("get", "/accounts/{AccountId}/standing-orders"): "get_account_standing_orders",
    ("get", "/standing-orders"): "get_standing_orders",
    ("get", "/accounts/{AccountId}/statements"): "get_account_statements",
    ("get", "/accounts/{AccountId}/statements/{StatementId}"): "get_account_statement",
    ("get", "/accounts/{AccountId}/statements/{StatementId}/file"): "get_account_statement_file",
    (
        "get",
        "/accounts/{AccountId}/statements/{StatementId}/transactions",
    ): "get_account_statement_transactions",
    ("get", "/statements"): "get_statements",
    ("get", "/accounts/{AccountId}/transactions"): "get_account_transactions",
    ("get", "/transactions"): "get_transactions",
}
OPERATION_KEYS = sorted(OPERATIONS)
IDS = [f"{method.upper()} {path}" for method, path in OPERATION_KEYS]

# Where we knowingly differ from the reference's schemas. OB_CodeMnemonic's pattern is written
# with a doubled backslash there (it matches only a literal backslash); ours is the intended
# four word characters, as in v3.1.1 and in v3.1.11's other code fields.
PATTERN_FIXES = {r"^\\w{0,4}$": r"^\w{0,4}$"}
# Media types we serve beyond the reference's: the statement file is a PDF.
EXTRA_MEDIA_TYPES = {
    ("get", "/accounts/{AccountId}/statements/{StatementId}/file"): {"application/pdf"}
}
SCHEMA_KEYWORDS = (
    "type",
    "format",
    "enum",
    "x-namespaced-enum",
    "default",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
)


# -- loading and dereferencing -----------------------------------------------------------------


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return load_spec(SPEC, AISP).document


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not REFERENCE.is_file():
        pytest.skip(f"the OBIE v3.1.11 reference spec is not at {REFERENCE}")
    document: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def our_operations(ours: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return operations(ours)


@pytest.fixture(scope="module")
def reference_operations(reference: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return operations(reference)


def parameters(operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The operation's parameters by (name, location); header names are case-insensitive."""
    return {
        (p["name"].lower() if p["in"] == "header" else p["name"], p["in"]): p
        for p in operation["parameters"]
    }


def first_difference(ref: Any, our: Any, path: str = "$") -> str | None:
    """Where two dereferenced schemas first differ, as a JSON path and what differs; or None.

    Compares property names, required lists, enums, types, patterns, lengths and
    additionalProperties, recursing into properties and items; descriptions are ours.
    """
    if not isinstance(ref, dict) or not isinstance(our, dict):
        return None if ref == our else f"{path}: {ref!r} != {our!r}"
    for keyword in SCHEMA_KEYWORDS:
        if ref.get(keyword) != our.get(keyword):
            return f"{path}: {keyword} {ref.get(keyword)!r} != {our.get(keyword)!r}"
    pattern = PATTERN_FIXES.get(ref.get("pattern", ""), ref.get("pattern"))
    if pattern != our.get("pattern"):
        return f"{path}: pattern {pattern!r} != {our.get('pattern')!r}"
    if sorted(ref.get("required", [])) != sorted(our.get("required", [])):
        return f"{path}: required {ref.get('required')} != {our.get('required')}"
    extra_ref, extra_our = (
        ref.get("additionalProperties", True),
        our.get("additionalProperties", True),
    )
    if isinstance(extra_ref, dict) or isinstance(extra_our, dict):
        found = first_difference(extra_ref, extra_our, f"{path}.<additionalProperties>")
        if found:
            return found
    elif extra_ref != extra_our:
        return f"{path}: additionalProperties {extra_ref!r} != {extra_our!r}"
    ref_props, our_props = ref.get("properties", {}), our.get("properties", {})
    if set(ref_props) != set(our_props):
        missing, extra = (
            sorted(set(ref_props) - set(our_props)),
            sorted(set(our_props) - set(ref_props)),
        )
        return f"{path}: properties missing {missing}, extra {extra}"
    for name in ref_props:
        found = first_difference(ref_props[name], our_props[name], f"{path}.{name}")
        if found:
            return found
    if "items" in ref or "items" in our:
        return first_difference(ref.get("items"), our.get("items"), f"{path}[]")
    return None


def test_the_comparer_reports_the_path_of_the_first_difference() -> None:
    ref = {"type": "object", "properties": {"A": {"type": "array", "items": {"enum": ["x", "y"]}}}}
    our = {"type": "object", "properties": {"A": {"type": "array", "items": {"enum": ["x"]}}}}
    assert first_difference(ref, our) == "$.A[]: enum ['x', 'y'] != ['x']"
    assert first_difference(ref, ref) is None
    assert first_difference({"required": ["A"]}, {}) == "$: required ['A'] != None"
    fixed = {"type": "string", "pattern": r"^\\w{0,4}$"}
    assert first_difference(fixed, {"type": "string", "pattern": r"^\w{0,4}$"}) is None


# -- against the reference -----------------------------------------------------------------------


def test_same_paths_and_methods(
    reference_operations: dict[tuple[str, str], Any], our_operations: dict[tuple[str, str], Any]
) -> None:
    assert sorted(reference_operations) == OPERATION_KEYS
    assert sorted(our_operations) == OPERATION_KEYS


def test_operation_ids_are_our_handler_names(our_operations: dict[tuple[str, str], Any]) -> None:
    ids = {key: operation.get("operationId") for key, operation in our_operations.items()}
    assert ids == OPERATIONS


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_same_status_codes(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    assert sorted(our_operations[key]["responses"]) == sorted(
        reference_operations[key]["responses"]
    )


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_same_security(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    assert our_operations[key]["security"] == reference_operations[key]["security"]


def test_same_security_schemes_and_scopes(reference: dict[str, Any], ours: dict[str, Any]) -> None:
    theirs, mine = reference["components"]["securitySchemes"], ours["components"]["securitySchemes"]
    assert sorted(mine) == sorted(theirs) == ["PSUOAuth2Security", "TPPOAuth2Security"]
    for name, scheme in theirs.items():
        assert mine[name]["type"] == scheme["type"] == "oauth2"
        assert sorted(mine[name]["flows"]) == sorted(scheme["flows"])
        for flow_name, flow in scheme["flows"].items():
            assert sorted(mine[name]["flows"][flow_name]["scopes"]) == sorted(flow["scopes"])
        # Connexion checks tokens through this; the URLs are our authorisation server's.
        assert mine[name]["x-tokenInfoFunc"] == "mockserver.core.oauth.endpoints.token_info"
        for flow in mine[name]["flows"].values():
            assert flow["tokenUrl"] == "/ob/oauth2/token"
            assert flow.get("authorizationUrl", "/ob/oauth2/authorize") == "/ob/oauth2/authorize"


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_every_reference_parameter_is_declared_alike(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    mine = parameters(our_operations[key])
    for name_in, theirs in parameters(reference_operations[key]).items():
        assert name_in in mine, f"{name_in} is not declared"
        ours = mine[name_in]
        assert ours.get("required", False) == theirs.get("required", False), name_in
        assert ours["schema"].get("type") == theirs["schema"].get("type"), name_in
        assert ours["schema"].get("pattern") == theirs["schema"].get("pattern"), name_in


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_same_response_media_types_and_schemas(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    for status, theirs in reference_operations[key]["responses"].items():
        ours = our_operations[key]["responses"][status]
        their_content, our_content = theirs.get("content", {}), ours.get("content", {})
        extra = EXTRA_MEDIA_TYPES.get(key, set()) if status == "200" else set()
        assert set(our_content) == set(their_content) | extra, status
        for media_type, media in their_content.items():
            where = f"{status} {media_type}"
            difference = first_difference(media["schema"], our_content[media_type]["schema"], where)
            assert difference is None, difference
        assert sorted(ours.get("headers", {})) == sorted(theirs.get("headers", {})), status


def test_same_request_body_for_a_new_consent(
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    key = ("post", "/account-access-consents")
    theirs, ours = reference_operations[key]["requestBody"], our_operations[key]["requestBody"]
    assert ours["required"] == theirs["required"] is True
    assert set(ours["content"]) == set(theirs["content"])
    for media_type, media in theirs["content"].items():
        difference = first_difference(media["schema"], ours["content"][media_type]["schema"])
        assert difference is None, f"{media_type}: {difference}"
    with_body = [k for k, operation in reference_operations.items() if "requestBody" in operation]
    assert with_body == [key]
    assert [k for k, operation in our_operations.items() if "requestBody" in operation] == [key]


def test_reference_schema_names_are_kept(reference: dict[str, Any], ours: dict[str, Any]) -> None:
    """Every schema an operation of the reference uses is defined here under the same name."""
    theirs, mine = reference["components"]["schemas"], ours["components"]["schemas"]
    used: set[str] = set()
    pending = [json.dumps(reference["paths"]), json.dumps(reference["components"]["responses"])]
    while pending:
        text = pending.pop()
        for name in theirs:
            if f'"#/components/schemas/{name}"' in text and name not in used:
                used.add(name)
                pending.append(json.dumps(theirs[name]))
    assert used - set(mine) == set()
    for name in sorted(used):
        difference = first_difference(deref(reference, theirs[name]), deref(ours, mine[name]), name)
        assert difference is None, difference


# -- what we add to the reference --------------------------------------------------------------


def is_list(operation: dict[str, Any]) -> bool:
    """Whether the operation answers a list (objects in an array under Data), so pages it."""
    ok = operation["responses"].get("200", {}).get("content", {}).get(JSON_UTF8, {})
    data = ok.get("schema", {}).get("properties", {}).get("Data", {})
    return any(
        p.get("type") == "array" and p["items"].get("type") == "object"
        for p in data.get("properties", {}).values()
    )


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_sandbox_and_v311_headers_and_paging(
    key: tuple[str, str], our_operations: dict[tuple[str, str], Any]
) -> None:
    operation = our_operations[key]
    declared = parameters(operation)
    for name in ("x-fapi-financial-id", "x-fapi-customer-last-logged-time", "x-sandbox-namespace"):
        assert declared[(name, "header")].get("required", False) is False, name
    last_logged = declared[("x-fapi-customer-last-logged-time", "header")]["schema"]
    assert last_logged["pattern"] == RFC7231_DATE
    assert declared[("x-fapi-auth-date", "header")]["schema"]["pattern"] == RFC7231_DATE
    if is_list(operation):
        page = declared[("page", "query")]
        assert page.get("required", False) is False
        assert page["schema"] == {"type": "integer", "minimum": 1}
        assert "Links.Next" in page["description"]
    else:
        assert ("page", "query") not in declared
    path = key[1]
    if path.endswith("/transactions"):
        assert {("fromBookingDateTime", "query"), ("toBookingDateTime", "query")} <= set(declared)
    if path.endswith("/statements"):
        assert {("fromStatementDateTime", "query"), ("toStatementDateTime", "query")} <= set(
            declared
        )


def test_list_endpoints_are_the_ones_answering_arrays(
    our_operations: dict[tuple[str, str], Any],
) -> None:
    unpaged = {OPERATIONS[key] for key, op in our_operations.items() if not is_list(op)}
    assert unpaged == {
        "create_account_access_consent",
        "get_account_access_consent",
        "delete_account_access_consent",
        "get_account_party",
        "get_party",
        "get_account_statement_file",
    }


def test_the_statement_file_is_a_pdf(our_operations: dict[tuple[str, str], Any]) -> None:
    ok = our_operations[("get", "/accounts/{AccountId}/statements/{StatementId}/file")]
    assert ok["responses"]["200"]["content"]["application/pdf"]["schema"] == {
        "type": "string",
        "format": "binary",
    }


def test_errors_without_a_body_are_declared_without_content(
    our_operations: dict[tuple[str, str], Any],
) -> None:
    for key, operation in our_operations.items():
        for status, response in operation["responses"].items():
            if status in {"401", "404", "405", "406", "415", "429"}:
                assert "content" not in response, (key, status)
            elif status in {"400", "403", "500"}:
                schema = response["content"][JSON_UTF8]["schema"]
                assert sorted(schema["required"]) == ["Code", "Errors", "Message"], (key, status)


# -- the seed document's examples ----------------------------------------------------------------
# Copied from the provider's v3.1.1 documentation (obuk-aisp-v3.1.txt), lists cut to two items.

ACCOUNT = "d9116bd5-b268-4319-9855-d25a3cafe119"
SEED_DIRECT_DEBITS: dict[str, Any] = {
    "Data": {
        "DirectDebit": [
            {
                "AccountId": ACCOUNT,
                "DirectDebitId": "218d2e75-496b-e611-8f61-18a9056583fa",
                "DirectDebitStatusCode": "Active",
                "MandateIdentification": "NULL",
                "Name": "PREMIER PAPER GROUP LIMITED",
                "PreviousPaymentAmount": {"Amount": "17.00", "Currency": "GBP"},
                "PreviousPaymentDateTime": "2017-11-23T00:00:00Z",
            },
            {
                "AccountId": ACCOUNT,
                "DirectDebitId": "4b8d2e75-496b-e611-8f61-18a9056583fa",
                "DirectDebitStatusCode": "Active",
                "MandateIdentification": "FRINGE57 SEASON 12",
                "Name": "CHERRY GODFREY FINANCE LIMITED",
                "PreviousPaymentAmount": {"Amount": "10.00", "Currency": "GBP"},
                "PreviousPaymentDateTime": "2017-11-23T00:00:00Z",
            },
        ]
    },
    "Links": {"Self": f"http://example.com/api/accounts/{ACCOUNT}/direct-debits?pageId=1"},
    "Meta": {"TotalPages": 1},
}
SEED_PARTY: dict[str, Any] = {
    "Data": {
        "Party": {
            "PartyId": "fc8e3eba-8026-4bce-8901-7a1066bf4e92",
            "PartyType": "Sole",
            "EmailAddress": "admin@dummycorp.org",
        }
    },
    "Links": {"Self": f"http://example.com/api/accounts/{ACCOUNT}/party"},
    "Meta": {"TotalPages": 1},
}
SEED_SCHEDULED_PAYMENTS: dict[str, Any] = {
    "Data": {
        "ScheduledPayment": [
            {
                "AccountId": ACCOUNT,
                "CreditorAccount": {
                    "Identification": "09000000050005",
                    "Name": "Future Dated Payment",
                    "SchemeName": "SortCodeAccountNumber",
                },
                "InstructedAmount": {"Amount": "0.94", "Currency": "GBP"},
                "Reference": "Future Dated Payment",
                "ScheduledPaymentDateTime": "2019-05-03T01:00:00Z",
                "ScheduledPaymentId": "d3a02ab3-215a-4499-93fd-c140992066da",
                "ScheduledType": "Execution",
            },
            {
                "AccountId": ACCOUNT,
                "CreditorAccount": {
                    "Identification": "09000000050005",
                    "Name": "Future Dated Payment",
                    "SchemeName": "SortCodeAccountNumber",
                },
                "InstructedAmount": {"Amount": "0.94", "Currency": "GBP"},
                "Reference": "Future Dated Payment",
                "ScheduledPaymentDateTime": "2019-07-11T01:00:00Z",
                "ScheduledPaymentId": "302dc36b-9bc1-4902-8a4f-ed0ad993f4c0",
                "ScheduledType": "Execution",
            },
        ]
    },
    "Links": {"Self": f"http://example.com/api/accounts/{ACCOUNT}/scheduled-payments?pageId=1"},
    "Meta": {"TotalPages": 1},
}
SEED_STANDING_ORDERS: dict[str, Any] = {
    "Data": {
        "StandingOrder": [
            {
                "AccountId": ACCOUNT,
                "StandingOrderId": "a9df3a14-0174-e611-9153-18a9056583fa",
                "Frequency": "EvryWorkgDay",
                "Reference": "SO0004",
                "NextPaymentDateTime": "2018-02-07T00:00:00Z",
                "NextPaymentAmount": {"Amount": "1500.00", "Currency": "GBP"},
                "FinalPaymentDateTime": "1899-12-30T00:00:00Z",
                "FinalPaymentAmount": {"Amount": "1500.00", "Currency": "GBP"},
                "StandingOrderStatusCode": "Active",
                "CreditorAccount": {
                    "SchemeName": "SortCodeAccountNumber",
                    "Identification": "15990040040001",
                    "Name": "ADAM PAUL STEVENS",
                },
            },
            {
                "AccountId": ACCOUNT,
                "StandingOrderId": "d0df3a14-0174-e611-9153-18a9056583fa",
                "Frequency": "EvryWorkgDay",
                "Reference": "SO0005",
                "NextPaymentDateTime": "2018-02-07T00:00:00Z",
                "NextPaymentAmount": {"Amount": "122.00", "Currency": "GBP"},
                "FinalPaymentDateTime": "1899-12-30T00:00:00Z",
                "FinalPaymentAmount": {"Amount": "122.00", "Currency": "GBP"},
                "StandingOrderStatusCode": "Active",
                "CreditorAccount": {
                    "SchemeName": "SortCodeAccountNumber",
                    "Identification": "15990040040001",
                    "Name": "ADAM PAUL STEVENS",
                },
            },
        ]
    },
    "Links": {"Self": f"http://example.com/api/accounts/{ACCOUNT}/standing-orders?pageId=1"},
    "Meta": {"TotalPages": 1},
}
SEED_TRANSACTIONS: dict[str, Any] = {
    "Data": {
        "Transaction": [
            {
                "AccountId": "18a4f094-8ca3-422d-aa7c-eb6efe850e4c",
                "TransactionId": "748a5e30-0cd6-4a31-ac50-28b4216482eb",
                "Amount": {"Amount": "99.41", "Currency": "GBP"},
                "CreditDebitIndicator": "Debit",
                "BookingDateTime": "2015-12-12T00:00:00Z",
                "ValueDateTime": "2015-12-12T00:00:00Z",
                "ProprietaryBankTransactionCode": {
                    "Code": "Visa Card Item",
                    "Issuer": "C. Hoare & Co.",
                },
                "CardInstrument": {
                    "CardSchemeName": "VISA",
                    "Identification": "453976XXXXXX1565",
                    "Name": "STEVE Smith - HSE A/C",
                },
                "Status": "Booked",
            },
            {
                "AccountId": "18a4f094-8ca3-422d-aa7c-eb6efe850e4c",
                "TransactionId": "fef99bf7-b93d-4143-a358-07a1bc67c798",
                "Amount": {"Amount": "1000.41", "Currency": "GBP"},
                "CreditDebitIndicator": "Debit",
                "BookingDateTime": "2015-12-10T00:00:00Z",
                "ValueDateTime": "2015-12-10T00:00:00Z",
                "ProprietaryBankTransactionCode": {
                    "Code": "Visa Card Item",
                    "Issuer": "C. Hoare & Co.",
                },
                "CardInstrument": {
                    "CardSchemeName": "VISA",
                    "Identification": "453976XXXXXX1565",
                    "Name": "STEVE Smith - HSE A/C",
                },
                "Status": "Booked",
            },
        ]
    },
    "Links": {
        "Self": "http://example.com/api/accounts/18a4f094-8ca3-422d-aa7c-eb6efe850e4c"
        "/transactions?pageId=1"
    },
    "Meta": {"TotalPages": 1},
}
SEED_EXAMPLES = [
    ("get", "/accounts/{AccountId}/direct-debits", SEED_DIRECT_DEBITS),
    ("get", "/accounts/{AccountId}/party", SEED_PARTY),
    ("get", "/accounts/{AccountId}/scheduled-payments", SEED_SCHEDULED_PAYMENTS),
    ("get", "/accounts/{AccountId}/standing-orders", SEED_STANDING_ORDERS),
    ("get", "/accounts/{AccountId}/transactions", SEED_TRANSACTIONS),
]


@pytest.mark.parametrize(
    ("method", "path", "example"), SEED_EXAMPLES, ids=[path for _, path, _ in SEED_EXAMPLES]
)
def test_seed_examples_validate_against_our_schemas(
    method: str,
    path: str,
    example: dict[str, Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    schema = our_operations[(method, path)]["responses"]["200"]["content"][JSON_UTF8]["schema"]
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in Draft4Validator(schema).iter_errors(example)
    ]
    assert errors == []


def test_an_invalid_example_is_refused(
    our_operations: dict[tuple[str, str], Any],
) -> None:
    """The check above has teeth: a frequency outside the pattern fails."""
    key = ("get", "/accounts/{AccountId}/standing-orders")
    schema = our_operations[key]["responses"]["200"]["content"][JSON_UTF8]["schema"]
    order = SEED_STANDING_ORDERS["Data"]["StandingOrder"][0]
    broken = {**SEED_STANDING_ORDERS, "Data": {"StandingOrder": [{**order, "Frequency": "Daily"}]}}
    assert not Draft4Validator(schema).is_valid(broken)


# -- served: both versions' headers -------------------------------------------------------------


def test_a_v311_client_and_a_v3111_client_are_both_accepted(api: NamespacedClient) -> None:
    token = bearer(client_token(api))
    body = {"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}}
    v311 = {"x-fapi-financial-id": "0015800001041REAAY", **token}
    v311["x-fapi-customer-last-logged-time"] = "Sun, 10 Sep 2017 19:43:31 UTC"
    created = api.post(f"{AISP}/account-access-consents", json=body, headers=v311)
    assert created.status_code == 201, created.text
    consent = created.json()["Data"]["ConsentId"]
    v3111 = {"x-fapi-auth-date": "Sun, 10 Sep 2017 19:43:31 GMT", **token}
    read = api.get(f"{AISP}/account-access-consents/{consent}", headers=v3111)
    assert read.status_code == 200, read.text


def test_a_malformed_auth_date_is_refused(api: NamespacedClient) -> None:
    headers = {"x-fapi-auth-date": "2017-09-10T19:43:31Z", **bearer(client_token(api))}
    body = {"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}}
    refused = api.post(f"{AISP}/account-access-consents", json=body, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["Errors"]
