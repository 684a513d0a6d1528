"""The dashboard in a real browser: live journal, approving a consent, adding and removing a fault.

The app runs under uvicorn in a thread; the test's own HTTP calls (httpx) play the client, and
Chromium shows ``/__admin/`` in the same namespace. The page polls every 1.5 s, so each
expectation below is met within a poll or two. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.admin.test_dashboard import open_authorisation
from tests.conftest import NamespacedClient, build_app
from tests.fena.test_fena_journey import fena
from tests.ob.test_ais_journey import FULL, create
from tests.support.browser import PHONE, missing, new_page
from tests.support.threaded_server import threaded_server

if (reason := missing()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import expect  # after the skip: playwright may be absent

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

_namespaces = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with threaded_server(build_app()) as base:
        yield base


@pytest.fixture
def tpp(server: str) -> Iterator[NamespacedClient]:
    """The client's HTTP calls, in a namespace of its own (the dashboard is opened in it)."""
    namespace = f"dashboard-{next(_namespaces)}"
    with httpx.Client(base_url=server, timeout=10) as http:
        yield NamespacedClient(http, namespace)  # an httpx.Client, as TestClient is
        http.post("/__admin/reset", params={"namespace": namespace})


def open_dashboard(page: Page, tpp: NamespacedClient) -> None:
    page.goto(f"{tpp.client.base_url}/__admin/?sandbox_namespace={tpp.namespace}")
    expect(page.locator("#live")).to_contain_text("live")


def test_requests_appear_a_consent_is_approved_and_a_fault_comes_and_goes(
    page: Page, tpp: NamespacedClient
) -> None:
    open_dashboard(page, tpp)
    expect(page.locator("#journal")).to_contain_text("No requests in this namespace yet")

    # A request made elsewhere shows up without a reload, and opens to its headers and body.
    assert fena(tpp, "GET", "/providers").status_code == 200
    entry = page.locator("#journal details.entry", has_text="/fena/providers")
    expect(entry).to_have_count(1)
    entry.locator("summary").click()
    expect(entry.locator("pre.body").nth(1)).to_be_visible()
    expect(page.locator("#chart rect").first).to_be_attached()

    # A consent whose authorisation request is open gets buttons; Approve authorises it.
    created = create(tpp, FULL)
    assert created.status_code == 201, created.text
    consent_id = created.json()["Data"]["ConsentId"]
    row = page.locator(f'#resources tr[data-id="{consent_id}"]')
    expect(row.locator(".status")).to_have_text("AwaitingAuthorisation")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    open_authorisation(tpp, consent_id)
    page.locator("#psu").select_option("carol")
    row.get_by_role("button", name="Approve").click()
    expect(row.locator(".status")).to_have_text("Authorised")
    expect(row).to_contain_text("PSU carol")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)

    # A fault rule added with the form is in force, and removed with its button.
    form = page.locator("#fault-form")
    form.locator('select[name="provider"]').select_option("fena")
    form.locator('input[name="path"]').fill("/fena/providers*")
    form.locator('input[name="status"]').fill("503")
    form.get_by_role("button", name="Add rule").click()
    rule = page.locator("#faults-list tbody tr")
    expect(rule).to_have_count(1)
    expect(rule).to_contain_text("/fena/providers*")
    assert fena(tpp, "GET", "/providers").status_code == 503
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-desktop-1280x800.png", full_page=True)

    rule.get_by_role("button", name="Remove").click()
    expect(page.locator("#faults-list")).to_contain_text("No fault rules")
    assert tpp.get("/__admin/faults").json() == []
    assert fena(tpp, "GET", "/providers").status_code == 200


def test_on_a_phone_nothing_scrolls_sideways(browser: Browser, tpp: NamespacedClient) -> None:
    created = create(tpp, FULL)
    assert created.status_code == 201, created.text
    open_authorisation(tpp, created.json()["Data"]["ConsentId"])
    options: dict[str, Any] = PHONE
    width = options["viewport"]["width"]
    with new_page(browser, **options) as page:
        open_dashboard(page, tpp)
        expect(page.get_by_role("button", name="Approve")).to_be_visible()
        inner, scroll = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
        assert inner == width
        assert scroll <= inner, f"the page scrolls sideways: {scroll}px in {inner}px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "dashboard-phone-390x844.png", full_page=True)
