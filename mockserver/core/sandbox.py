"""The running sandbox: settings and the shared services every layer uses."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mockserver.core import context
from mockserver.core.clock import Clock
from mockserver.core.faults import Faults
from mockserver.core.ids import Ids
from mockserver.core.journal import Journal
from mockserver.core.oauth.service import Identity
from mockserver.core.providers import Provider
from mockserver.core.ratelimit import RateLimiter
from mockserver.core.seeding import Seeder
from mockserver.core.store import Store
from mockserver.core.webhooks import Webhooks
from mockserver.settings import Settings


class Sandbox:
    def __init__(self, settings: Settings, providers: tuple[Provider, ...]) -> None:
        self.settings = settings
        self.providers = providers
        self.seeder = Seeder(settings.fixtures, settings.seed)
        self.store = Store(settings.db, self.seeder)
        self.clock = Clock(self.store, settings.clock)
        self.ids = Ids(settings.seed)
        self.faults = Faults(self.store, self.ids, settings.seed)
        self.journal = Journal(self.store, settings.journal_size, settings.journal_body_limit)
        self.rate_limiter = RateLimiter(self.store, self.clock)
        self.webhooks = Webhooks(self.store, self.ids, self.clock)
        self.identity = Identity(self.store, self.ids)
        for provider in providers:
            if provider.auth_server is not None:
                self.identity.register(provider.auth_server)
            if provider.consent_adapter is not None:
                self.identity.consents.register(provider.key, provider.consent_adapter(self))
        # What GET /__admin/specs lists; filled in by the app factory as it mounts specs.
        self.spec_entries: list[dict[str, str]] = []

    def seed_day(self) -> date:
        """The day seeded histories end: the initial clock's day, else today."""
        start = self.settings.clock or datetime.now(UTC)
        return start.astimezone(UTC).date()

    def ensure_namespace(self, ns: str) -> None:
        self.store.ensure_namespace(ns, self.seeder.template_key(self.seed_day()))

    def reset(self, ns: str | None = None) -> None:
        """Back to the seeded fixtures: one namespace, or all of them."""
        if ns is None:
            self.store.reset_all()
        else:
            self.store.reset_namespace(ns, self.seeder.template_key(self.seed_day()))

    def close(self) -> None:
        self.store.dispose()


def current_sandbox() -> Sandbox:
    """The sandbox serving the current request (handlers and models reach services this way)."""
    sandbox = context.current().extra["sandbox"]
    assert isinstance(sandbox, Sandbox)
    return sandbox
