"""One HTTP request as data, so a probe can build it once and send it as any party."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import NamespacedClient


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # sent as JSON (exact bytes are in ``content`` when a signature covers them)
    content: bytes | None = None
    params: dict[str, str] | None = None

    def send(self, api: NamespacedClient) -> Any:
        headers = dict(self.headers)
        content = self.content
        if content is None and self.body is not None:
            content = json.dumps(self.body).encode()
        if content is not None:
            headers.setdefault("Content-Type", "application/json")
        return api.request(
            self.method, self.path, headers=headers, content=content, params=self.params
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
