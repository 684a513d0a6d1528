"""Every AIS endpoint answers, for a consent with every permission, with a body that the official
v3.1.11 reference spec accepts (our own spec checks it too: response validation is on)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import bearer, psu_accounts
from tests.ob.test_ais_journey import AISP, authorised_token
from tests.ob.test_resources import SPEC_PATH, Schemas

EVERYTHING = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadBeneficiariesDetail",
    "ReadDirectDebits",
    "ReadOffers",
    "ReadPAN",
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


def response_schema(spec: dict[str, Any], template: str) -> str:
    """The name of the component schema of the 200 answer of ``GET template``."""
    response = spec["paths"][template]["get"]["responses"]["200"]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    media = response["content"]["application/json; charset=utf-8"]["schema"]
    return str(media["$ref"].rsplit("/", 1)[1])


@pytest.mark.parametrize("psu", ["alice", "carol", "dave"])
def test_every_endpoint_answers_what_the_reference_accepts(api: NamespacedClient, psu: str) -> None:
    if not SPEC_PATH.is_file():
        pytest.skip(f"the OBIE reference spec is not available at {SPEC_PATH}")
    spec = json.loads(SPEC_PATH.read_text())
    schemas = Schemas(SPEC_PATH)
    token, _ = authorised_token(api, EVERYTHING, psu=psu)
    account = psu_accounts(api, psu)[0]
    statements = api.get(f"{AISP}/accounts/{account}/statements", headers=bearer(token)).json()
    statement = statements["Data"]["Statement"][0]["StatementId"]
    checked = 0
    for template in spec["paths"]:
        if "get" not in spec["paths"][template] or template.startswith("/account-access"):
            continue
        if template.endswith("/file"):
            continue
        url = AISP + template.replace("{AccountId}", account).replace("{StatementId}", statement)
        response = api.get(url, headers=bearer(token))
        assert response.status_code == 200, f"{template}: {response.text}"
        schemas.check(response_schema(spec, template), response.json())
        checked += 1
    assert checked == 25  # every GET but the consent and the statement file
    pdf = api.get(f"{AISP}/accounts/{account}/statements/{statement}/file", headers=bearer(token))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_lists_have_data_for_a_rich_psu(api: NamespacedClient) -> None:
    token, _ = authorised_token(api, EVERYTHING, psu="alice")
    for path, key in [
        ("direct-debits", "DirectDebit"),
        ("standing-orders", "StandingOrder"),
        ("scheduled-payments", "ScheduledPayment"),
        ("beneficiaries", "Beneficiary"),
        ("products", "Product"),
        ("statements", "Statement"),
        ("transactions", "Transaction"),
    ]:
        body = api.get(f"{AISP}/{path}", headers=bearer(token)).json()
        assert body["Data"][key], path
    party = api.get(f"{AISP}/party", headers=bearer(token)).json()["Data"]["Party"]
    assert party["Name"]
