"""Content negotiation: a provider request whose ``Accept`` rules out every media type the
operation can answer with is refused with 406 (in the provider's envelope; OBIE's has no body).

Connexion does not negotiate on ``Accept``; every provider documents the 406. Wildcards
(``*/*``, ``application/*``) match, a ``q=0`` entry excludes, and a missing or empty header
accepts anything.
"""

from __future__ import annotations

from mockserver.core import context
from mockserver.core.asgi import ASGIApp, Receive, Scope, Send, routed_operation
from mockserver.core.errors import ApiError


def _acceptable(accept: str, produced: frozenset[str]) -> bool:
    for entry in accept.split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        if not media:
            continue
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        wanted_type, _, wanted_sub = media.lower().partition("/")
        for offered in produced:
            offered_type, _, offered_sub = offered.lower().partition("/")
            if wanted_type in ("*", offered_type) and wanted_sub in ("*", offered_sub):
                return True
    return False


class AcceptMiddleware:
    def __init__(self, app: ASGIApp, produced: dict[tuple[str, str], frozenset[str]]) -> None:
        self.app = app
        # (api base path, operationId) -> media types of its successful answers
        self.produced = produced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = context.from_scope(scope)
        if scope["type"] == "http" and ctx is not None and ctx.provider is not None:
            base_path, operation = routed_operation(scope)
            produced = self.produced.get((base_path, operation or ""))
            accept = str(ctx.extra["headers"].get("accept", "")).strip()
            if produced and accept and not _acceptable(accept, produced):
                raise ApiError(
                    406,
                    f"cannot answer in {accept}; this operation answers in "
                    + ", ".join(sorted(produced)),
                    kind="invalid_header",
                    path="Accept",
                )
        await self.app(scope, receive, send)
