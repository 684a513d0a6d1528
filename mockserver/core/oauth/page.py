"""The consent page: one server-rendered page per authorisation request, styled per provider.

Step one logs the PSU in; step two shows what is asked and the PSU's accounts, with Approve and
Deny. The page posts to itself; a decision redirects the browser to the client.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.html import pages
from mockserver.core.oauth import decisions
from mockserver.core.oauth.consents import ConsentSummary, Decision
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.oauth.requests import REQUEST_KIND
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.urls import absolute_url

BRANDS = {
    "ob": {"name": "Sandbox Bank", "colour": "#0b4f8a"},
    "fena": {"name": "Fena", "colour": "#4b2bc2"},
    "moneyhub": {"name": "Moneyhub", "colour": "#0b6e60"},
    "mogoplus": {"name": "MogoPlus", "colour": "#a3154f"},
}


def render(
    profile: AuthServerProfile,
    *,
    step: str,
    summary: ConsentSummary | None = None,
    action: str = "",
    client_name: str = "",
    accounts: list[dict[str, Any]] | None = None,
    psu_name: str = "",
    error: str | None = None,
) -> str:
    return pages.get_template("consent.html").render(
        brand=BRANDS.get(profile.provider, BRANDS["ob"]),
        step=step,
        summary=summary,
        action=action,
        client_name=client_name,
        accounts=accounts or [],
        psu_name=psu_name,
        error=error,
    )


class ConsentPage:
    """GET shows the page; POST logs in, or approves or denies."""

    def __init__(self, sandbox: Sandbox, profile: AuthServerProfile) -> None:
        self.sandbox = sandbox
        self.profile = profile

    def get(self, request_id: str) -> tuple[int, str, str | None]:
        """(status, html, redirect location)."""
        return self._show(request_id, step="login")

    def post(self, request_id: str, body: bytes) -> tuple[int, str, str | None]:
        form = parse_qs(body.decode("utf-8", errors="replace"))
        action = (form.get("action") or [""])[0]
        if action == "login":
            username = (form.get("username") or [""])[0].strip()
            password = (form.get("password") or [""])[0]
            return self._login(request_id, username, password)
        if action in ("approve", "deny"):
            return self._decide(request_id, action == "approve", form.get("accounts") or [])
        return self._show(request_id, step="login", error="Please log in first.", status=400)

    def _show(
        self, request_id: str, *, step: str, error: str | None = None, status: int = 200
    ) -> tuple[int, str, str | None]:
        ns = context.current_namespace()
        try:
            with self.sandbox.store.read() as tx:
                request = decisions.pending_request(
                    tx, ns, request_id, self.sandbox.clock.now(ns, tx)
                )
                summary = self._adapter().describe(tx, ns, request)
                client = tx.get(ns, CLIENT_KIND, request["client_id"]) or {}
                accounts = decisions.psu_accounts(tx, ns, request["psu"]) if request["psu"] else []
                if summary.eligible_accounts is not None:
                    accounts = [a for a in accounts if a["id"] in summary.eligible_accounts]
        except ApiError as exc:
            return exc.status, render(self.profile, step="closed", error=exc.message), None
        if step == "decide" and not request["psu"]:
            step = "login"
        html = render(
            self.profile,
            step=step,
            summary=summary,
            action=absolute_url(f"{self.profile.consent_path}/{request_id}"),
            client_name=client.get("name", request["client_id"]),
            accounts=accounts,
            psu_name=request["psu"] or "",
            error=error,
        )
        return status, html, None

    def _login(self, request_id: str, username: str, password: str) -> tuple[int, str, str | None]:
        ns = context.current_namespace()
        try:
            with self.sandbox.store.transaction() as tx:
                request = decisions.pending_request(
                    tx, ns, request_id, self.sandbox.clock.now(ns, tx)
                )
                decisions.check_login(tx, ns, username, password)
                request["psu"] = username
                tx.put(ns, REQUEST_KIND, request_id, request, tenant=request["client_id"])
        except ApiError as exc:
            return self._show(request_id, step="login", error=exc.message, status=exc.status)
        return self._show(request_id, step="decide")

    def _decide(
        self, request_id: str, approve: bool, accounts: list[str]
    ) -> tuple[int, str, str | None]:
        ns = context.current_namespace()
        try:
            location = decide_request(
                self.sandbox, self.profile, ns, request_id, approve, accounts, psu=None
            )
        except ApiError as exc:
            return self._show(request_id, step="decide", error=exc.message, status=exc.status)
        return 303, "", location

    def _adapter(self) -> Any:
        return self.sandbox.identity.consents.for_provider(self.profile.provider)


def decide_request(
    sandbox: Sandbox,
    profile: AuthServerProfile,
    ns: str,
    request_id: str,
    approve: bool,
    accounts: list[str],
    *,
    psu: str | None,
) -> str:
    """Decide a pending request; ``psu`` None means the PSU who logged in on the page."""
    base = str(context.current().extra["base_url"])
    with sandbox.store.transaction() as tx:
        now = sandbox.clock.now(ns, tx)
        request = decisions.pending_request(tx, ns, request_id, now)
        if psu is None:
            if not request["psu"]:
                raise ApiError(401, "log in first")
            psu = str(request["psu"])
        else:
            decisions.check_login(tx, ns, psu, None)
        return decisions.decide(
            tx,
            ns,
            request,
            Decision(approved=approve, psu=psu, accounts=tuple(accounts)),
            profile=profile,
            adapter=sandbox.identity.consents.for_provider(profile.provider),
            tokens=sandbox.identity.tokens,
            ids=sandbox.ids,
            issuer=profile.issuer(base),
            now=now,
        )
