"""The ASGI entry point for uvicorn (``mockserver.asgi:create``, a factory).

Each worker process builds its own app from the MOCKSERVER_* environment, which ``mockserver
serve`` fills in from its flags.
"""

from __future__ import annotations

from mockserver.app import SandboxApp, create_app
from mockserver.settings import from_environment


def create() -> SandboxApp:
    return create_app(from_environment())
