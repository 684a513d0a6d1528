"""Demo mode: ``--demo true`` fills the default namespace through the real APIs, once."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx
import pytest

from mockserver.demo import play
from mockserver.demo.runner import loopback
from tests.support.live import live_server

DEADLINE = 60.0


def resources(base: str) -> dict[str, list[dict[str, Any]]]:
    body = httpx.get(f"{base}/__admin/dashboard/resources").json()
    return {group["provider"]: group["resources"] for group in body["providers"]}


def statuses(rows: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((row["kind"], row["status"]) for row in rows)


def wait_for_the_story(base: str) -> dict[str, list[dict[str, Any]]]:
    """The story is done when its last scene's reports are no longer processing."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = resources(base)
        reports = found["mogoplus"]
        if len(reports) == 2 and all(r["status"] != "PROCESSING" for r in reports):
            return found
        time.sleep(0.25)
    raise AssertionError(f"the demo story did not finish in {DEADLINE:.0f} s: {resources(base)}")


@pytest.mark.live
def test_demo_mode_leaves_something_in_every_state_and_plays_once(tmp_path: Any) -> None:
    with live_server("--demo", "true", "--db", str(tmp_path / "demo.sqlite")) as base:
        found = wait_for_the_story(base)
        assert statuses(found["ob"]) == Counter(
            {
                ("ob.account_access_consent", "Authorised"): 1,
                ("ob.account_access_consent", "Rejected"): 1,
                ("ob.account_access_consent", "AwaitingAuthorisation"): 1,
                ("ob.domestic_vrp_consent", "Authorised"): 1,
                ("ob.domestic_vrp", "AcceptedSettlementCompleted"): 2,
            }
        )
        assert statuses(found["fena"]) == Counter(
            {
                ("fena.access_consent", "Authorised"): 1,
                ("fena.vrp_consent", "authorized"): 1,
                ("fena.vrp_payment", "executed"): 1,
                ("fena.vrp_payment", "rejected"): 1,
            }
        )
        assert statuses(found["moneyhub"]) == Counter(
            {
                ("moneyhub.user", "active"): 1,
                ("moneyhub.connection", "ok"): 1,
                ("moneyhub.payment", "completed"): 1,
            }
        )
        assert statuses(found["mogoplus"]) == Counter(
            {("mogoplus.insights", "COMPLETED"): 1, ("mogoplus.insights", "FAILED"): 1}
        )
        # The story went through the provider APIs: the journal of the namespace shows it.
        journal = httpx.get(f"{base}/__admin/requests", params={"limit": 500}).json()["entries"]
        assert {e["provider"] for e in journal} == {"ob", "fena", "moneyhub", "mogoplus"}
        # The waiting consent is pending at the page: the presenter can approve it.
        (waiting,) = [r for r in found["ob"] if r["status"] == "AwaitingAuthorisation"]
        assert waiting["pending"] is True
        # Played again (a restart on this database does the same): the namespace is left alone.
        assert play(base) == []
        assert statuses(resources(base)["ob"]) == statuses(found["ob"])


def test_a_wildcard_bind_is_reached_on_loopback() -> None:
    assert loopback("0.0.0.0") == "127.0.0.1"
    assert loopback("::") == "[::1]"
    assert loopback("::1") == "[::1]"
    assert loopback("127.0.0.1") == "127.0.0.1"
