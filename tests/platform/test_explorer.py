"""The API explorer (Swagger UI at ``{mount}/ui/``) and the landing page at ``/``."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient, build_app
from tests.support.browser import missing
from tests.support.threaded_server import threaded_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://testserver"
ASSET_RE = re.compile(r'src="([^"]*/__explorer/assets/swagger-ui-[^/"]+/swagger-ui-bundle\.js)"')
CSS_RE = re.compile(r'href="([^"]*/__explorer/assets/swagger-ui-[^/"]+/swagger-ui\.css)"')
CONFIG_RE = re.compile(r"var config = (\{.*?\});\n")
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sandbox.example.com"}


def fixture_clients(provider: str) -> list[dict[str, Any]]:
    path = ROOT / "fixtures" / provider / "clients.yaml"
    return list(yaml.safe_load(path.read_text()))


def mounts(client: TestClient) -> list[dict[str, str]]:
    response = client.get("/__admin/specs")
    assert response.status_code == 200
    return list(response.json())


def page_config(html: str) -> dict[str, Any]:
    match = CONFIG_RE.search(html)
    assert match, "the explorer page has no Swagger UI configuration"
    return dict(json.loads(match.group(1)))


def explorer(client: TestClient, mount: str, **kwargs: Any) -> str:
    response = client.get(f"{mount}/ui/", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return str(response.text)


# -- the landing page ------------------------------------------------------------------------------


def test_landing_page_links_every_explorer_the_dashboard_and_the_admin_explorer(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    for entry in mounts(client):
        assert f'href="{BASE}{entry["ui_url"]}"' in html, entry
        assert f'href="{BASE}{entry["spec_url"]}"' in html, entry
    assert f'href="{BASE}/__admin/"' in html  # the dashboard
    assert f'href="{BASE}/__admin/ui/"' in html
    assert "make run" in html and "make test" in html


def test_landing_page_shows_the_sandbox_identities(client: TestClient) -> None:
    html = client.get("/").text
    for provider in ("ob", "fena", "moneyhub", "mogoplus"):
        for fixture in fixture_clients(provider):
            assert fixture["client_id"] in html
            assert fixture["client_secret"] in html
    psus = yaml.safe_load((ROOT / "fixtures" / "psus.yaml").read_text())["psus"]
    for psu in psus:
        assert f"<code>{psu['username']}</code>" in html
    assert "rejector" in html  # magic values


def test_landing_page_is_self_contained_and_mobile_friendly(client: TestClient) -> None:
    html = client.get("/").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html
    # No asset from elsewhere: every src and stylesheet is this server's.
    for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
        assert url.startswith(BASE + "/"), url


# -- the explorer pages ----------------------------------------------------------------------------


def test_every_mount_has_an_explorer_over_its_cached_spec(client: TestClient) -> None:
    for entry in mounts(client):
        html = explorer(client, entry["base_path"])
        config = page_config(html)
        assert config["specUrl"] == f"{BASE}{entry['spec_url']}"
        assert ASSET_RE.search(html), entry
        assert CSS_RE.search(html), entry
        assert config["oauth2RedirectUrl"] == f"{BASE}/__explorer/oauth2-redirect.html"
        assert entry["title"] in html


def test_the_explorer_is_ours_not_connexions(client: TestClient) -> None:
    html = explorer(client, "/fena")
    assert "Credentials for" in html
    # Connexion's own UI and its spec rebuild stay off.
    assert client.get("/fena/ui/swagger-ui-bundle.js").status_code == 404
    assert client.get("/fena/swagger.json").status_code == 404


def test_the_ui_path_without_its_slash_redirects(client: TestClient) -> None:
    response = client.get("/fena/ui", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == f"{BASE}/fena/ui/"
    response = client.get("/fena/ui", params={"sandbox_namespace": "x"}, follow_redirects=False)
    assert response.headers["location"] == f"{BASE}/fena/ui/?sandbox_namespace=x"


def test_swagger_ui_assets_come_from_the_bundle_with_long_cache_headers(
    client: TestClient,
) -> None:
    html = explorer(client, "/mogoplus")
    script = ASSET_RE.search(html)
    css = CSS_RE.search(html)
    assert script and css
    response = client.get(script.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=31536000" in response.headers["cache-control"]
    assert b"SwaggerUIBundle" in response.content
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    redirect = client.get("/__explorer/oauth2-redirect.html")
    assert redirect.status_code == 200
    assert "swaggerUIRedirectOauth2" in redirect.text


def test_unknown_assets_and_the_bundles_demo_pages_are_404(client: TestClient) -> None:
    script = ASSET_RE.search(explorer(client, "/fena"))
    assert script
    folder = urlsplit(script.group(1)).path.rsplit("/", 1)[0]
    for path in (
        f"{folder}/nope.js",
        f"{folder}/index.html",  # loads the Petstore spec from the internet
        f"{folder}/swagger-initializer.js",
        f"{folder}/../../../pyproject.toml",
        f"{folder}/%2e%2e%2fpyproject.toml",
        "/__explorer/assets/swagger-ui-0.0.0/swagger-ui.css",
        "/__explorer/nothing",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/json"


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    script = ASSET_RE.search(explorer(client, "/fena"))
    assert script
    for path in ("/", "/fena/ui/", "/__admin/ui/", urlsplit(script.group(1)).path):
        get = client.get(path)
        head = client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
        assert head.headers["content-type"] == get.headers["content-type"]


def test_other_methods_are_405_in_the_callers_envelope(client: TestClient) -> None:
    fena = client.post("/fena/ui/")
    assert fena.status_code == 405
    assert fena.headers["allow"] == "GET, HEAD"
    assert fena.json()["statusCode"] == 405  # Fena's envelope
    ob = client.put("/ob/open-banking/v3.1/aisp/ui/")
    assert ob.status_code == 405
    assert ob.content == b""  # OBIE answers 405 with no body
    for path in ("/", "/__admin/ui/", "/__explorer/oauth2-redirect.html"):
        response = client.delete(path)
        assert response.status_code == 405, path
        assert response.headers["allow"] == "GET, HEAD"
        assert response.json()["status"] == 405


def test_explorer_pages_are_not_journaled(api: NamespacedClient) -> None:
    api.get("/fena/ui/")
    api.get("/")
    assert api.get("/fena/providers").status_code == 401  # a real request is journaled
    paths = [e["path"] for e in api.get("/__admin/requests").json()["entries"]]
    assert "/fena/providers" in paths
    assert "/fena/ui/" not in paths and "/" not in paths


# -- credentials on the page -----------------------------------------------------------------------


def test_fena_page_fills_in_the_two_headers(client: TestClient) -> None:
    fena = fixture_clients("fena")[0]
    html = explorer(client, "/fena")
    assert f"client_id: {fena['client_id']}" in html
    assert f"client_secret: {fena['client_secret']}" in html
    config = page_config(html)
    assert config["headerDefaults"] == {
        "client_id": fena["client_id"],
        "client_secret": fena["client_secret"],
    }
    assert config["apiKeys"] == {
        "FenaClientId": fena["client_id"],
        "FenaClientSecret": fena["client_secret"],
    }
    assert config["oauth"] is None  # Fena has no token endpoint


@pytest.mark.parametrize(
    ("mount", "provider", "token_path"),
    [
        ("/ob", "ob", "/ob/oauth2/token"),
        ("/ob/open-banking/v3.1/aisp", "ob", "/ob/oauth2/token"),
        ("/ob/open-banking/v3.1/pisp", "ob", "/ob/oauth2/token"),
        ("/moneyhub/identity", "moneyhub", "/moneyhub/identity/oidc/token"),
        ("/moneyhub/api/v2.0", "moneyhub", "/moneyhub/identity/oidc/token"),
        ("/mogoplus", "mogoplus", "/mogoplus/api/v1/oauth2/token"),
    ],
)
def test_token_providers_show_their_clients_and_how_to_get_a_token(
    client: TestClient, mount: str, provider: str, token_path: str
) -> None:
    html = explorer(client, mount)
    first = fixture_clients(provider)[0]
    for fixture in fixture_clients(provider):
        assert fixture["client_id"] in html
        assert fixture["client_secret"] in html
    assert f"curl -s {BASE}{token_path} -u '{first['client_id']}:" in html
    config = page_config(html)
    assert config["tokenPath"] == token_path
    assert config["oauth"]["clientId"] == first["client_id"]
    assert config["oauth"]["clientSecret"] == first["client_secret"]
    others = {"ob", "fena", "moneyhub", "mogoplus"} - {provider}
    for other in others:
        for fixture in fixture_clients(other):
            assert fixture["client_secret"] not in html, other


def test_moneyhub_data_page_asks_for_the_user(client: TestClient) -> None:
    html = explorer(client, "/moneyhub/api/v2.0")
    assert 'id="subject"' in html
    config = page_config(html)
    assert config["subjectParam"] == "sub"
    # Moneyhub's transaction scopes exclude each other: the example asks for one.
    assert config["oauth"]["scopes"].split().count("transactions:read:all") == 1
    assert "transactions:read:in" not in config["oauth"]["scopes"]


def test_admin_page_shows_no_client_secrets(client: TestClient) -> None:
    html = explorer(client, "/__admin")
    assert "--admin-token" in html
    for provider in ("ob", "fena", "moneyhub", "mogoplus"):
        for fixture in fixture_clients(provider):
            assert fixture["client_secret"] not in html


def test_the_psu_token_recipe_of_the_ob_page_works(api: NamespacedClient) -> None:
    """What the page's "Approve and use the token" does, step by step, over HTTP."""
    html = api.get("/ob/open-banking/v3.1/aisp/ui/").text
    config = page_config(html)
    recipe = config["psuToken"]
    oauth = config["oauth"]
    assert recipe["schemes"] == ["PSUOAuth2Security"]
    basic = base64.b64encode(f"{oauth['clientId']}:{oauth['clientSecret']}".encode()).decode()
    auth = {"Authorization": f"Basic {basic}"}
    tpp = api.post(
        urlsplit(config["tokenPath"]).path,
        data={"grant_type": "client_credentials", "scope": oauth["scopes"]},
        headers=auth,
    ).json()["access_token"]
    consent = api.post(
        "/ob/open-banking/v3.1/aisp/account-access-consents",
        json={"Data": {"Permissions": ["ReadAccountsDetail"]}, "Risk": {}},
        headers={"Authorization": f"Bearer {tpp}"},
    ).json()["Data"]["ConsentId"]
    claims = {"id_token": {recipe["claim"]: {"value": consent, "essential": True}}}
    query = {
        "client_id": oauth["clientId"],
        "response_type": "code",
        "scope": recipe["scope"],
        "redirect_uri": recipe["redirectUri"],
        "state": "explorer",
        "claims": json.dumps(claims),
    }
    decided = api.post(
        urlsplit(recipe["adminAuthorizeUrl"]).path,
        json={"url": f"{recipe['authorizeUrl']}?{urlencode(query)}", "psu": "alice"},
    )
    assert decided.status_code == 200, decided.text
    code = parse_qs(urlsplit(decided.json()["redirect"]).query)["code"][0]
    token = api.post(
        urlsplit(recipe["tokenUrl"]).path,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": recipe["redirectUri"],
        },
        headers=auth,
    )
    assert token.status_code == 200, token.text
    psu = token.json()["access_token"]
    accounts = api.get(
        "/ob/open-banking/v3.1/aisp/accounts", headers={"Authorization": f"Bearer {psu}"}
    )
    assert accounts.status_code == 200
    assert accounts.json()["Data"]["Account"]


def test_the_documented_token_curl_works(api: NamespacedClient) -> None:
    html = api.get("/mogoplus/ui/").text
    mogoplus = fixture_clients("mogoplus")[0]
    assert f"-u '{mogoplus['client_id']}:{mogoplus['client_secret']}'" in html
    response = api.post(
        "/mogoplus/api/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(mogoplus["client_id"], mogoplus["client_secret"]),
    )
    assert response.status_code == 200


# -- proxies and namespaces ------------------------------------------------------------------------


def test_forwarded_scheme_and_host_are_respected(client: TestClient) -> None:
    public = "https://sandbox.example.com"
    landing = client.get("/", headers=FORWARDED).text
    assert f'href="{public}/fena/ui/"' in landing
    assert f'href="{public}/__admin/"' in landing
    assert BASE not in landing
    html = explorer(client, "/fena", headers=FORWARDED)
    config = page_config(html)
    assert config["specUrl"] == f"{public}/fena/openapi.json"
    assert config["oauth2RedirectUrl"] == f"{public}/__explorer/oauth2-redirect.html"
    script = ASSET_RE.search(html)
    assert script and script.group(1).startswith(f"{public}/__explorer/assets/")
    assert BASE not in html


def test_the_namespace_is_carried_into_every_link(client: TestClient) -> None:
    landing = client.get("/", params={"sandbox_namespace": "x"}).text
    assert f'href="{BASE}/fena/ui/?sandbox_namespace=x"' in landing
    assert f'href="{BASE}/__admin/?sandbox_namespace=x"' in landing
    assert f'href="{BASE}/__admin/ui/?sandbox_namespace=x"' in landing
    assert "namespace x" in landing
    html = explorer(client, "/ob/open-banking/v3.1/aisp", params={"sandbox_namespace": "x"})
    config = page_config(html)
    assert config["specUrl"] == f"{BASE}/ob/open-banking/v3.1/aisp/openapi.json?sandbox_namespace=x"
    assert config["namespace"] == "x"
    assert config["headerDefaults"]["x-sandbox-namespace"] == "x"
    assert f'href="{BASE}/fena/ui/?sandbox_namespace=x"' in html  # the other explorers
    assert f'href="{BASE}/?sandbox_namespace=x"' in html  # back to the landing page
    # The header names the namespace too.
    by_header = explorer(client, "/fena", headers={"X-Sandbox-Namespace": "y"})
    assert page_config(by_header)["specUrl"] == f"{BASE}/fena/openapi.json?sandbox_namespace=y"
    # Assets are shared by every namespace: no namespace in their URLs.
    script = ASSET_RE.search(html)
    assert script and "sandbox_namespace" not in script.group(1)


def test_no_namespace_means_none_in_the_links(client: TestClient) -> None:
    for html in (client.get("/").text, explorer(client, "/fena")):
        links = re.findall(r'href="([^"]+)"', html)
        assert links and not [link for link in links if "sandbox_namespace" in link]
    config = page_config(explorer(client, "/fena"))
    assert config["namespace"] is None
    assert "x-sandbox-namespace" not in config["headerDefaults"]


def test_a_bad_namespace_is_refused(client: TestClient) -> None:
    response = client.get("/fena/ui/", params={"sandbox_namespace": "<script>"})
    assert response.status_code == 400


# -- in a real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with threaded_server(build_app()) as base:
        yield base


@pytest.mark.live
@pytest.mark.skipif(missing() is not None, reason=str(missing()))
def test_try_it_out_works_in_a_browser(server: str, browser: Browser) -> None:
    """Fena's headers come filled in: Try it out on GET /providers answers 200, in the page's
    namespace, and the request is in that namespace's journal."""
    from tests.support.browser import new_page

    namespace = "explorer-browser"
    with new_page(browser) as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server}/fena/ui/?sandbox_namespace={namespace}")
        path = page.locator(".opblock-summary-path[data-path='/providers']")
        operation = page.locator(".opblock-get").filter(has=path).first
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        operation.get_by_role("button", name="Execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status").first
        status.wait_for()
        assert status.inner_text().strip() == "200"
        assert errors == []
    journal = httpx.get(
        f"{server}/__admin/requests",
        params={"path": "/fena/providers"},
        headers={"X-Sandbox-Namespace": namespace},
    ).json()["entries"]
    assert [e["status"] for e in journal] == [200]
    httpx.post(f"{server}/__admin/reset", params={"namespace": namespace})
