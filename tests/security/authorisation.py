"""Authorisation codes of the OBIE bank and of Moneyhub's identity service, decided headlessly
by a PSU, for the tests of what the token endpoint then accepts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import Pkce, intent_claims, redirect_params
from tests.moneyhub.helpers import MOCK_BANK, connection_claims
from tests.security import sandbox_clients
from tests.security.calls import bearer


@dataclass(frozen=True)
class Server:
    """An authorisation server and the sandbox client registered with it."""

    provider: str
    authorize_url: str
    token_path: str
    client: tuple[str, str]
    redirect_uri: str  # the client's first registered redirect URI
    other_registered_uri: str  # another one it registered

    def authorize_params(
        self, api: NamespacedClient, redirect_uri: str, pkce: Pkce | None = None
    ) -> dict[str, str]:
        """The query of an authorisation request for a new consent (OBIE) or connection."""
        params = {
            "client_id": self.client[0],
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": "st",
            "nonce": "n",
        }
        if self.provider == "ob":
            params |= {
                "scope": "openid accounts",
                "claims": json.dumps(intent_claims(_consent(api))),
            }
        else:
            params |= {
                "scope": f"openid id:{MOCK_BANK}",
                "claims": json.dumps(connection_claims(None)),
            }
        if pkce is not None:
            params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
        return params

    def code(
        self,
        api: NamespacedClient,
        redirect_uri: str | None = None,
        pkce: Pkce | None = None,
        accounts: list[str] | None = None,
    ) -> str:
        """An authorisation code the PSU (alice) granted this client, for ``accounts`` (a
        Moneyhub connection copies the accounts' history: a small account is quick)."""
        query = urlencode(self.authorize_params(api, redirect_uri or self.redirect_uri, pkce))
        decision: dict[str, Any] = {"url": f"{self.authorize_url}?{query}", "psu": "alice"}
        if accounts is not None:
            decision["accounts"] = accounts
        decided = api.post("/__admin/authorize", json=decision)
        assert decided.status_code == 200, decided.text
        return redirect_params(decided.json()["redirect"])["code"]

    def exchange(self, api: NamespacedClient, code: str, **form: str | None) -> Any:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        data |= form
        sent = {k: v for k, v in data.items() if v is not None}
        return api.post(self.token_path, data=sent, auth=self.client)


def _consent(api: NamespacedClient) -> str:
    token = sandbox_clients.token(api, "ob", "accounts")
    body = {"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}}
    made = api.post(
        "/ob/open-banking/v3.1/aisp/account-access-consents", json=body, headers=bearer(token)
    )
    assert made.status_code == 201, made.text
    return str(made.json()["Data"]["ConsentId"])


SERVERS = {
    "ob": Server(
        "ob",
        "http://testserver/ob/oauth2/authorize",
        "/ob/oauth2/token",
        sandbox_clients.OB,
        "http://localhost:3000/callback",
        "http://127.0.0.1:3000/callback",
    ),
    "moneyhub": Server(
        "moneyhub",
        "http://testserver/moneyhub/identity/oidc/auth",
        "/moneyhub/identity/oidc/token",
        sandbox_clients.MONEYHUB,
        "http://localhost:3001/callback",
        "http://127.0.0.1:3001/callback",
    ),
}
