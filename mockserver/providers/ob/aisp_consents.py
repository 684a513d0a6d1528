"""The account-access-consents endpoints over HTTP (the rules live in ``consents``)."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.responses import empty_reply, json_reply
from mockserver.core.sandbox import current_sandbox
from mockserver.core.urls import absolute_url
from mockserver.providers.ob import consents

BASE = "/ob/open-banking/v3.1/aisp/account-access-consents"


def _client_id() -> str:
    return str(context.current().extra["token"]["client_id"])


def resource(record: dict[str, Any]) -> dict[str, Any]:
    """OBReadConsentResponse1."""
    consent_id = record["consent"]["ConsentId"]
    return {
        "Data": record["consent"],
        "Risk": record["risk"],
        "Links": {"Self": absolute_url(f"{BASE}/{consent_id}")},
        "Meta": {"TotalPages": 1},
    }


def create_reply(body: dict[str, Any]) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        record = consents.create(tx, ns, sandbox, _client_id(), body, sandbox.clock.now(ns, tx))
    return json_reply(resource(record), status=201)


def get_reply(consent_id: str) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.read() as tx:
        record = consents.find(tx, ns, consent_id, _client_id())
    return json_reply(resource(record))


def delete_reply(consent_id: str) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        consents.delete(tx, ns, sandbox, consent_id, _client_id())
    return empty_reply(204)
