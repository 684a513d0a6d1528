"""Signing keys: made once per store, shared by every worker on it, untouched by resets."""

from __future__ import annotations

from pathlib import Path

from mockserver.core.keys import SigningKeys
from mockserver.core.store import Store


def test_two_workers_on_one_database_publish_the_same_keys(tmp_path: Path) -> None:
    url = str(tmp_path / "shared.sqlite")
    first, second = Store(url), Store(url)
    try:
        assert SigningKeys(first).jwks() == SigningKeys(second).jwks()
    finally:
        first.dispose()
        second.dispose()


def test_keys_survive_a_reset_and_a_restart(tmp_path: Path) -> None:
    url = str(tmp_path / "state.sqlite")
    store = Store(url)
    before = SigningKeys(store).jwks()
    store.reset_all()
    assert SigningKeys(store).jwks() == before
    store.dispose()
    restarted = Store(url)
    assert SigningKeys(restarted).jwks() == before
    restarted.dispose()


def test_one_key_per_algorithm_with_distinct_ids() -> None:
    keys = SigningKeys(Store("sqlite://")).jwks()["keys"]
    assert sorted(k["alg"] for k in keys) == ["PS256", "RS256"]
    assert len({k["kid"] for k in keys}) == 2
    assert all(k["kty"] == "RSA" and k["use"] == "sig" and "d" not in k for k in keys)
