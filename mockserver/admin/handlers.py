"""The control plane's operations (specs/admin.yaml): one short function each."""

from __future__ import annotations

import os
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver import __version__
from mockserver.admin import clients, consents, dashboard, insights_page, state, webhooks
from mockserver.core import context
from mockserver.core.clock import parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import current_sandbox
from mockserver.providers.mogoplus import processing

Reply = tuple[Any, int]


def _ns() -> str:
    return context.current_namespace()


def _explicit_namespace(namespace: str | None) -> str | None:
    """?namespace=X, else the X-Sandbox-Namespace header if the caller sent one."""
    if namespace:
        return namespace
    ctx = context.current()
    return ctx.namespace if ctx.extra.get("namespace_given") else None


async def health() -> Reply:
    keys = [p.key for p in current_sandbox().providers]
    return {"status": "ok", "version": __version__, "providers": keys, "pid": os.getpid()}, 200


async def list_specs() -> Reply:
    return current_sandbox().spec_entries, 200


async def reset(namespace: str | None = None) -> Reply:
    target = _explicit_namespace(namespace)
    current_sandbox().reset(target)
    return {"reset": target or "*"}, 200


async def export_state(namespace: str | None = None, secrets: str = "redact") -> Reply:
    sandbox = current_sandbox()
    target = _explicit_namespace(namespace)
    names = [target] if target else sandbox.store.namespace_names()
    if target:
        sandbox.ensure_namespace(target)
    return state.export_state(sandbox, names, redact=secrets != "include"), 200


async def import_state(body: dict[str, Any], namespace: str | None = None) -> Reply:
    imported = state.import_state(current_sandbox(), body, _explicit_namespace(namespace))
    return {"imported": imported}, 200


async def get_clock() -> Reply:
    return current_sandbox().clock.state(_ns()).as_json(), 200


async def set_clock(body: dict[str, Any]) -> Reply:
    try:
        now = parse_instant(body["now"]) if "now" in body else None
    except ValueError as exc:
        raise ApiError(400, str(exc), path="now") from exc
    return current_sandbox().clock.set(_ns(), now, body.get("frozen")).as_json(), 200


async def advance_clock(body: dict[str, Any]) -> Reply:
    try:
        return current_sandbox().clock.advance(_ns(), float(body["seconds"])).as_json(), 200
    except OverflowError as exc:  # past year 9999, or more seconds than a timedelta holds
        raise ApiError(400, "seconds takes the clock past year 9999", path="seconds") from exc


async def list_faults() -> Reply:
    return current_sandbox().faults.list(_ns()), 200


async def add_fault(body: dict[str, Any]) -> Reply:
    return current_sandbox().faults.add(_ns(), body), 201


async def clear_faults() -> Reply:
    return {"removed": current_sandbox().faults.clear(_ns())}, 200


async def remove_fault(faultId: str) -> Reply:
    if not current_sandbox().faults.remove(_ns(), faultId):
        raise ApiError(404, f"no fault rule {faultId!r} in this namespace", path="faultId")
    return None, 204


async def get_mogoplus_processing() -> Reply:
    with current_sandbox().store.read() as tx:
        return processing.current(tx, _ns()), 200


async def set_mogoplus_processing(body: dict[str, Any]) -> Reply:
    with current_sandbox().store.transaction() as tx:
        return processing.configure(tx, _ns(), body), 200


async def get_rate_limit() -> Reply:
    return current_sandbox().rate_limiter.config(_ns()), 200


async def set_rate_limit(body: dict[str, Any]) -> Reply:
    return current_sandbox().rate_limiter.configure(_ns(), body), 200


async def list_requests(
    provider: str | None = None,
    path: str | None = None,
    status: str | None = None,
    method: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> Reply:
    journal = current_sandbox().journal
    entries = journal.list(
        _ns(),
        provider=provider,
        path=path,
        status=status,
        method=method,
        limit=limit,
        before=before,
    )
    return {"entries": entries, "size": journal.size}, 200


async def clear_requests() -> Reply:
    return {"removed": current_sandbox().journal.clear(_ns())}, 200


async def list_clients(provider: str | None = None) -> Reply:
    return clients.list_clients(current_sandbox(), _ns(), provider), 200


async def register_client(body: dict[str, Any]) -> Reply:
    return clients.register_client(current_sandbox(), _ns(), body), 201


async def list_webhook_deliveries(
    provider: str | None = None, event: str | None = None, status: str | None = None
) -> Reply:
    return current_sandbox().webhooks.list(_ns(), provider, event, status), 200


async def fire_webhook(body: dict[str, Any]) -> Reply:
    return webhooks.fire(current_sandbox(), _ns(), body), 202


async def authorize_headless(body: dict[str, Any]) -> Reply:
    return consents.authorize_url(current_sandbox(), _ns(), body), 200


async def authorise_consent(
    provider: str, consentId: str, body: dict[str, Any] | None = None
) -> Reply:
    return consents.decide_consent(
        current_sandbox(), _ns(), provider, consentId, True, body or {}
    ), 200


async def reject_consent(
    provider: str, consentId: str, body: dict[str, Any] | None = None
) -> Reply:
    return consents.decide_consent(
        current_sandbox(), _ns(), provider, consentId, False, body or {}
    ), 200


async def get_insights_page(insightsId: str) -> ConnexionResponse:
    html = insights_page.render(current_sandbox(), _ns(), insightsId)
    return ConnexionResponse(
        status_code=200,
        mimetype="text/html",
        body=html.encode("utf-8"),
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


async def dashboard_page(token: str | None = None) -> ConnexionResponse:
    # token is read by the page's script (kept in sessionStorage), not here.
    return dashboard.page_response(_ns())


async def dashboard_resources() -> Reply:
    return dashboard.list_resources(current_sandbox(), _ns()), 200
