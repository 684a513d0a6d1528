"""Fena's operations over HTTP: the authenticated client, a store transaction, the model, JSON.

``auth`` has already checked the ``client_id`` / ``client_secret`` pair and put the client id
in the request context; every model call is scoped to that client.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.responses import json_reply
from mockserver.core.sandbox import Sandbox, current_sandbox
from mockserver.core.store import Tx

JSON = "application/json"
Work = Callable[[Tx, str, Sandbox, str, datetime], Any]


def client_id() -> str:
    return str(context.current().client_id)


def run(work: Work, *, write: bool = False) -> Any:
    """``work(tx, ns, sandbox, client_id, now)`` in one store transaction."""
    sandbox, ns = current_sandbox(), context.current_namespace()
    transaction = sandbox.store.transaction() if write else sandbox.store.read()
    with transaction as tx:
        return work(tx, ns, sandbox, client_id(), sandbox.clock.now(ns, tx))


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return json_reply(body, status=status, headers=headers, media_type=JSON)
