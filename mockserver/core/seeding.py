"""The seed data every namespace starts from: fixtures (clients, PSUs) and generated histories.

The result depends only on the seed, the fixtures' content and the day the histories end, which
together form the *template key*; the store builds each template once and copies it into every
namespace it seeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from mockserver.core.store import SeedRecord

CLIENT_KIND = "client"


class Seeder:
    def __init__(self, fixtures: Path, seed: int) -> None:
        self.fixtures = fixtures
        self.seed = seed

    @cached_property
    def fixtures_digest(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.fixtures.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(self.fixtures)).encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def template_key(self, today: date) -> str:
        return f"seed={self.seed};fixtures={self.fixtures_digest};today={today.isoformat()}"

    def __call__(self, template_key: str) -> Iterator[SeedRecord]:
        today = date.fromisoformat(template_key.rsplit("today=", 1)[1])
        yield from self.clients()
        yield from self.psu_data(today)

    def psu_data(self, today: date) -> tuple[SeedRecord, ...]:
        """PSUs with their accounts and generated histories: fixtures/psus.yaml."""
        path = self.fixtures / "psus.yaml"
        if not path.is_file():
            return ()
        return _psu_records(path, self.fixtures_digest, self.seed, today)

    def clients(self) -> Iterator[SeedRecord]:
        """Registered sandbox clients: fixtures/<provider>/clients.yaml."""
        for path in sorted(self.fixtures.glob("*/clients.yaml")):
            provider = path.parent.name
            for client in yaml.safe_load(path.read_text()) or []:
                yield SeedRecord(CLIENT_KIND, client["client_id"], client_record(provider, client))


@lru_cache(maxsize=4)
def _psu_records(path: Path, digest: str, seed: int, today: date) -> tuple[SeedRecord, ...]:
    # Cached per process (``digest`` keys the fixtures' content): every app and store in it,
    # a test session's several apps among them, shares one generated history a day.
    # Imported here: only a new template needs the generator (keeps start-up quick).
    from mockserver.core.psu_history import build_psu_dataset, load_psu_definitions

    dataset = build_psu_dataset(load_psu_definitions(path), seed, today)
    return tuple(
        SeedRecord(kind, id, data, parent=str(data.get("account_id") or data.get("psu") or ""))
        for kind, id, data in dataset.records()
    )


def client_record(provider: str, client: dict[str, Any]) -> dict[str, Any]:
    """A client as stored: the fixture or admin-API fields with their defaults filled in."""
    return {
        "provider": provider,
        "client_id": client["client_id"],
        "client_secret": client.get("client_secret"),
        "name": client.get("name", client["client_id"]),
        "redirect_uris": list(client.get("redirect_uris", [])),
        "token_endpoint_auth_method": client.get(
            "token_endpoint_auth_method", "client_secret_basic"
        ),
        "jwks": client.get("jwks"),
        "request_object_signing_alg": client.get("request_object_signing_alg"),
        "webhook_url": client.get("webhook_url"),
        "scopes": list(client.get("scopes", [])),
    }
