"""One seed drives every id and fake value: same seed and frozen clock, same bytes."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import FROZEN_AT, build_app

SCRIPT = [
    ("POST", "/ob/__probe/items", {"name": "one", "amount": "1.00"}),
    ("POST", "/mogoplus/__probe/items", {"name": "two", "amount": "2.00"}),
    ("GET", "/ob/__probe/items", None),
    ("GET", "/mogoplus/nowhere", None),
    ("POST", "/__admin/faults", {"path": "/nothing", "status": 500}),
    ("POST", "/__admin/clients", {"provider": "fena", "redirect_uris": []}),
    ("GET", "/__admin/state", None),
]


def run_script(seed: int) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    replies = []
    with TestClient(build_app(seed=seed, clock=FROZEN_AT)) as client:
        for method, url, body in SCRIPT:
            response = client.request(method, url, json=body, headers={"X-Probe-Client": "c"})
            headers = sorted(response.headers.raw)
            replies.append((response.status_code, headers, response.content))
    return replies


def test_same_seed_gives_byte_identical_responses() -> None:
    first, second = run_script(seed=7), run_script(seed=7)
    assert first == second
    assert all(status < 500 for status, _, _ in first)


def test_another_seed_gives_other_ids() -> None:
    first, other = run_script(seed=7), run_script(seed=8)
    assert first[0][2] != other[0][2]  # the created item's id differs
