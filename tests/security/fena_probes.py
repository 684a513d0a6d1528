"""The Fena operations, classified (see ``probes``). Another client's consent, payment or
webhook is not found (404), as is an account outside the consent."""

from __future__ import annotations

from typing import Any

from tests.security.calls import Call
from tests.security.fena_tenant import FenaTenant
from tests.security.probes import CATALOGUE, CREATES, Ids, Owned, Probe, Unscoped

NOT_FOUND = {404: frozenset({"404"})}
CONSENT = "/data/access-consents/{consent}"


def fena(
    method: str,
    path: str,
    body: Any = None,
    *,
    fresh: Any = None,
    mixed: tuple[str, ...] = (),
) -> Owned:
    """An operation on the client's resources; ``body``: (tenant, ids) -> the JSON body."""

    def request(t: FenaTenant, ids: Ids) -> Call:
        return t.call(method, path.format(**ids), body(t, ids) if body else None)

    return Owned(request, NOT_FOUND, fresh=fresh, mixed=mixed)


PROBES: dict[tuple[str, str], Probe] = {
    ("/fena", "create_access_consent"): Unscoped(CREATES),
    ("/fena", "get_access_consent"): fena("GET", CONSENT),
    ("/fena", "delete_access_consent"): fena(
        "DELETE", CONSENT, fresh=lambda t: {"consent": t.new_access_consent()[0]}
    ),
    ("/fena", "reconfirm_access_consent"): fena("POST", CONSENT + "/reconfirm"),
    ("/fena", "get_accounts"): fena("GET", CONSENT + "/accounts"),
    ("/fena", "get_balances"): fena(
        "GET", CONSENT + "/accounts/{account}/balances", mixed=("account",)
    ),
    ("/fena", "get_transactions"): fena(
        "GET", CONSENT + "/accounts/{account}/transactions", mixed=("account",)
    ),
    ("/fena", "create_vrp_consent"): Unscoped(CREATES),
    ("/fena", "get_vrp_consent"): fena("GET", "/payment/vrp-consent/{vrp_consent}"),
    ("/fena", "delete_vrp_consent"): fena(
        "DELETE",
        "/payment/vrp-consent/{vrp_consent}",
        fresh=lambda t: {"vrp_consent": t.new_vrp_consent()[0]},
    ),
    ("/fena", "create_vrp_payment"): fena(
        "POST", "/payment/vrp", lambda t, ids: t.payment_body(ids["vrp_consent"])
    ),
    ("/fena", "get_vrp_payment"): fena("GET", "/payment/vrp/{payment}"),
    ("/fena", "create_webhook"): fena(
        "POST", "/data/webhooks", lambda t, ids: t.webhook_body(ids["consent"])
    ),
    ("/fena", "get_webhook"): fena("GET", "/data/webhooks/{consent}"),
    ("/fena", "delete_webhook"): fena(
        "DELETE", "/data/webhooks/{consent}", fresh=lambda t: {"consent": t.new_webhook()}
    ),
    ("/fena", "get_providers"): Unscoped(CATALOGUE),
    ("/fena", "get_vrp_providers"): Unscoped(CATALOGUE),
    ("/fena", "get_provider"): Unscoped(CATALOGUE),
}
