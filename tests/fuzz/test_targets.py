"""The fuzz tests cover every spec the server mounts, where it mounts it."""

from __future__ import annotations

from mockserver.app import ADMIN_BASE
from mockserver.providers import PROVIDERS
from tests.fuzz.targets import TARGETS


def test_every_mounted_spec_is_fuzzed() -> None:
    mounted = {(m.spec, m.base_path) for p in PROVIDERS for m in p.mounts}
    mounted.add(("admin.yaml", ADMIN_BASE))
    assert {(t.spec, t.base_path) for t in TARGETS.values()} == mounted
