"""Plays the demo story against a running server: in the background of ``mockserver serve``,
or from a test against any base URL."""

from __future__ import annotations

import sys
import threading
import time

import httpx

from mockserver.client import SandboxNamespace, connect
from mockserver.demo import fena, mogoplus, moneyhub, obie

READY_TIMEOUT = 60.0
SCENES = (obie.play, fena.play, moneyhub.play, mogoplus.play)


def play(base_url: str, admin_token: str | None = None, namespace: str = "default") -> list[str]:
    """Play every scene into ``namespace``; returns what each made, one line per record.

    Returns an empty list, playing nothing, when the namespace already has records to show."""
    server = connect(base_url, admin_token)
    try:
        with server.namespace(namespace) as space:
            if _has_records(space):
                return []
            made: list[str] = []
            for scene in SCENES:
                made.extend(scene(space))
            return made
    finally:
        server.close()


def play_when_ready(
    host: str, port: int, admin_token: str | None, namespace: str = "default"
) -> threading.Thread:
    """Wait in a thread for the server at ``host:port`` to answer, then play the story."""
    base_url = f"http://{loopback(host)}:{port}"
    thread = threading.Thread(
        target=_play_reporting, args=(base_url, admin_token, namespace), daemon=True
    )
    thread.start()
    return thread


def _play_reporting(base_url: str, admin_token: str | None, namespace: str) -> None:
    # The server runs in this process (or its workers): a failed story must not stop it.
    try:
        _wait_ready(base_url)
        made = play(base_url, admin_token, namespace)
    except Exception as exc:  # reported; the server goes on
        print(f"mockserver demo: the story failed: {exc}", file=sys.stderr, flush=True)
        return
    if not made:
        print(
            f"mockserver demo: namespace {namespace!r} already has records; left as is",
            file=sys.stderr,
            flush=True,
        )
        return
    lines = "\n".join(f"  {line}" for line in made)
    print(
        f"mockserver demo: played into namespace {namespace!r}; see {base_url}/__admin/\n{lines}",
        file=sys.stderr,
        flush=True,
    )


def _wait_ready(base_url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            if httpx.get(f"{base_url}/__admin/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base_url} did not answer within {READY_TIMEOUT:.0f} s")
        time.sleep(0.1)


def _has_records(space: SandboxNamespace) -> bool:
    response = space.admin.get("/__admin/dashboard/resources")
    response.raise_for_status()
    return any(group["resources"] for group in response.json()["providers"])


def loopback(host: str) -> str:
    """Where this process reaches its own server: a wildcard bind answers on loopback."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
