"""Every VRP answer of a whole journey is one the official v3.1.11 VRP reference spec accepts
(our own spec checks it too: response validation is on).

Each answer is checked by the shared reference validator (tests/support/reference_validation.py)
as the operation and status the journey expects: the status must be documented for it, and the
body valid against the reference schema of that status (OBDomesticVRPConsentResponse,
OBVRPFundsConfirmationResponse, OBDomesticVRPResponse, OBDomesticVRPDetails, OBErrorResponse1).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import bearer
from tests.ob.vrp_helpers import PISP, Tpp
from tests.support.reference_validation import OBIE_VRP, validated_operation


@pytest.fixture(scope="module", autouse=True)
def reference() -> None:
    if not OBIE_VRP.path.is_file():
        pytest.skip(f"the OBIE VRP reference spec is not at {OBIE_VRP.path}")


def test_a_whole_journey_answers_what_the_reference_accepts(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    checked: list[tuple[str, int]] = []

    def keep(operation: str, response: Any, status: int) -> Any:
        assert response.status_code == status, response.text
        assert validated_operation(response) == operation
        checked.append((operation, status))
        return response.json()

    created = keep("POST /domestic-vrp-consents", tpp.create_consent(), 201)
    consent_id = created["Data"]["ConsentId"]
    tpp.approve(consent_id)
    token, consent_id, consent = tpp.authorised()
    read = api.get(f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp.client_token()))
    keep("GET /domestic-vrp-consents/{ConsentId}", read, 200)
    funds = {
        "Data": {"ConsentId": consent_id, "InstructedAmount": {"Amount": "5.00", "Currency": "GBP"}}
    }
    confirmed = tpp.post(
        f"/domestic-vrp-consents/{consent_id}/funds-confirmation", funds, token, idempotent=False
    )
    keep("POST /domestic-vrp-consents/{ConsentId}/funds-confirmation", confirmed, 201)
    paid = keep("POST /domestic-vrps", tpp.pay(token, consent_id, consent, "100.00"), 201)
    payment_id = paid["Data"]["DomesticVRPId"]
    keep(
        "GET /domestic-vrps/{DomesticVRPId}",
        api.get(f"{PISP}/domestic-vrps/{payment_id}", headers=bearer(token)),
        200,
    )
    keep(
        "GET /domestic-vrps/{DomesticVRPId}/payment-details",
        api.get(f"{PISP}/domestic-vrps/{payment_id}/payment-details", headers=bearer(token)),
        200,
    )
    # over the daily limit, then unsigned: the reference's OBErrorResponse1
    keep("POST /domestic-vrps", tpp.pay(token, consent_id, consent, "100.00"), 400)
    keep(
        "POST /domestic-vrps",
        tpp.pay(token, consent_id, consent, "1.00", key="x", signed=False),
        400,
    )
    assert len(checked) == 8
