"""The consent page in a real browser: login, account choice, Approve and Deny, as a PSU does it.

The app (with the probe consent resource) runs under uvicorn in a thread; the TPP side speaks
HTTP to it with httpx, and Chromium follows the authorisation URL to the consent page. The
client's redirect URI (``http://localhost:3000/callback``) is answered inside the browser, so
the test sees exactly where the authorisation server sent the PSU back to.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
import pytest

from tests.conftest import NamespacedClient, build_app
from tests.identity.oauth_helpers import (
    CONSENTS,
    REDIRECT,
    TPP,
    Pkce,
    authorize_params,
    bearer,
    client_token,
    create_consent,
    exchange,
    psu_accounts,
    redirect_params,
)
from tests.support.browser import DESKTOP, PHONE, missing, new_page
from tests.support.threaded_server import threaded_server

if (reason := missing()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import expect  # after the skip: playwright may be absent

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CALLBACK = re.compile("^" + re.escape(REDIRECT) + "([?#]|$)")
CALLBACK_HTML = "<!doctype html><title>TPP callback</title><p>Back at the TPP.</p>"

_namespaces = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with threaded_server(build_app()) as base:
        yield base


@pytest.fixture
def tpp(server: str) -> Iterator[NamespacedClient]:
    """The TPP's HTTP client, in a namespace of its own (the browser follows it there)."""
    namespace = f"browser-{next(_namespaces)}"
    with httpx.Client(base_url=server, timeout=10) as http:
        yield NamespacedClient(http, namespace)  # an httpx.Client, as TestClient is
        http.post("/__admin/reset", params={"namespace": namespace})


@pytest.fixture
def callbacks(page: Page) -> list[str]:
    """Answer the TPP's redirect URI in the browser; the page URLs requested there."""
    return answer_callbacks(page)


def answer_callbacks(page: Page) -> list[str]:
    """Serve a tiny page at the redirect URI's origin, inside the browser; returns the list of
    page URLs requested there (as sent: without the fragment).

    The consent page reaches the redirect URI by a 303 redirect, and Playwright never routes
    redirected requests (``page.route`` continues them, by design: microsoft/playwright#2617),
    so the navigation would hit the real port 3000. Chromium's Fetch domain pauses redirected
    requests too, so it answers them here, through a CDP session of the page.
    """
    seen: list[str] = []
    cdp = page.context.new_cdp_session(page)

    def fulfil(event: dict[str, Any]) -> None:
        document = event["resourceType"] == "Document"
        if document:
            seen.append(event["request"]["url"])
        body = CALLBACK_HTML.encode() if document else b""
        cdp.send(
            "Fetch.fulfillRequest",
            {
                "requestId": event["requestId"],
                "responseCode": 200 if document else 404,  # the favicon
                "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                "body": base64.b64encode(body).decode(),
            },
        )

    cdp.on("Fetch.requestPaused", fulfil)
    origin = urlsplit(REDIRECT)
    pattern = {"urlPattern": f"{origin.scheme}://{origin.netloc}/*", "requestStage": "Request"}
    cdp.send("Fetch.enable", {"patterns": [pattern]})
    return seen


def authorisation_url(tpp: NamespacedClient, consent_id: str, **options: Any) -> str:
    params = authorize_params(consent_id, **options) | {"sandbox_namespace": tpp.namespace}
    return f"{tpp.client.base_url}/ob/oauth2/authorize?{urlencode(params)}"


def open_consent_page(page: Page, tpp: NamespacedClient, consent_id: str, **options: Any) -> str:
    """Follow the authorisation URL as a browser does; returns the consent page's URL."""
    page.goto(authorisation_url(tpp, consent_id, **options))
    assert page.url.startswith(f"{tpp.client.base_url}/ob/consent/"), page.url
    expect(page.get_by_role("heading", name="Share your account information")).to_be_visible()
    return page.url


def log_in_with_keyboard(page: Page, username: str, password: str | None = None) -> None:
    """Type into the (autofocused) username field, Tab to the password, Enter to submit."""
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(username if password is None else password)
    page.keyboard.press("Enter")


def approve_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Approve")


def account_boxes(page: Page) -> Locator:
    return page.locator("input[type=checkbox][name=accounts]")


def wait_for_callback(page: Page) -> dict[str, str]:
    page.wait_for_url(CALLBACK)
    expect(page.get_by_text("Back at the TPP.")).to_be_visible()
    return redirect_params(page.url)


def verify_id_token(tpp: NamespacedClient, token: str) -> dict[str, Any]:
    """Check a front-channel ID token with the published JWKS, as a client would."""
    jwks = tpp.get("/ob/oauth2/jwks").json()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk["alg"]],
        audience=TPP[0],
        issuer=f"{tpp.client.base_url}/ob",
        options={"verify_exp": False, "verify_iat": False},  # the sandbox clock is its own
    )
    return claims


def consent(tpp: NamespacedClient, consent_id: str) -> dict[str, Any]:
    response = tpp.get(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(tpp)))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_approve_with_a_chosen_account(
    page: Page,
    tpp: NamespacedClient,
    callbacks: list[str],
) -> None:
    consent_id = create_consent(tpp)
    pkce = Pkce.new()
    open_consent_page(page, tpp, consent_id, pkce=pkce)
    log_in_with_keyboard(page, "alice")
    expect(page.get_by_text("Logged in as alice")).to_be_visible()

    accounts = psu_accounts(tpp, "alice")
    assert len(accounts) >= 2, "alice needs two accounts to choose from"
    expect(account_boxes(page)).to_have_count(len(accounts))
    for account in accounts:
        expect(page.locator(f'input[name=accounts][value="{account}"]')).to_be_checked()
    dropped, chosen = accounts[0], accounts[1:]
    page.locator(f'input[name=accounts][value="{dropped}"]').uncheck()
    approve_button(page).click()

    params = wait_for_callback(page)
    assert callbacks == [REDIRECT]  # the fragment never reaches the client's server
    assert set(params) == {"code", "id_token", "state"}
    assert params["state"] == "st-1"
    id_token = verify_id_token(tpp, params["id_token"])
    assert id_token["nonce"] == "n-1" and id_token["sub"] == "alice"
    assert id_token["openbanking_intent_id"] == consent_id

    tokens = exchange(tpp, params["code"], pkce.verifier)
    assert tokens.status_code == 200, tokens.text
    data = tpp.get("/ob/__authprobe/data", headers=bearer(tokens.json()["access_token"]))
    assert data.json() == {"psu": "alice", "consent": consent_id, "accounts": chosen}
    authorised = consent(tpp, consent_id)
    assert authorised["Status"] == "Authorised" and authorised["Accounts"] == chosen


def test_deny_goes_back_with_access_denied(
    page: Page,
    tpp: NamespacedClient,
    callbacks: list[str],
) -> None:
    consent_id = create_consent(tpp)
    open_consent_page(page, tpp, consent_id, state="deny-state")
    log_in_with_keyboard(page, "bob")
    expect(page.get_by_text("Logged in as bob")).to_be_visible()
    page.get_by_role("button", name="Deny").click()

    params = wait_for_callback(page)
    assert page.url.startswith(REDIRECT + "#")  # code id_token: errors come in the fragment
    assert callbacks == [REDIRECT]
    assert params["error"] == "access_denied" and params["state"] == "deny-state"
    assert set(params) <= {"error", "error_description", "state"}
    assert consent(tpp, consent_id)["Status"] == "Rejected"


def test_wrong_password_shows_an_error_and_stays(
    page: Page,
    tpp: NamespacedClient,
    callbacks: list[str],
) -> None:
    consent_id = create_consent(tpp)
    consent_page = open_consent_page(page, tpp, consent_id)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        log_in_with_keyboard(page, "alice", "not-alice")
    assert posted.value.status == 401
    expect(page.get_by_role("alert")).to_contain_text("wrong password")
    assert page.url == consent_page
    expect(page.get_by_label("Password")).to_be_visible()
    expect(approve_button(page)).to_have_count(0)

    # The page still works: the right password gets the PSU to the decision.
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice")
    page.get_by_role("button", name="Log in").click()
    expect(approve_button(page)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert callbacks == []
    assert consent(tpp, consent_id)["Status"] == "AwaitingAuthorisation"


def test_keyboard_only_approval(
    page: Page,
    tpp: NamespacedClient,
    callbacks: list[str],
) -> None:
    consent_id = create_consent(tpp)
    open_consent_page(page, tpp, consent_id, response_type="code", state="kb")
    log_in_with_keyboard(page, "alice")
    expect(approve_button(page)).to_be_visible()

    accounts = psu_accounts(tpp, "alice")
    boxes = account_boxes(page)
    expect(boxes).to_have_count(len(accounts))
    page.keyboard.press("Tab")  # from the top of the new page: the first account
    expect(boxes.nth(0)).to_be_focused()
    page.keyboard.press("Space")
    expect(boxes.nth(0)).not_to_be_checked()
    for index in range(1, len(accounts)):
        page.keyboard.press("Tab")
        expect(boxes.nth(index)).to_be_focused()
        expect(boxes.nth(index)).to_be_checked()
    page.keyboard.press("Tab")
    expect(approve_button(page)).to_be_focused()
    page.keyboard.press("Enter")

    params = wait_for_callback(page)
    assert set(params) == {"code", "state"} and params["state"] == "kb"
    assert callbacks[0].startswith(REDIRECT + "?")  # response_type=code: in the query
    tokens = exchange(tpp, params["code"])
    assert tokens.status_code == 200, tokens.text
    assert consent(tpp, consent_id)["Accounts"] == accounts[1:]


@pytest.mark.parametrize(
    ("device", "options"),
    [("desktop-1280x800", DESKTOP), ("phone-390x844", PHONE)],
    ids=["desktop", "phone"],
)
def test_screenshots_and_no_horizontal_scrolling(
    browser: Browser,
    tpp: NamespacedClient,
    device: str,
    options: dict[str, Any],
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = options["viewport"]["width"]
    with new_page(browser, **options) as page:
        answer_callbacks(page)
        open_consent_page(page, tpp, create_consent(tpp))
        assert_fits(page, page.get_by_role("button", name="Log in"), width)
        page.screenshot(path=SCREENSHOTS / f"consent-login-{device}.png", full_page=True)

        log_in_with_keyboard(page, "alice")
        expect(approve_button(page)).to_be_visible()
        assert_fits(page, approve_button(page), width)
        assert_fits(page, page.get_by_role("button", name="Deny"), width)
        page.screenshot(path=SCREENSHOTS / f"consent-decide-{device}.png", full_page=True)


def assert_fits(page: Page, button: Locator, width: int) -> None:
    """No horizontal scrolling, and ``button`` wholly inside the viewport across."""
    inner, scroll = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert inner == width, f"layout viewport is {inner}px wide, not {width}px (zoomed out?)"
    assert scroll <= inner, f"the page scrolls sideways: {scroll}px of content in {inner}px"
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= inner, (box, inner)
