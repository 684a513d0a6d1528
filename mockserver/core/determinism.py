"""Seeded randomness: every id and every fake value is derived from the server seed.

Values are derived from a stable hash of their "parts" (seed, namespace, kind, counter, ...)
rather than drawn from one shared random stream, so the result never depends on the order
in which requests or workers happened to run.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from functools import lru_cache

from faker import Faker


def derive_seed(*parts: object) -> int:
    """A 64-bit integer that depends only on ``parts``."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def stable_uuid(*parts: object) -> str:
    """A version-4-shaped UUID string that depends only on ``parts``."""
    digest = hashlib.sha256("\x1e".join(map(str, parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def stable_hex(length: int, *parts: object) -> str:
    """A lowercase hex string of ``length`` characters that depends only on ``parts``."""
    out = ""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256("\x1d".join(map(str, (*parts, counter))).encode()).hexdigest()
        counter += 1
    return out[:length]


def rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``parts``."""
    return random.Random(derive_seed(*parts))


@lru_cache(maxsize=4)
def _faker(locale: str) -> Faker:
    return Faker(locale)


def faker(*parts: object, locale: str = "en_GB") -> Faker:
    """A Faker seeded from ``parts``.

    Faker instances are costly to build, so one per locale is reused and re-seeded on every
    call: take the values you need straight away, before the next call re-seeds it.
    """
    fake = _faker(locale)
    fake.seed_instance(derive_seed(*parts))
    return fake
