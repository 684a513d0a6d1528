"""A TPP's own resource by id, with the profile's answers: unknown is a 400, another TPP's a 403."""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.store import Tx


def find_owned(
    tx: Tx,
    ns: str,
    kind: str,
    resource_id: str,
    client_id: str,
    *,
    what: str,
    path: str,
    lock: bool = False,
) -> dict[str, Any]:
    """The record of ``kind`` (``what`` names it in messages; ``path`` is the id's field)."""
    record = tx.lock(ns, kind, resource_id) if lock else tx.get(ns, kind, resource_id)
    if record is None:
        raise ApiError(400, f"no {what} {resource_id}", code="UK.OBIE.Resource.NotFound", path=path)
    if record["client_id"] != client_id:
        raise ApiError(
            403, f"this {what} belongs to another TPP", code="UK.OBIE.Resource.ConsentMismatch"
        )
    return record
