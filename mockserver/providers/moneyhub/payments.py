"""Payments initiated through the consent journey (the ``payment`` scope and ``mh:payment`` claim).

The journey: a request object with ``mh:payment`` {payeeId, amount (pence), payeeRef,
payerRef} -> the consent page, where the PSU picks the account to pay from -> the code
exchange, which submits the payment (Moneyhub completes a payment only once the code is
exchanged). The payment then debits the PSU's account (``core.bank_ledger``), gets
``exchangedAt`` and ``connectionId``, and the client's webhook hears ``paymentCompleted`` or
``paymentError``. The sandbox notes' magic references (payeeRef or payerRef):
``INVALID REQUEST`` fails the authorisation request itself, ``INVALID SUBMISSION`` fails the
submission after the bank, ``REJECTED`` is rejected by the bank (``paymentError``),
``INCLUDE CHARGES`` adds the bank's charge.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from mockserver.core import bank_ledger
from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import payees
from mockserver.providers.moneyhub.scopes import claim_value

KIND = "moneyhub.payment"
INVALID_REQUEST = "INVALID REQUEST"
INVALID_SUBMISSION = "INVALID SUBMISSION"
REJECTED = "REJECTED"
INCLUDE_CHARGES = "INCLUDE CHARGES"
CHARGE_PENCE = 25


def requested(claims: dict[str, Any]) -> dict[str, Any] | None:
    value = claim_value(claims, "mh:payment")
    return value if isinstance(value, dict) else None


def problem(tx: Tx, ns: str, client_id: str, claims: dict[str, Any]) -> str | None:
    """Why an authorisation request's payment claim cannot go to the bank, if it cannot."""
    payment = requested(claims)
    if payment is None:
        return "the payment scope needs the mh:payment claim"
    if payees.find(tx, ns, client_id, str(payment.get("payeeId"))) is None:
        return "mh:payment.payeeId is not a payee of this client"
    amount = payment.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return "mh:payment.amount must be a positive whole number of pence"
    for field in ("payeeRef", "payerRef"):
        reference = payment.get(field)
        if not isinstance(reference, str) or not 0 < len(reference) <= 18:
            return f"mh:payment.{field} must be 1 to 18 characters"
    if INVALID_REQUEST in (payment["payeeRef"], payment["payerRef"]):
        return "the payment request was refused (INVALID REQUEST)"
    return None


def _magic(payment: dict[str, Any], value: str) -> bool:
    return value in (payment["payeeRef"], payment["payerRef"])


def create(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    client_id: str,
    claims: dict[str, Any],
    account_id: str,
    user_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The payment the PSU authorised at the bank, awaiting the code exchange."""
    wanted = requested(claims) or {}
    payment: dict[str, Any] = {
        "id": sandbox.ids.uuid(tx, ns, KIND),
        "clientId": client_id,
        "amount": wanted["amount"],
        "currency": "GBP",
        "payeeId": wanted["payeeId"],
        "payeeType": "api-payee",
        "payeeRef": wanted["payeeRef"],
        "payerRef": wanted["payerRef"],
        "userId": user_id,
        "context": "Other",
        "status": "inProgress",
        "initiatedAt": isoformat(now),
        "_account": account_id,
    }
    tx.put(ns, KIND, payment["id"], payment, tenant=client_id)
    return payment


def submit(
    tx: Tx, ns: str, sandbox: Sandbox, payment_id: str, connection_id: str, now: datetime
) -> None:
    """The code was exchanged: the payment goes to the bank."""
    payment = tx.lock(ns, KIND, payment_id)
    if payment is None or payment["status"] != "inProgress":
        return
    stamp = isoformat(now)
    payment |= {"exchangedAt": stamp, "connectionId": connection_id, "submittedAt": stamp}
    account = tx.get(ns, bank_ledger.ACCOUNT_KIND, str(payment["_account"]))
    payee = payees.find(tx, ns, payment["clientId"], payment["payeeId"])
    pence = int(payment["amount"])
    if _magic(payment, INCLUDE_CHARGES):
        charge = {"bearer": "BorneByDebtor", "type": "MoneyTransferOut"}
        payment["charges"] = [{**charge, "amount": CHARGE_PENCE, "currency": "GBP"}]
        pence += CHARGE_PENCE
    value = Decimal(pence) / 100
    if _magic(payment, INVALID_SUBMISSION):
        payment |= {"status": "error:paymentSubmission", "providerStatus": "Rejected"}
    elif _magic(payment, REJECTED) or account is None or payee is None:
        payment |= {"status": "rejected", "providerStatus": "Rejected"}
    elif value > bank_ledger.spendable(account):
        payment |= {"status": "rejected", "providerStatus": "Rejected"}  # insufficient funds
    else:
        creditor = {
            "name": payee["name"],
            "sort_code": payee["sortCode"],
            "account_number": payee["accountNumber"],
        }
        bank_ledger.transfer(
            tx, ns, sandbox, account, value, creditor, reference=payment["payerRef"], now=now
        )
        payment |= {"status": "completed", "providerStatus": "AcceptedSettlementCompleted"}
    payment["finalisedAt"] = stamp
    tx.put(ns, KIND, payment_id, payment, tenant=payment["clientId"])
    _notify(tx, ns, sandbox, payment)


def _notify(tx: Tx, ns: str, sandbox: Sandbox, payment: dict[str, Any]) -> None:
    client = tx.get(ns, CLIENT_KIND, payment["clientId"]) or {}
    url = client.get("webhook_url")
    if not url:
        return
    event = "paymentCompleted" if payment["status"] == "completed" else "paymentError"
    body = {"paymentId": payment["id"], "status": payment["status"]}
    sandbox.webhooks.enqueue(
        tx,
        ns,
        provider="moneyhub",
        event=event,
        url=str(url),
        payload={
            "id": sandbox.ids.uuid(tx, ns, "moneyhub.webhook"),
            "eventType": event,
            "userId": payment.get("userId"),
            "payload": body,
        },
        secret=str(client.get("client_secret") or ""),
        tenant=payment["clientId"],
    )


def public(payment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payment.items() if not k.startswith("_")}


def find(tx: Tx, ns: str, client_id: str, payment_id: str) -> dict[str, Any]:
    payment = tx.get(ns, KIND, payment_id, tenant=client_id)
    if payment is None:
        raise ApiError(404, f"Payment {payment_id} not found", code="NotFound", path="id")
    return payment


def listing(
    tx: Tx, ns: str, client_id: str, limit: int | None, offset: int
) -> list[dict[str, Any]]:
    return tx.list(ns, KIND, tenant=client_id, limit=limit, offset=offset)
