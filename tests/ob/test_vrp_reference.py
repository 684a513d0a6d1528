"""Every VRP answer of a whole journey is one the official v3.1.11 VRP reference spec accepts
(our own spec checks it too: response validation is on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import bearer
from tests.ob.test_resources import Schemas
from tests.ob.vrp_helpers import PISP, Tpp

REFERENCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "openbanking-uk"
    / "v3.1.11r5-vrp-openapi.json"
)


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    if not REFERENCE.is_file():
        pytest.skip(f"the OBIE VRP reference spec is not at {REFERENCE}")
    return Schemas(REFERENCE)


def test_a_whole_journey_answers_what_the_reference_accepts(
    api: NamespacedClient, schemas: Schemas
) -> None:
    tpp = Tpp(api)
    checked: list[tuple[str, Any]] = []

    def keep(schema: str, response: Any, status: int) -> Any:
        assert response.status_code == status, response.text
        checked.append((schema, response.json()))
        return response.json()

    created = keep("OBDomesticVRPConsentResponse", tpp.create_consent(), 201)
    consent_id = created["Data"]["ConsentId"]
    tpp.approve(consent_id)
    token, consent_id, consent = tpp.authorised()
    read = api.get(f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp.client_token()))
    keep("OBDomesticVRPConsentResponse", read, 200)
    funds = {
        "Data": {"ConsentId": consent_id, "InstructedAmount": {"Amount": "5.00", "Currency": "GBP"}}
    }
    confirmed = tpp.post(
        f"/domestic-vrp-consents/{consent_id}/funds-confirmation", funds, token, idempotent=False
    )
    keep("OBVRPFundsConfirmationResponse", confirmed, 201)
    paid = keep("OBDomesticVRPResponse", tpp.pay(token, consent_id, consent, "100.00"), 201)
    payment_id = paid["Data"]["DomesticVRPId"]
    keep(
        "OBDomesticVRPResponse",
        api.get(f"{PISP}/domestic-vrps/{payment_id}", headers=bearer(token)),
        200,
    )
    keep(
        "OBDomesticVRPDetails",
        api.get(f"{PISP}/domestic-vrps/{payment_id}/payment-details", headers=bearer(token)),
        200,
    )
    keep("OBErrorResponse1", tpp.pay(token, consent_id, consent, "100.00"), 400)
    keep(
        "OBErrorResponse1", tpp.pay(token, consent_id, consent, "1.00", key="x", signed=False), 400
    )
    for schema, body in checked:
        schemas.check(schema, body)
    assert len(checked) == 8
