"""Operation handlers of specs/fena.yaml: one short function per operationId."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.providers.fena import access_consents, account_data, catalog, events, vrp
from mockserver.providers.fena.replies import reply, run

# -- account access consents ---------------------------------------------------------------------


async def create_access_consent(body: dict[str, Any]) -> ConnexionResponse:
    record = run(
        lambda tx, ns, sb, client, now: access_consents.create(tx, ns, sb, client, body, now),
        write=True,
    )
    result = {
        "consentID": record["consent"]["ConsentId"],
        "authUrl": record["auth_url"],
        "customerConsentId": record["customer_consent_id"],
    }
    return reply({"result": result}, 201)


async def get_access_consent(consentId: str) -> ConnexionResponse:
    record = run(lambda tx, ns, sb, client, now: access_consents.find(tx, ns, consentId, client))
    return reply(access_consents.resource(record))


async def delete_access_consent(consentId: str) -> ConnexionResponse:
    run(
        lambda tx, ns, sb, client, now: access_consents.revoke(tx, ns, sb, consentId, client),
        write=True,
    )
    return reply({"result": {"message": "Consent revoked successfully."}})


async def reconfirm_access_consent(consentId: str) -> ConnexionResponse:
    last = run(
        lambda tx, ns, sb, client, now: access_consents.reconfirm(tx, ns, sb, consentId, client),
        write=True,
    )
    return reply({"message": "Consent reconfirmed successfully.", "lastAuthorizationAt": last})


# -- account data --------------------------------------------------------------------------------


async def get_accounts(consentId: str) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, client: str, now: Any) -> dict[str, Any]:
        record = access_consents.readable(tx, ns, consentId, client, now)
        return account_data.accounts(tx, ns, record)

    return reply(run(work))


async def get_balances(consentId: str, accountId: str) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, client: str, now: Any) -> dict[str, Any]:
        record = access_consents.readable(tx, ns, consentId, client, now)
        return account_data.balances(tx, ns, record, accountId, now)

    return reply(run(work))


async def get_transactions(
    consentId: str,
    accountId: str,
    transactionStartDate: str | None = None,
    transactionEndDate: str | None = None,
) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, client: str, now: Any) -> dict[str, Any]:
        record = access_consents.readable(tx, ns, consentId, client, now)
        window = access_consents.query_window(transactionStartDate, transactionEndDate)
        return account_data.transactions(tx, ns, record, accountId, *window)

    return reply(run(work))


# -- VRP -----------------------------------------------------------------------------------------


async def create_vrp_consent(body: dict[str, Any]) -> ConnexionResponse:
    record = run(
        lambda tx, ns, sb, client, now: vrp.create_consent(tx, ns, sb, client, body, now),
        write=True,
    )
    # The document's answer has no link to the bank's page; the sandbox adds it as a header.
    headers = {"X-Sandbox-Auth-Url": record["auth_url"]}
    return reply({"result": {"vrp_consent": vrp.consent_view(record)}}, 201, headers)


async def get_vrp_consent(id: str) -> ConnexionResponse:
    record = run(lambda tx, ns, sb, client, now: vrp.find_consent(tx, ns, id, client))
    return reply(vrp.consent_view(record))


async def delete_vrp_consent(id: str) -> ConnexionResponse:
    run(lambda tx, ns, sb, client, now: vrp.delete_consent(tx, ns, sb, id, client), write=True)
    return reply(vrp.DELETED)


async def create_vrp_payment(body: dict[str, Any]) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, client: str, now: Any) -> dict[str, Any]:
        payment = vrp.make_payment(tx, ns, sb, client, body, now)
        return vrp.payment_view(tx, ns, payment)

    return reply({"result": {"vrp_payment": run(work, write=True)}}, 201)


async def get_vrp_payment(id: str) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, client: str, now: Any) -> dict[str, Any]:
        return vrp.payment_view(tx, ns, vrp.find_payment(tx, ns, id, client))

    return reply(run(work))


# -- webhooks ------------------------------------------------------------------------------------


async def create_webhook(body: dict[str, Any]) -> ConnexionResponse:
    run(lambda tx, ns, sb, client, now: events.register(tx, ns, client, body), write=True)
    return reply({"message": events.SUCCESS}, 201)


async def get_webhook(consentId: str) -> ConnexionResponse:
    return reply(run(lambda tx, ns, sb, client, now: events.find(tx, ns, client, consentId)))


async def delete_webhook(consentId: str) -> ConnexionResponse:
    run(lambda tx, ns, sb, client, now: events.delete(tx, ns, client, consentId), write=True)
    return reply({"message": events.SUCCESS})


# -- providers -----------------------------------------------------------------------------------


async def get_providers() -> ConnexionResponse:
    return reply([catalog.public(p) for p in catalog.providers() if p["listed"]])


async def get_vrp_providers(filterSandbox: bool = False) -> ConnexionResponse:
    chosen = [
        p for p in catalog.providers() if p["vrp"] and not (filterSandbox and p.get("sandbox"))
    ]
    return reply([catalog.public(p) for p in chosen])


async def get_provider(providerId: str) -> ConnexionResponse:
    return reply(catalog.public(catalog.known(providerId)))
