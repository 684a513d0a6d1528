"""The sandbox's own client of each provider (seeded in every namespace), as calls."""

from __future__ import annotations

from mockserver.client import FENA_CLIENT, sandbox_credentials
from tests.conftest import NamespacedClient
from tests.security.calls import Call, bearer

OB = sandbox_credentials("ob")
FENA = FENA_CLIENT
MONEYHUB = sandbox_credentials("moneyhub")
MOGOPLUS = sandbox_credentials("mogoplus")
INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"
TOKEN_PATHS = {
    "ob": "/ob/oauth2/token",
    "moneyhub": "/moneyhub/identity/oidc/token",
    "mogoplus": "/mogoplus/api/v1/oauth2/token",
}
CREDENTIALS = {"ob": OB, "moneyhub": MONEYHUB, "mogoplus": MOGOPLUS}
SCOPES = {"ob": "accounts payments", "moneyhub": "user:create user:read", "mogoplus": ""}


def token(api: NamespacedClient, provider: str, scope: str | None = None) -> str:
    """A client_credentials token of the provider's sandbox client, in ``api``'s namespace."""
    form = {"grant_type": "client_credentials"}
    wanted = SCOPES[provider] if scope is None else scope
    if wanted:
        form["scope"] = wanted
    response = api.post(TOKEN_PATHS[provider], data=form, auth=CREDENTIALS[provider])
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def reader(provider: str, token_value: str) -> Call:
    """A call that needs nothing but a valid token of the sandbox client (a 200 or a 4xx about
    an unknown id once the token is accepted)."""
    paths = {
        "ob": "/ob/open-banking/v3.1/aisp/account-access-consents/aac-unknown",
        "moneyhub": "/moneyhub/identity/users",
        "mogoplus": f"{INSIGHTS}/00000000-0000-4000-8000-000000000000",
    }
    return Call("GET", paths[provider], bearer(token_value))


def made_and_read(world_api: NamespacedClient, provider: str, payload: object = None) -> Call:
    """Make a resource with the sandbox client in ``world_api``'s namespace; the call reading
    it back (with a token of that namespace)."""
    if provider == "fena":
        body = {
            "provider": "ob-lloyds-personal",
            "Option": {"RedirectUri": "http://localhost:3000/callback"},
        }
        made = world_api.post("/fena/data/access-consents", json=body, headers=FENA)
        assert made.status_code == 201, made.text
        return Call("GET", f"/fena/data/access-consents/{made.json()['result']['consentID']}", FENA)
    if provider == "ob":
        body = {"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}}
        path = "/ob/open-banking/v3.1/aisp/account-access-consents"
        made = world_api.post(path, json=body, headers=bearer(token(world_api, "ob")))
        assert made.status_code == 201, made.text
        return Call("GET", f"{path}/{made.json()['Data']['ConsentId']}")
    if provider == "moneyhub":
        headers = bearer(token(world_api, "moneyhub"))
        made = world_api.post("/moneyhub/identity/users", json={}, headers=headers)
        assert made.status_code == 201, made.text
        return Call("GET", f"/moneyhub/identity/users/{made.json()['userId']}")
    made = world_api.post(INSIGHTS, json=payload, headers=bearer(token(world_api, "mogoplus")))
    assert made.status_code == 202, made.text
    return Call("GET", f"{INSIGHTS}/{made.json()['data']['insightsId']['insightsId']}")


def with_token(api: NamespacedClient, provider: str, call: Call) -> Call:
    """The call with the sandbox client's credentials of ``api``'s namespace."""
    headers = FENA if provider == "fena" else bearer(token(api, provider))
    return Call(call.method, call.path, headers)
