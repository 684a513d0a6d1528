"""The VRP endpoints over HTTP: signatures, idempotency keys, tokens, then the consent rules.

Consents are created, read and deleted with the TPP's client-credentials token; funds
confirmation and payments need the token the PSU granted for the consent (its
``openbanking_intent_id`` is the consent); a payment can be read with either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context, idempotency
from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.responses import empty_reply, json_reply
from mockserver.core.sandbox import Sandbox, current_sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx
from mockserver.core.urls import absolute_url
from mockserver.providers.ob import cash_accounts, signatures, vrp_consents, vrp_payments
from mockserver.providers.ob.owned import find_owned

BASE = "/ob/open-banking/v3.1/pisp"
FUNDS_KIND = "ob.vrp_funds_confirmation"


def _token() -> dict[str, Any]:
    token: dict[str, Any] = context.current().extra["token"]
    return token


def _client_id() -> str:
    return str(_token()["client_id"])


def _header(name: str) -> str | None:
    value = context.current().extra["headers"].get(name)
    return None if value is None else str(value)


def _check_signature(tx: Tx, ns: str, sandbox: Sandbox) -> None:
    if sandbox.settings.relax_jws:
        return
    client = tx.get(ns, CLIENT_KIND, _client_id())
    if client is None:
        raise ApiError(401, "unknown client")
    body = bytes(context.current().extra.get("body") or b"")
    signatures.verify(_header(signatures.HEADER), body, client, sandbox.clock.now(ns, tx))


def _idempotent(
    operation: str,
    body: dict[str, Any],
    create: Callable[[Tx, str, Sandbox], str],
    find: Callable[[Tx, str, str], dict[str, Any]],
) -> dict[str, Any]:
    """The resource the request's idempotency key already made, or a new one."""
    sandbox, ns = current_sandbox(), context.current_namespace()
    key = idempotency.IdempotencyKey(_client_id(), operation, _header("x-idempotency-key") or "")
    with sandbox.store.transaction() as tx:
        _check_signature(tx, ns, sandbox)
        now = sandbox.clock.now(ns, tx)
        try:
            earlier = idempotency.earlier_resource(tx, ns, key, body, now)
        except idempotency.KeyReused as exc:
            raise ApiError(
                409,
                "this x-idempotency-key was used for a different request body",
                code="UK.OBIE.Rules.ResourceAlreadyExists",
                path="x-idempotency-key",
            ) from exc
        if earlier is not None:
            return find(tx, ns, earlier)
        resource_id = create(tx, ns, sandbox)
        idempotency.remember(tx, ns, key, body, resource_id, now)
        return find(tx, ns, resource_id)


# -- consents ------------------------------------------------------------------------------------


def consent_resource(record: dict[str, Any]) -> dict[str, Any]:
    """OBDomesticVRPConsentResponse."""
    consent_id = record["consent"]["ConsentId"]
    return {
        "Data": record["consent"],
        "Risk": record["risk"],
        "Links": {"Self": absolute_url(f"{BASE}/domestic-vrp-consents/{consent_id}")},
        "Meta": {},
    }


def create_consent_reply(body: dict[str, Any]) -> ConnexionResponse:
    client_id = _client_id()

    def create(tx: Tx, ns: str, sandbox: Sandbox) -> str:
        now = sandbox.clock.now(ns, tx)
        record = vrp_consents.create(tx, ns, sandbox, client_id, body, now)
        return str(record["consent"]["ConsentId"])

    def find(tx: Tx, ns: str, consent_id: str) -> dict[str, Any]:
        return vrp_consents.find(tx, ns, consent_id, client_id)

    record = _idempotent("domestic-vrp-consents", body, create, find)
    return json_reply(consent_resource(record), status=201)


def get_consent_reply(consent_id: str) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.read() as tx:
        record = vrp_consents.find(tx, ns, consent_id, _client_id())
    return json_reply(consent_resource(record))


def delete_consent_reply(consent_id: str) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        vrp_consents.delete(tx, ns, sandbox, consent_id, _client_id())
    return empty_reply(204)


def _psu_consent(tx: Tx, ns: str, consent_id: str, *, lock: bool = False) -> dict[str, Any]:
    """The Authorised consent named in the path or body, which must be the token's own."""
    granted = _token().get("openbanking_intent_id")
    if not granted or not str(granted).startswith(vrp_consents.ID_PREFIX):
        raise ApiError(
            403,
            "this token was not granted by a PSU for a VRP consent",
            code="UK.OBIE.Resource.ConsentMismatch",
        )
    if consent_id != granted:
        raise ApiError(
            400,
            f"the token was granted for consent {granted}, not {consent_id}",
            code="UK.OBIE.Resource.ConsentMismatch",
            path="Data.ConsentId",
        )
    record = vrp_consents.find(tx, ns, consent_id, _client_id(), lock=lock)
    status = record["consent"]["Status"]
    if status != "Authorised":
        raise ApiError(
            403, f"the consent is {status}", code="UK.OBIE.Resource.InvalidConsentStatus"
        )
    return record


def confirm_funds_reply(consent_id: str, body: dict[str, Any]) -> ConnexionResponse:
    """OBVRPFundsConfirmationResponse: can the debtor account pay this amount now?"""
    sandbox, ns = current_sandbox(), context.current_namespace()
    data = body["Data"]
    if data["ConsentId"] != consent_id:
        raise ApiError(
            400,
            "Data.ConsentId must be the consent of the path",
            code="UK.OBIE.Resource.ConsentMismatch",
            path="Data.ConsentId",
        )
    with sandbox.store.transaction() as tx:
        _check_signature(tx, ns, sandbox)
        record = _psu_consent(tx, ns, consent_id)
        now = sandbox.clock.now(ns, tx)
        account = tx.get(ns, cash_accounts.ACCOUNT_KIND, record["account"])
        if account is None:
            raise ApiError(500, "the consent's debtor account is missing")
        instructed = data["InstructedAmount"]
        enough = instructed["Currency"] == account["currency"] and vrp_payments.funds_available(
            account, vrp_consents.amount_of(instructed)
        )
        result: dict[str, Any] = {
            "FundsConfirmationId": "fc-" + sandbox.ids.uuid(tx, ns, FUNDS_KIND),
            "ConsentId": consent_id,
            "CreationDateTime": isoformat(now),
        }
        if "Reference" in data:
            result["Reference"] = data["Reference"]
        result |= {
            "FundsAvailableResult": {
                "FundsAvailableDateTime": isoformat(now),
                "FundsAvailable": "Available" if enough else "NotAvailable",
            },
            "InstructedAmount": instructed,
        }
        tx.put(ns, FUNDS_KIND, result["FundsConfirmationId"], result, tenant=_client_id())
    return json_reply({"Data": result}, status=201)


# -- payments ------------------------------------------------------------------------------------


def payment_resource(stored: dict[str, Any]) -> dict[str, Any]:
    """OBDomesticVRPResponse."""
    payment_id = stored["payment"]["DomesticVRPId"]
    return {
        "Data": stored["payment"],
        "Risk": stored["risk"],
        "Links": {"Self": absolute_url(f"{BASE}/domestic-vrps/{payment_id}")},
        "Meta": {},
    }


def _find_payment(tx: Tx, ns: str, payment_id: str, client_id: str) -> dict[str, Any]:
    return find_owned(
        tx, ns, vrp_payments.KIND, payment_id, client_id, what="domestic VRP", path="DomesticVRPId"
    )


def create_payment_reply(body: dict[str, Any]) -> ConnexionResponse:
    client_id = _client_id()

    def create(tx: Tx, ns: str, sandbox: Sandbox) -> str:
        # The consent's row lock serialises payments under it, check to debit.
        record = _psu_consent(tx, ns, body["Data"]["ConsentId"], lock=True)
        stored = vrp_payments.make_payment(tx, ns, sandbox, record, body, sandbox.clock.now(ns, tx))
        return str(stored["payment"]["DomesticVRPId"])

    def find(tx: Tx, ns: str, payment_id: str) -> dict[str, Any]:
        return _find_payment(tx, ns, payment_id, client_id)

    stored = _idempotent("domestic-vrps", body, create, find)
    return json_reply(payment_resource(stored), status=201)


def get_payment_reply(payment_id: str) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.read() as tx:
        stored = _find_payment(tx, ns, payment_id, _client_id())
    return json_reply(payment_resource(stored))


def payment_details_reply(payment_id: str) -> ConnexionResponse:
    """OBDomesticVRPDetails: the payment's status along the payment chain."""
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.read() as tx:
        stored = _find_payment(tx, ns, payment_id, _client_id())
    payment = stored["payment"]
    status: dict[str, Any] = {
        "PaymentTransactionId": stored["transaction_id"] or payment["DomesticVRPId"],
        "Status": payment["Status"],
        "StatusUpdateDateTime": payment["StatusUpdateDateTime"],
    }
    if payment["Status"] == "Rejected":
        status["StatusDetail"] = {
            "LocalInstrument": "UK.OBIE.FPS",
            "Status": "Rejected",
            "StatusReason": "ProprietaryRejection",
            "StatusReasonDescription": payment["StatusReasonDescription"][:128],
        }
    else:
        status["StatusDetail"] = {"LocalInstrument": "UK.OBIE.FPS", "Status": "Settled"}
    return json_reply({"Data": {"PaymentStatus": [status]}})
