"""Handlers of the probe spec: a tiny tenant-scoped resource kept in the sandbox store."""

from __future__ import annotations

from typing import Any

from mockserver.core import context
from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.responses import json_reply
from mockserver.core.sandbox import current_sandbox

KIND = "probe.item"


def _tenant() -> str:
    return str(context.current().extra["headers"]["x-probe-client"])


async def list_items() -> Any:
    with current_sandbox().store.read() as tx:
        return tx.list(context.current_namespace(), KIND, tenant=_tenant()), 200


async def create_item(body: dict[str, Any]) -> Any:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        item = {
            "id": sandbox.ids.uuid(tx, ns, KIND),
            "name": body["name"],
            "amount": body["amount"],
            "created": isoformat(sandbox.clock.now(ns, tx)),
        }
        tx.put(ns, KIND, item["id"], item, tenant=_tenant())
    return item, 201


async def get_item(itemId: str) -> Any:
    with current_sandbox().store.read() as tx:
        item = tx.get(context.current_namespace(), KIND, itemId, tenant=_tenant())
    if item is None:
        raise ApiError(404, f"no item {itemId}", path="itemId")
    return json_reply(item)


async def delete_item(itemId: str) -> Any:
    with current_sandbox().store.transaction() as tx:
        if not tx.delete(context.current_namespace(), KIND, itemId, tenant=_tenant()):
            raise ApiError(404, f"no item {itemId}", path="itemId")
    return None, 204


async def boom() -> Any:
    raise RuntimeError("internal detail that must not leak: /secret/path line 42")
