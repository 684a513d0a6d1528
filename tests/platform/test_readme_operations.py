"""The README's table of operations lists exactly the operations the mounted specs serve."""

from __future__ import annotations

import re
from pathlib import Path

from mockserver.core.specs import load_spec
from mockserver.providers import PROVIDERS
from tests.support.openapi_doc import HTTP_METHODS

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| (GET|PUT|POST|DELETE|PATCH) \| `([^`]+)` \| `([^`]+)` \| implemented")


def test_the_readme_lists_every_operation_of_every_mount() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {match.groups() for line in readme.splitlines() if (match := ROW.match(line))}
    served = set()
    for provider in PROVIDERS:
        for mount in provider.mounts:
            document = load_spec(ROOT / "specs" / mount.spec, mount.base_path).document
            for path, item in document["paths"].items():
                for method in HTTP_METHODS:
                    if method in item:
                        served.add((method.upper(), path, item[method]["operationId"]))
    assert listed == served
