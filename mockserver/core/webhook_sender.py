"""One webhook attempt on the wire: the signed POST, and what came of it.

Every attempt is ``POST <url>`` with the delivery's JSON payload as the body (the same bytes on
every attempt of a delivery) and these headers:

    Content-Type: application/json
    User-Agent: mockserver-webhooks/<version>
    X-Sandbox-Event: <event>
    X-Sandbox-Delivery: <delivery id>       the same on every attempt: deduplicate on it
    X-Sandbox-Attempt: <1, 2, ...>
    X-Sandbox-Signature: sha256=<hex>

The signature is HMAC-SHA256 over the exact body bytes, keyed with the client's
``client_secret`` (UTF-8), as lowercase hex. A receiver checks it by computing the same HMAC
over the raw body it read (before any JSON parsing) and comparing in constant time. Nothing
else is signed: no timestamp, so a retried attempt carries the same signature.

Any 2xx answer delivers. Anything else, no answer within the timeout (the whole exchange, not
one read), or a connection that fails is a failed attempt, recorded with its status code or its
error.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass

import httpx

from mockserver import __version__
from mockserver.core.webhooks import Claim

SIGNATURE_HEADER = "X-Sandbox-Signature"
EVENT_HEADER = "X-Sandbox-Event"
DELIVERY_HEADER = "X-Sandbox-Delivery"
ATTEMPT_HEADER = "X-Sandbox-Attempt"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signature(secret: str, body: bytes) -> str:
    """The ``X-Sandbox-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(claim: Claim) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": f"mockserver-webhooks/{__version__}",
        EVENT_HEADER: claim.event,
        DELIVERY_HEADER: claim.id,
        ATTEMPT_HEADER: str(claim.attempt),
        SIGNATURE_HEADER: signature(claim.secret, claim.body),
    }


def new_client(timeout: float) -> httpx.AsyncClient:
    # trust_env=False: receivers are mostly on the developer's machine; an HTTP(S)_PROXY set
    # for other tools must not swallow them. Redirects are answers (not 2xx), not followed.
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)


async def send(client: httpx.AsyncClient, claim: Claim, timeout: float) -> Outcome:
    """Make one attempt; never raises for what the receiver or the network does."""
    started = time.perf_counter()
    error: str
    try:
        # httpx's timeout bounds each read or write; this bounds the whole exchange, which is
        # what the worker's lease on the attempt has to outlast.
        async with asyncio.timeout(timeout):
            response = await client.post(claim.url, content=claim.body, headers=headers(claim))
        return Outcome(response.status_code, _since(started), None)
    except (TimeoutError, httpx.TimeoutException):
        error = f"timeout: no answer within {timeout:g} s"
    except httpx.ConnectError as exc:
        error = f"connect: {exc or type(exc).__name__}"
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        error = f"request: {exc or type(exc).__name__}"
    except Exception as exc:  # e.g. an event name no header can carry: fail the attempt, not
        # the worker (an attempt that never finishes would be made again forever)
        error = f"request: {type(exc).__name__}: {exc}"
    return Outcome(None, _since(started), error)


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
