"""Where a schemathesis check does not fit a provider's documented behaviour, per operation.

No check is switched off. Each entry widens one check's expected statuses for named operations
of one spec, and says which document makes that the provider's real behaviour. So far only
``positive_data_acceptance`` needs it: schema-valid requests that the providers refuse by rules
no OpenAPI schema states (an id that exists, a registered client, a permission combination).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Narrowing:
    spec: str  # a key of tests.fuzz.targets.TARGETS
    operation_ids: tuple[str, ...]
    check: str
    expected_statuses: tuple[str, ...]
    why: str  # the provider document (or RFC) that makes the status the documented answer


# schemathesis's default statuses for a schema-valid request, to which each narrowing adds.
POSITIVE_DEFAULT = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
RFC_6749_REFUSALS = (
    "RFC 6749 4.1.2.1 and 5.2: an unknown client_id or redirect_uri, or a grant, code or "
    "scope the server does not recognise, is a 400 (invalid_request, invalid_grant, "
    "unsupported_grant_type, invalid_scope); no schema tells a registered client or a live "
    "code from any other string"
)
OBIE_NO_ENCRYPTION = (
    "; Read/Write Data API profile v3.1.11, 'Message Encryption': encryption is optional for "
    "an ASPSP, and one that does not support it rejects a Content-Type of "
    "application/jose+jwe (415 Unsupported Media Type, the profile's status for a payload "
    "format the resource does not support); the sandbox does not decrypt"
)
OBIE_UNKNOWN_ID = (
    "OBIE Read/Write Data API profile v3.1.11, '400 (Bad Request) v/s 404 (Not Found)': a "
    "resource id that does not exist must be answered with 400 (UK.OBIE.Resource.NotFound), "
    "and a token bound to another consent is a 400 (UK.OBIE.Resource.ConsentMismatch)"
)


def positive_also(spec: str, statuses: tuple[str, ...], why: str, *operations: str) -> Narrowing:
    """Schema-valid requests these operations may refuse with ``statuses``, as documented."""
    return Narrowing(spec, operations, "positive_data_acceptance", POSITIVE_DEFAULT + statuses, why)


NARROWINGS: tuple[Narrowing, ...] = (
    positive_also(
        "ob_auth",
        ("400",),
        RFC_6749_REFUSALS + " (the OBIE security profile builds on them)",
        "authorize",
        "token",
        "pushed_authorization",
    ),
    positive_also(
        "ob_aisp",
        ("400",),
        OBIE_UNKNOWN_ID,
        "get_account_access_consent",
        "delete_account_access_consent",
        "get_account",
        "get_account_balances",
        "get_account_beneficiaries",
        "get_account_direct_debits",
        "get_account_offers",
        "get_account_parties",
        "get_account_party",
        "get_account_product",
        "get_account_scheduled_payments",
        "get_account_standing_orders",
        "get_account_statements",
        "get_account_statement",
        "get_account_statement_file",
        "get_account_statement_transactions",
        "get_account_transactions",
    ),
    positive_also(
        "ob_vrp",
        ("400",),
        OBIE_UNKNOWN_ID,
        "get_domestic_vrp_consent",
        "delete_domestic_vrp_consent",
        "get_domestic_vrp",
        "get_domestic_vrp_details",
    ),
    positive_also(
        "ob_aisp",
        ("400", "415"),
        "Account and Transaction API profile v3.1.11: a consent's Permissions must hold a "
        "valid combination (ReadAccountsBasic or Detail; Credits and Debits only with a "
        "Transactions permission), else 400 UK.OBIE.Field.Invalid" + OBIE_NO_ENCRYPTION,
        "create_account_access_consent",
    ),
    positive_also(
        "ob_vrp",
        ("400", "415"),
        OBIE_UNKNOWN_ID + "; VRP profile v3.1.11: VRPType, PSUAuthenticationMethods and the "
        "control parameters take the listed values only, and a funds check or payment must "
        "name the consent its token was granted for and keep to its limits, else 400 "
        "(UK.OBIE.Field.Invalid, UK.OBIE.Rules.FailsControlParameters)" + OBIE_NO_ENCRYPTION,
        "create_domestic_vrp_consent",
        "confirm_vrp_funds",
        "create_domestic_vrp",
    ),
    positive_also(
        "mogoplus",
        ("422",),
        "MogoPlus insights overview, POST banking-data-insights: 422 'Request cannot be "
        "processed by the API as the content contains errors'; account and transaction data "
        "are the minimum requirements for the analysis, which the CDR schema cannot require",
        "submit_insights",
    ),
    positive_also(
        "moneyhub_identity",
        ("400",),
        RFC_6749_REFUSALS + " (Moneyhub's identity service is an OpenID provider on them)",
        "authorize",
        "token",
        "pushed_authorization",
        "create_request_uri",
    ),
    positive_also(
        "moneyhub_data",
        ("400",),
        "Moneyhub Data API reference swagger: custom categories belong to one of the "
        "category groups of GET /category-groups, and a body names the user's own accounts "
        "and categories; otherwise the documented 400",
        "create_custom_category",
        "create_transaction",
        "create_transactions",
        "create_savings_goal",
        "update_savings_goal",
        "create_spending_goal",
        "update_spending_goal",
    ),
    positive_also(
        "fena",
        ("400",),
        "Fena Data and VRP API 1.0.1: the provider list marks providers Active or not, and "
        "both create operations list 400 for a request the bank will not take (an inactive "
        "provider, a beneficiary without a name); the published schema does not say which",
        "create_access_consent",
        "create_vrp_consent",
        "create_vrp_payment",
    ),
    positive_also(
        "admin",
        ("400",),
        "README, 'Admin API' (the sandbox's own control plane): a snapshot imported into one "
        "namespace holds exactly one; a fault's delay_ms min is at most its max; processing "
        "mode polls needs polls; a Fena client_id is a UUID; /authorize takes an "
        "authorisation URL of this sandbox; /webhooks/fire is a 400 when there is no URL or "
        "client to send to; the clock stops at year 9999. Rules OpenAPI 3.0 cannot state",
        "import_state",
        "advance_clock",
        "add_fault",
        "set_mogoplus_processing",
        "register_client",
        "authorize_headless",
        "fire_webhook",
    ),
)


def operations_config(spec: str) -> list[dict[str, Any]]:
    """schemathesis ``[[operations]]`` entries for one spec."""
    entries = []
    for narrowing in NARROWINGS:
        if narrowing.spec != spec:
            continue
        for operation_id in narrowing.operation_ids:
            check = {narrowing.check: {"expected-statuses": list(narrowing.expected_statuses)}}
            entries.append({"include-operation-id": operation_id, "checks": check})
    return entries
