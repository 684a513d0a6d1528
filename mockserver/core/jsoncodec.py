"""The one JSON encoding the sandbox uses for stored records and response bodies.

Compact and without ASCII escaping, so that equal data gives equal bytes (determinism).
"""

from __future__ import annotations

import json
from typing import Any


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def to_bytes(data: Any) -> bytes:
    return dumps(data).encode()
