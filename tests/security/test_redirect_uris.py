"""Redirect URIs: an authorisation request naming a redirect URI its client did not register
(exactly) is refused on the spot (400, or an error page for a browser) and never redirected to;
so is one pushed (PAR) or carried in a request object. Fena's bank page goes back only to the
consent's own RedirectUri, which must be a plain http(s) URL."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.security import forge, sandbox_clients
from tests.security.authorisation import SERVERS, Server
from tests.security.internals import assert_no_internals

ATTACKER = "https://attacker.example"


def not_registered(server: Server) -> dict[str, str]:
    """Near misses of the client's registered redirect URI, and plain strangers."""
    uri = server.redirect_uri  # http://localhost:300x/callback
    host = urlsplit(uri).netloc
    return {
        "a stranger": f"{ATTACKER}/callback",
        "a prefix": uri[: -len("back")],
        "a suffix": uri + "s",
        "an extra path": uri + "/../../evil",
        "a query": uri + "?next=" + ATTACKER,
        "a fragment": uri + "#" + ATTACKER,
        "another scheme": uri.replace("http://", "ftp://"),
        "another port": uri.replace(host, host.replace(":300", ":900")),
        "a trailing slash": uri + "/",
        "upper-case host": uri.replace("localhost", "LOCALHOST"),
        "userinfo trick": uri.replace("http://", f"http://{host}@attacker.example/").replace(
            f"@attacker.example/{host}", "@attacker.example"
        ),
        "the host as a subdomain": uri.replace(host, f"{host.split(':')[0]}.attacker.example"),
        "javascript": "javascript:alert(document.domain)//" + uri,
        "markup": f'{ATTACKER}/"><script>alert(1)</script>',
        "empty": "",
    }


@pytest.fixture(scope="module")
def redirect_api(client: TestClient) -> Iterator[NamespacedClient]:
    api = NamespacedClient(client, f"sec-redirects-{secrets.token_hex(4)}")
    yield api
    client.post("/__admin/reset", params={"namespace": api.namespace})


def assert_not_redirected(response: Any, context: object) -> None:
    assert response.status_code == 400, f"{context}: {response.status_code} {response.text}"
    assert "location" not in response.headers, f"{context}: {response.headers['location']}"
    assert ATTACKER not in response.headers.get("refresh", "")
    assert_no_internals(response, context)


CASES = [(p, v) for p in SERVERS for v in not_registered(SERVERS[p])]


@pytest.mark.parametrize(("provider", "variant"), CASES, ids=[f"{p}-{v}" for p, v in CASES])
def test_an_unregistered_redirect_uri_is_refused_without_redirecting(
    redirect_api: NamespacedClient, provider: str, variant: str
) -> None:
    server = SERVERS[provider]
    path = urlsplit(server.authorize_url).path
    good = server.authorize_params(redirect_api, server.redirect_uri)
    accepted = redirect_api.get(path, params=good, follow_redirects=False)
    assert accepted.status_code == 303, "the registered URI is accepted"
    params = {**good, "redirect_uri": not_registered(server)[variant]}
    assert_not_redirected(redirect_api.get(path, params=params, follow_redirects=False), variant)
    # A browser is shown an error page, the URI in it as text, never as markup.
    page = redirect_api.get(
        path, params=params, headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert_not_redirected(page, f"{variant} (browser)")
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text


@pytest.mark.parametrize("provider", list(SERVERS))
def test_an_unregistered_redirect_uri_is_refused_in_a_request_object(
    redirect_api: NamespacedClient, provider: str
) -> None:
    """The sandbox clients register unsigned request objects: the URI inside is checked too,
    and it wins over the query's."""
    server = SERVERS[provider]
    path = urlsplit(server.authorize_url).path
    claims = server.authorize_params(redirect_api, f"{ATTACKER}/callback")
    claims["claims"] = json.loads(claims["claims"])
    query = {
        "client_id": server.client[0],
        "response_type": "code",
        "redirect_uri": server.redirect_uri,
        "request": forge.unsigned(claims),
    }
    assert_not_redirected(redirect_api.get(path, params=query, follow_redirects=False), "JAR")


@pytest.mark.parametrize(
    ("provider", "par_path"),
    [("ob", "/ob/oauth2/par"), ("moneyhub", "/moneyhub/identity/oidc/request")],
)
def test_an_unregistered_redirect_uri_cannot_be_pushed(
    redirect_api: NamespacedClient, provider: str, par_path: str
) -> None:
    server = SERVERS[provider]
    form = server.authorize_params(redirect_api, server.redirect_uri)
    pushed = redirect_api.post(par_path, data=form, auth=server.client)
    assert pushed.status_code == 201, pushed.text
    form["redirect_uri"] = f"{ATTACKER}/callback"
    refused = redirect_api.post(par_path, data=form, auth=server.client)
    assert_not_redirected(refused, "PAR")


@pytest.mark.parametrize("provider", list(SERVERS))
def test_headless_decisions_refuse_it_too(redirect_api: NamespacedClient, provider: str) -> None:
    server = SERVERS[provider]
    params = server.authorize_params(redirect_api, f"{ATTACKER}/callback")
    url = f"{server.authorize_url}?{urlencode(params)}"
    decided = redirect_api.post("/__admin/authorize", json={"url": url, "psu": "alice"})
    assert decided.status_code == 400, decided.text
    assert ATTACKER not in decided.text.replace(f"'{ATTACKER}/callback'", "")


# -- Fena: the bank page -----------------------------------------------------------------------

FENA_CONSENTS = "/fena/data/access-consents"


def _fena_consent(api: NamespacedClient, redirect: str) -> Any:
    body = {"provider": "ob-lloyds-personal", "Option": {"RedirectUri": redirect}}
    return api.post(FENA_CONSENTS, json=body, headers=sandbox_clients.FENA)


@pytest.mark.parametrize(
    "redirect",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//attacker.example/cb",
        "http://localhost:3000/cb\r\nSet-Cookie: stolen=1",
        "http://localhost:3000/caf\u00e9",
        "http://localhost:3000/cb with space",
    ],
)
def test_fena_refuses_a_redirect_uri_that_is_no_plain_url(
    redirect_api: NamespacedClient, redirect: str
) -> None:
    response = _fena_consent(redirect_api, redirect)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "RedirectUri"
    vrp = redirect_api.post(
        "/fena/payment/vrp-consent",
        json={
            "provider": "ob-natwest",
            "beneficiary": {
                "identificationType": "SortCodeAccountNumber",
                "sortCode": "040004",
                "accountNumber": "11397104",
                "name": "Isaac Harper",
            },
            "maximumIndividualAmount": "10.00",
            "periodicLimits": [
                {"periodType": "Day", "periodAlignment": "Consent", "amount": "20.00"}
            ],
            "vrpType": ["Sweeping"],
            "psuAuthenticationMethods": ["SCANotRequired"],
            "option": {"redirectUri": redirect},
        },
        headers=sandbox_clients.FENA,
    )
    assert vrp.status_code == 400, vrp.text


def test_fenas_bank_page_goes_back_only_to_the_consents_redirect_uri(
    redirect_api: NamespacedClient,
) -> None:
    mine = "http://localhost:3000/callback"
    made = _fena_consent(redirect_api, mine)
    assert made.status_code == 201, made.text
    page = urlsplit(made.json()["result"]["authUrl"])
    # Parameters added to the page's URL change nothing: the page knows its consent.
    tampered = f"{page.path}?redirect_uri={ATTACKER}&RedirectUri={ATTACKER}"
    assert redirect_api.get(tampered).status_code == 200
    login = {"action": "login", "username": "alice", "password": "alice"}
    assert redirect_api.post(tampered, data=login).status_code == 200
    approve = {"action": "approve", "redirect_uri": f"{ATTACKER}/cb"}
    decided = redirect_api.post(tampered, data=approve, follow_redirects=False)
    assert decided.status_code == 303, decided.text
    location = decided.headers["location"]
    assert location.startswith(mine + "?"), location
    assert parse_qs(urlsplit(location).query)["status"] == ["Authorised"]
