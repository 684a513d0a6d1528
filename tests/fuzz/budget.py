"""How many coverage-phase cases each operation sends: all of them for most, a fixed sample for
the few whose schemas multiply into thousands (the CDR insights payload, the VRP consent).

schemathesis's coverage phase has no size limit of its own; ``make test`` must stay within a
few minutes. The first ``KEPT_IN_FULL`` cases of an operation are all sent; after that one in
``SAMPLE_EVERY``, chosen by a stable hash of its scenario (the same ones every run).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

from schemathesis import Case

KEPT_IN_FULL = 80
SAMPLE_EVERY = 4


def coverage_budget() -> Callable[[Any, Case], bool]:
    """A schemathesis ``filter_case`` hook for one spec: False leaves the case out."""
    seen: Counter[str] = Counter()
    scenarios: Counter[tuple[str, str]] = Counter()

    def filter_case(context: Any, case: Case) -> bool:
        if case.meta is None or case.meta.phase.name.value != "coverage":
            return True
        operation = case.operation.label
        seen[operation] += 1
        if seen[operation] <= KEPT_IN_FULL:
            return True
        # By the scenario's description and its place among those of that description: both
        # repeat from run to run (drawn values need not; tokens never do).
        description = str(getattr(case.meta.phase.data, "description", ""))
        scenarios[(operation, description)] += 1
        key = f"{operation}|{description}|{scenarios[(operation, description)]}"
        return zlib.crc32(key.encode("utf-8", "surrogatepass")) % SAMPLE_EVERY == 0

    return filter_case
