"""``GET /__admin/dashboard/resources``: what the dashboard lists per provider, read-only.

Each store record of the kinds below becomes one row: its id, the provider's own status, when
it was created, its client and a one-line summary. A consent is ``pending`` when it awaits
authorisation and an authorisation request (``sandbox.auth_request``, status ``pending``) is
waiting for it: only then can ``POST /__admin/consents/{provider}/{id}/authorise`` decide it.
Records are read defensively (``.get``): an imported snapshot may hold older shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.core.clock import isoformat
from mockserver.core.oauth.decisions import PSU_KIND
from mockserver.core.oauth.requests import REQUEST_KIND
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx

Row = dict[str, Any]
Record = dict[str, Any]

# Statuses meaning "waiting for the PSU", per kind.
AWAITING = {"AwaitingAuthorisation", "awaiting_authorization"}
INSIGHTS_PAGE = "/__admin/insights/{}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _row(
    kind: str,
    category: str,
    id: Any,
    status: Any,
    created: Any,
    client: Any,
    summary: str,
    *,
    parent: Any = None,
    psu: Any = None,
    report_url: str | None = None,
) -> Row:
    return {
        "kind": kind,
        "category": category,
        "id": str(id),
        "status": str(status or "unknown"),
        "created": _text(created),
        "client": _text(client),
        "summary": summary,
        "pending": False,
        "parent": _text(parent),
        "psu": _text(psu),
        "report_url": report_url,
    }


def _money(amount: Any) -> str:
    if isinstance(amount, dict):
        return f"{amount.get('Currency', '')} {amount.get('Amount', '?')}".strip()
    return str(amount)


# --- UK Open Banking ------------------------------------------------------------------------


def _ob_access_consent(r: Record) -> Row:
    c = r.get("consent") or {}
    permissions = c.get("Permissions") or []
    summary = f"{len(permissions)} permissions: " + ", ".join(permissions)
    if r.get("accounts"):
        summary += f"; {len(r['accounts'])} accounts"
    return _row(
        "ob.account_access_consent",
        "consent",
        c.get("ConsentId"),
        c.get("Status"),
        c.get("CreationDateTime"),
        r.get("client_id"),
        summary,
        psu=r.get("psu"),
    )


def _ob_vrp_consent(r: Record) -> Row:
    c = r.get("consent") or {}
    controls = c.get("ControlParameters") or {}
    creditor = ((c.get("Initiation") or {}).get("CreditorAccount") or {}).get("Name")
    summary = f"VRP up to {_money(controls.get('MaximumIndividualAmount'))} a payment"
    if creditor:
        summary += f" to {creditor}"
    return _row(
        "ob.domestic_vrp_consent",
        "consent",
        c.get("ConsentId"),
        c.get("Status"),
        c.get("CreationDateTime"),
        r.get("client_id"),
        summary,
        psu=r.get("psu"),
    )


def _ob_vrp(r: Record) -> Row:
    p = r.get("payment") or {}
    instruction = p.get("Instruction") or {}
    creditor = (instruction.get("CreditorAccount") or {}).get("Name")
    summary = f"VRP of {_money(instruction.get('InstructedAmount'))}"
    if creditor:
        summary += f" to {creditor}"
    return _row(
        "ob.domestic_vrp",
        "payment",
        p.get("DomesticVRPId"),
        p.get("Status"),
        p.get("CreationDateTime"),
        r.get("client_id"),
        summary,
        parent=p.get("ConsentId"),
    )


# --- Fena -----------------------------------------------------------------------------------


def _fena_access_consent(r: Record) -> Row:
    c = r.get("consent") or {}
    summary = f"data access at {r.get('provider')}"
    if r.get("flow"):
        summary += f" ({r['flow']} flow)"
    if r.get("accounts"):
        summary += f"; {len(r['accounts'])} accounts"
    return _row(
        "fena.access_consent",
        "consent",
        c.get("ConsentId"),
        c.get("Status"),
        c.get("CreationDateTime"),
        r.get("client_id"),
        summary,
        psu=r.get("psu"),
    )


def _fena_vrp_consent(r: Record) -> Row:
    c = r.get("consent") or {}
    summary = f"VRP up to GBP {c.get('maximumIndividualAmount')} a payment"
    if c.get("beneficiaryName"):
        summary += f" to {c['beneficiaryName']}"
    return _row(
        "fena.vrp_consent",
        "consent",
        c.get("id"),
        c.get("status"),
        c.get("createdAt"),
        r.get("client_id"),
        summary,
        psu=r.get("psu"),
    )


def _fena_vrp_payment(r: Record) -> Row:
    return _row(
        "fena.vrp_payment",
        "payment",
        r.get("id"),
        r.get("status"),
        r.get("createdAt"),
        r.get("client_id"),
        f"VRP of GBP {r.get('amount')}",
        parent=r.get("consent_id"),
    )


# --- Moneyhub -------------------------------------------------------------------------------


def _moneyhub_user(r: Record) -> Row:
    connections = r.get("connectionIds") or []
    summary = f"user with {len(connections)} connection{'' if len(connections) == 1 else 's'}"
    if r.get("clientUserId"):
        summary += f" (clientUserId {r['clientUserId']})"
    return _row(
        "moneyhub.user",
        "user",
        r.get("userId"),
        "active",
        r.get("createdAt"),
        r.get("clientId"),
        summary,
    )


def _pence(value: Any) -> str:
    try:
        pence = int(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{pence // 100}.{pence % 100:02d}"


def _moneyhub_payment(r: Record) -> Row:
    summary = f"payment of {r.get('currency', 'GBP')} {_pence(r.get('amount'))}"
    if r.get("payeeRef"):
        summary += f", reference {r['payeeRef']}"
    return _row(
        "moneyhub.payment",
        "payment",
        r.get("id"),
        r.get("status"),
        r.get("initiatedAt"),
        r.get("clientId"),
        summary,
        parent=r.get("userId"),
    )


# --- MogoPlus -------------------------------------------------------------------------------


def _mogoplus_insights(r: Record) -> Row:
    meta = (r.get("payload") or {}).get("meta") or {}
    applicants = (r.get("payload") or {}).get("applicantsData") or []
    summary = f"insights for {len(applicants)} applicant{'' if len(applicants) == 1 else 's'}"
    if meta.get("reference"):
        summary += f", reference {meta['reference']}"
    insights_id = str(r.get("insightsId"))
    return _row(
        "mogoplus.insights",
        "insights",
        insights_id,
        r.get("status"),
        r.get("submitted_at"),
        r.get("client_id"),
        summary,
        report_url=INSIGHTS_PAGE.format(insights_id),
    )


Reader = Callable[[Record], Row]
KINDS: tuple[tuple[str, tuple[tuple[str, Reader], ...]], ...] = (
    (
        "ob",
        (
            ("ob.account_access_consent", _ob_access_consent),
            ("ob.domestic_vrp_consent", _ob_vrp_consent),
            ("ob.domestic_vrp", _ob_vrp),
        ),
    ),
    (
        "fena",
        (
            ("fena.access_consent", _fena_access_consent),
            ("fena.vrp_consent", _fena_vrp_consent),
            ("fena.vrp_payment", _fena_vrp_payment),
        ),
    ),
    (
        "moneyhub",
        (
            ("moneyhub.user", _moneyhub_user),
            ("moneyhub.payment", _moneyhub_payment),
        ),
    ),
    ("mogoplus", (("mogoplus.insights", _mogoplus_insights),)),
)


def _moneyhub_connections(tx: Tx, ns: str) -> list[Row]:
    """Connections carry no client: it is their user's."""
    clients = {u.get("userId"): u.get("clientId") for u in tx.list(ns, "moneyhub.user")}
    rows = []
    for r in tx.list(ns, "moneyhub.connection", newest_first=True):
        accounts = r.get("accountIds") or []
        summary = f"{r.get('name', r.get('bankId'))}, {len(accounts)} accounts"
        rows.append(
            _row(
                "moneyhub.connection",
                "connection",
                r.get("id"),
                r.get("status"),
                r.get("connectedOn"),
                clients.get(r.get("userId")),
                summary,
                parent=r.get("userId"),
                psu=r.get("_psu"),
            )
        )
    return rows


def _waiting(tx: Tx, ns: str) -> set[tuple[str, str]]:
    """(provider, consent id) of every pending authorisation request."""
    return {
        (str(r.get("provider")), str(r["consent_id"]))
        for r in tx.list(ns, REQUEST_KIND)
        if r.get("status") == "pending" and r.get("consent_id") is not None
    }


def list_resources(sandbox: Sandbox, ns: str) -> dict[str, Any]:
    with sandbox.store.read() as tx:
        waiting = _waiting(tx, ns)
        providers = []
        for provider, kinds in KINDS:
            rows = [
                read(record)
                for kind, read in kinds
                for record in tx.list(ns, kind, newest_first=True)
            ]
            if provider == "moneyhub":
                rows[1:1] = _moneyhub_connections(tx, ns)  # after users, before payments
            for row in rows:
                row["pending"] = (
                    row["category"] == "consent"
                    and row["status"] in AWAITING
                    and (provider, row["id"]) in waiting
                )
            providers.append({"provider": provider, "resources": rows})
        psus = [str(p.get("username")) for p in tx.list(ns, PSU_KIND) if p.get("username")]
        now = sandbox.clock.now(ns, tx)
    known = {p.key for p in sandbox.providers}
    return {
        "namespace": ns,
        "now": isoformat(now),
        "psus": psus,
        "providers": [p for p in providers if p["provider"] in known],
    }
