"""Valid credentials for each spec, got through the providers' real flows.

Each function takes a client bound to the spec's namespace and returns the headers that
authenticate each operation, by operationId (``"*"``: every other operation). The fuzzer then
reaches the real handlers instead of the security layer.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from mockserver.client import FENA_CLIENT, sandbox_credentials
from tests.fuzz.sandbox import NamespaceClient
from tests.identity.oauth_helpers import REDIRECT, TPP, basic, bearer, intent_claims
from tests.identity.oauth_helpers import redirect_params as ob_redirect_params
from tests.moneyhub import helpers as moneyhub

Headers = dict[str, str]
ByOperation = dict[str, Headers]
EVERY_OPERATION = "*"

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
# Every AIS permission the profile lets one consent hold together (Detail over Basic).
AIS_PERMISSIONS = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadBeneficiariesDetail",
    "ReadDirectDebits",
    "ReadOffers",
    "ReadParty",
    "ReadPartyPSU",
    "ReadProducts",
    "ReadScheduledPaymentsDetail",
    "ReadStandingOrdersDetail",
    "ReadStatementsDetail",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]
VRP_CREDITOR = {
    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
    "Identification": "20000055667788",
    "Name": "Acme Energy Ltd",
}
MOGOPLUS_CLIENT = sandbox_credentials("mogoplus")
MONEYHUB_CLIENT_SCOPES = (
    "user:create user:read user:delete connection:read connection:delete "
    "payee:create payee:read payment:read"
)
# Every Data API scope one token may hold (transactions:read:all excludes :in and :out).
MONEYHUB_DATA_SCOPES = (
    "accounts:read accounts_details:read accounts:write accounts:write:all "
    "transactions:read:all transactions:write transactions:write:all "
    "categories:read categories:write spending_analysis:read "
    "spending_goals:read spending_goals:write spending_goals:write:all "
    "savings_goals:read savings_goals:write savings_goals:write:all "
    "standing_orders:read standing_orders_detail:read statements_basic:read statements_detail:read"
)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def ob_client_token(api: NamespaceClient, scope: str) -> str:
    form = {"grant_type": "client_credentials", "scope": scope}
    return str(_ok(api.post("/ob/oauth2/token", data=form, headers=basic(*TPP)))["access_token"])


def ob_psu_token(api: NamespaceClient, consent_id: str, scope: str) -> str:
    """alice approves the consent headlessly; the TPP swaps the code for her token."""
    query = {
        "client_id": TPP[0],
        "response_type": "code",
        "scope": f"openid {scope}",
        "redirect_uri": REDIRECT,
        "state": "fuzz",
        "claims": json.dumps(intent_claims(consent_id)),
    }
    url = f"http://testserver/ob/oauth2/authorize?{urlencode(query)}"
    decided = _ok(api.post("/__admin/authorize", json={"url": url, "psu": "alice"}))
    code = ob_redirect_params(decided["redirect"])["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return str(_ok(api.post("/ob/oauth2/token", data=form, headers=basic(*TPP)))["access_token"])


def ob_auth(api: NamespaceClient) -> ByOperation:
    # The token and PAR endpoints take the client's credentials (client_secret_basic).
    return {"token": basic(*TPP), "pushed_authorization": basic(*TPP)}


def aisp(api: NamespaceClient) -> ByOperation:
    tpp = ob_client_token(api, "accounts")
    body = {"Data": {"Permissions": AIS_PERMISSIONS}, "Risk": {}}
    created = _ok(api.post(f"{AISP}/account-access-consents", json=body, headers=bearer(tpp)), 201)
    psu = ob_psu_token(api, created["Data"]["ConsentId"], "accounts")
    consent_operations = (
        "create_account_access_consent",
        "get_account_access_consent",
        "delete_account_access_consent",
    )
    return {EVERY_OPERATION: bearer(psu)} | {op: bearer(tpp) for op in consent_operations}


def vrp_consent_body() -> dict[str, Any]:
    return {
        "Data": {
            "ControlParameters": {
                "VRPType": ["UK.OBIE.VRPType.Other"],
                "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
                "MaximumIndividualAmount": {"Amount": "100.00", "Currency": "GBP"},
                "PeriodicLimits": [
                    {
                        "PeriodType": "Day",
                        "PeriodAlignment": "Consent",
                        "Amount": "150.00",
                        "Currency": "GBP",
                    }
                ],
            },
            "Initiation": {
                "CreditorAccount": VRP_CREDITOR,
                "RemittanceInformation": {"Reference": "ENERGY-123"},
            },
        },
        "Risk": {"PaymentContextCode": "BillingGoodsAndServicesInArrears"},
    }


def vrp(api: NamespaceClient) -> ByOperation:
    tpp = ob_client_token(api, "payments")
    headers = {**bearer(tpp), "x-idempotency-key": "fuzz-setup-consent"}
    created = _ok(
        api.post(f"{PISP}/domestic-vrp-consents", json=vrp_consent_body(), headers=headers), 201
    )
    psu = ob_psu_token(api, created["Data"]["ConsentId"], "payments")
    psu_operations = ("confirm_vrp_funds", "create_domestic_vrp")
    return {EVERY_OPERATION: bearer(tpp)} | {op: bearer(psu) for op in psu_operations}


def fena(api: NamespaceClient) -> ByOperation:
    return {EVERY_OPERATION: dict(FENA_CLIENT)}


def moneyhub_identity(api: NamespaceClient) -> ByOperation:
    token = moneyhub.client_token(api, MONEYHUB_CLIENT_SCOPES)
    client = moneyhub.basic()
    return {
        EVERY_OPERATION: bearer(token),
        "token": client,
        "pushed_authorization": client,
        "create_request_uri": client,
    }


def moneyhub_data(api: NamespaceClient) -> ByOperation:
    """A user of the sandbox client with alice's bank connected (so there are accounts)."""
    user = moneyhub.register_user(api)
    moneyhub.connect(api, user["userId"])
    token = moneyhub.user_token(api, user["userId"], MONEYHUB_DATA_SCOPES)
    return {EVERY_OPERATION: bearer(token)}


def mogoplus(api: NamespaceClient) -> ByOperation:
    form = {"grant_type": "client_credentials"}
    token = _ok(api.post("/mogoplus/api/v1/oauth2/token", data=form, auth=MOGOPLUS_CLIENT))
    return {
        EVERY_OPERATION: bearer(str(token["access_token"])),
        "token": basic(*MOGOPLUS_CLIENT),
    }


def admin(api: NamespaceClient) -> ByOperation:
    # The fuzz server runs without --admin-token: the admin API needs no credentials.
    return {}
