"""Every operation of every mounted provider spec, read from the specs the server mounts.

The security tests walk this list, so an operation added to a spec is probed (or fails for
want of a classification) without anyone remembering to add it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.core.paths import bundled_dir
from mockserver.core.specs import HTTP_METHODS, load_spec
from mockserver.providers import PROVIDERS


@dataclass(frozen=True)
class Operation:
    provider: str
    base_path: str
    method: str
    path: str  # the spec's template, relative to base_path
    operation_id: str

    @property
    def key(self) -> tuple[str, str]:
        """Unique across mounts (operationIds repeat from one spec to another)."""
        return self.base_path, self.operation_id

    def __str__(self) -> str:
        return f"{self.method} {self.base_path}{self.path} ({self.operation_id})"


def mounted_operations() -> list[Operation]:
    found = []
    for provider in PROVIDERS:
        for mount in provider.mounts:
            document = load_spec(bundled_dir("specs") / mount.spec, mount.base_path).document
            for path, item in document["paths"].items():
                for method in HTTP_METHODS:
                    if method in item:
                        operation_id = str(item[method]["operationId"])
                        found.append(
                            Operation(
                                provider.key, mount.base_path, method.upper(), path, operation_id
                            )
                        )
    return found
