"""Fena's webhooks: one registration per consent, and the events posted to it.

Events go to the consent's own ``WebhookUri`` (given when it was created) and to the webhook
registered for the consent with ``POST /data/webhooks`` when its ``event`` matches:

- ``ACCOUNT_ACCESS_CONSENT``: an access consent was authorised, rejected, reconfirmed or revoked;
- ``ACCOUNTS`` / ``ACCOUNT_BALANCES`` / ``ACCOUNT_TRANSACTIONS``: the data of a consent's
  ``flow``, fetched on approval; later, a payment booked on one of the consent's accounts posts
  ``ACCOUNT_TRANSACTION`` (the new transaction), ``ACCOUNT_TRANSACTIONS`` (likewise),
  ``ACCOUNT_BALANCES`` (the account's balances) or ``ACCOUNT`` (the account) to the webhook
  registered for that event;
- ``DOMESTIC_STANDING_ACCESS_CONSENT``: a VRP consent's status changed (authorised, rejected,
  revoked), or a payment was made under it.

Every payload is ``{"event", "consentId", ...}``; deliveries are signed and retried by the
sandbox's webhook worker (``core.webhooks``), with the client's secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx
from mockserver.providers.fena import account_data, kinds
from mockserver.providers.ob import resources

PROVIDER = "fena"
FLOW_EVENTS = {
    "accounts": "ACCOUNTS",
    "balances": "ACCOUNT_BALANCES",
    "transactions": "ACCOUNT_TRANSACTIONS",
}
BOOKING_EVENTS = ("ACCOUNT", "ACCOUNT_BALANCES", "ACCOUNT_TRANSACTION", "ACCOUNT_TRANSACTIONS")
SUCCESS = "Request is completed successfully."


# -- registrations --------------------------------------------------------------------------------


def _owned_consent(tx: Tx, ns: str, consent_id: str, client_id: str) -> dict[str, Any]:
    for kind in (kinds.ACCESS_CONSENT, kinds.VRP_CONSENT):
        record = tx.get(ns, kind, consent_id)
        if record is not None and record["client_id"] == client_id:
            return record
    raise ApiError(404, f"Consent {consent_id} not found.", path="consentId")


def register(tx: Tx, ns: str, client_id: str, body: dict[str, Any]) -> None:
    """Register (or replace) the consent's webhook."""
    _owned_consent(tx, ns, body["consentId"], client_id)
    if not str(body["url"]).startswith(("http://", "https://")):
        raise ApiError(400, "url must be an absolute http(s) URL.", path="url")
    webhook = {k: body[k] for k in ("consentId", "url", "event", "product")}
    tx.put(ns, kinds.WEBHOOK, body["consentId"], webhook, tenant=client_id, parent=client_id)


def find(tx: Tx, ns: str, client_id: str, consent_id: str) -> dict[str, Any]:
    webhook = tx.get(ns, kinds.WEBHOOK, consent_id, tenant=client_id)
    if webhook is None:
        raise ApiError(404, f"No webhook is registered for consent {consent_id}.", path="consentId")
    return webhook


def delete(tx: Tx, ns: str, client_id: str, consent_id: str) -> None:
    find(tx, ns, client_id, consent_id)
    tx.delete(ns, kinds.WEBHOOK, consent_id, tenant=client_id)


# -- delivery -------------------------------------------------------------------------------------


def _post(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    record: dict[str, Any],
    event: str,
    payload: dict[str, Any],
    *,
    own_url: str | None,
) -> None:
    """Post ``payload`` to the consent's own URL and to its webhook registered for ``event``."""
    client_id = record["client_id"]
    client = tx.get(ns, CLIENT_KIND, client_id) or {}
    consent_id = payload["consentId"]
    urls = [own_url] if own_url else []
    registered = tx.get(ns, kinds.WEBHOOK, consent_id, tenant=client_id)
    if registered is not None and registered["event"] == event and registered["url"] not in urls:
        urls.append(registered["url"])
    for url in urls:
        sandbox.webhooks.enqueue(
            tx,
            ns,
            provider=PROVIDER,
            event=event,
            url=url,
            payload={"event": event, **payload},
            secret=str(client.get("client_secret") or ""),
            tenant=client_id,
        )


def consent_changed(tx: Tx, ns: str, sandbox: Sandbox, record: dict[str, Any]) -> None:
    consent = record["consent"]
    payload: dict[str, Any] = {
        "consentId": consent["ConsentId"],
        "status": consent["Status"],
        "customerConsentId": record["customer_consent_id"],
        "lastAuthorizationAt": record["last_authorization_at"],
    }
    _post(tx, ns, sandbox, record, "ACCOUNT_ACCESS_CONSENT", payload, own_url=record["webhook_uri"])


def deliver_flow(tx: Tx, ns: str, sandbox: Sandbox, record: dict[str, Any], now: datetime) -> None:
    """The data the consent's ``flow`` asked for, fetched once the customer approved."""
    flow = record["flow"]
    payload: dict[str, Any] = {
        "consentId": record["consent"]["ConsentId"],
        "customerConsentId": record["customer_consent_id"],
    }
    try:
        if flow == "accounts":
            payload["data"] = account_data.accounts(tx, ns, record)
        else:
            payload["accountId"] = record["account_id"]
            if flow == "balances":
                data = account_data.balances(tx, ns, record, record["account_id"], now)
            else:
                data = account_data.transactions(
                    tx,
                    ns,
                    record,
                    record["account_id"],
                    record["transaction_start"],
                    record["transaction_end"],
                )
            payload["data"] = data
    except ApiError as error:
        # The customer did not share the flow's account: the flow fails, the consent stands.
        payload["error"] = {"statusCode": error.status, "message": error.message}
    _post(tx, ns, sandbox, record, FLOW_EVENTS[flow], payload, own_url=record["webhook_uri"])


def vrp_changed(
    tx: Tx, ns: str, sandbox: Sandbox, record: dict[str, Any], extra: dict[str, Any]
) -> None:
    consent = record["consent"]
    payload = {"consentId": consent["id"], "status": consent["status"], **extra}
    _post(
        tx,
        ns,
        sandbox,
        record,
        "DOMESTIC_STANDING_ACCESS_CONSENT",
        payload,
        own_url=consent["webhookUri"],
    )


def on_booking(
    tx: Tx, ns: str, sandbox: Sandbox, account: dict[str, Any], row: dict[str, Any]
) -> None:
    """A payment hit a PSU's account: tell the webhooks watching it through a consent."""
    now = sandbox.clock.now(ns, tx)
    for webhook in tx.list(ns, kinds.WEBHOOK):
        if webhook["event"] not in BOOKING_EVENTS:
            continue
        record = tx.get(ns, kinds.ACCESS_CONSENT, webhook["consentId"])
        if record is None or record["consent"]["Status"] != "Authorised":
            continue
        if account["id"] not in record["accounts"]:
            continue
        event = webhook["event"]
        if event == "ACCOUNT":
            data = account_data.one_account(tx, ns, record, account["id"])
        elif event == "ACCOUNT_BALANCES":
            data = account_data.balances(tx, ns, record, account["id"], now)
        else:
            data = {"Data": {"Transaction": [resources.transaction(row, account, detail=True)]}}
        payload = {"consentId": webhook["consentId"], "accountId": account["id"], "data": data}
        _post(tx, ns, sandbox, record, event, payload, own_url=None)
