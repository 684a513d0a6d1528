"""State snapshots: export namespaces as JSON (secrets redacted) and import them back."""

from __future__ import annotations

from typing import Any

from mockserver.core.context import valid_namespace
from mockserver.core.errors import ApiError
from mockserver.core.redaction import is_redacted, redact_data
from mockserver.core.sandbox import Sandbox

VERSION = 1


def export_state(sandbox: Sandbox, names: list[str], redact: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        state = sandbox.store.export_namespace(name)
        if redact:
            for record in state["records"]:
                record["data"] = redact_data(record["data"])
        out[name] = state
    return {"version": VERSION, "namespaces": out}


def import_state(sandbox: Sandbox, body: dict[str, Any], target: str | None) -> list[str]:
    namespaces: dict[str, Any] = body["namespaces"]
    if target is not None:
        if len(namespaces) != 1:
            raise ApiError(
                400,
                "importing into one namespace needs a snapshot of exactly one namespace",
                path="namespaces",
            )
        namespaces = {target: next(iter(namespaces.values()))}
    for name in namespaces:  # the snapshot's names become namespaces: the header's rules hold
        valid_namespace(name)
    # Secrets a redacted snapshot left out come back from what the sandbox has, or would seed,
    # under the same kind and id (the fixture clients, for instance): read them first.
    known = {name: _records_by_key(sandbox, name) for name in namespaces}
    if target is None:
        sandbox.reset()  # the body is the whole state: namespaces it lacks go
    for name, state in namespaces.items():
        for record in state["records"]:
            current = known[name].get((record["kind"], record["id"]))
            record["data"] = restore_redacted(record["data"], current)
        sandbox.store.import_namespace(name, state)
    return sorted(namespaces)


def _records_by_key(sandbox: Sandbox, name: str) -> dict[tuple[str, str], Any]:
    sandbox.ensure_namespace(name)
    records = sandbox.store.export_namespace(name)["records"]
    return {(r["kind"], r["id"]): r["data"] for r in records}


def restore_redacted(imported: Any, current: Any) -> Any:
    """Put back the secrets a redacted snapshot left out, from the record the sandbox has."""
    if is_redacted(imported):
        return current if isinstance(current, str) else imported
    if isinstance(imported, dict):
        here = current if isinstance(current, dict) else {}
        return {k: restore_redacted(v, here.get(k)) for k, v in imported.items()}
    if isinstance(imported, list):
        there = current if isinstance(current, list) and len(current) == len(imported) else []
        return [restore_redacted(v, there[i] if there else None) for i, v in enumerate(imported)]
    return imported
