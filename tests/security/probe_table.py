"""Every mounted operation with its classification (the ``*_probes`` modules, merged)."""

from __future__ import annotations

from tests.security import fena_probes, mogoplus_probes, moneyhub_probes, ob_probes
from tests.security.operations import mounted_operations
from tests.security.probes import Listing, Owned, Probe

OPERATIONS = mounted_operations()
PROBES: dict[tuple[str, str], Probe] = {
    **ob_probes.PROBES,
    **fena_probes.PROBES,
    **moneyhub_probes.PROBES,
    **mogoplus_probes.PROBES,
}
# The operations that read or change a tenant's resources (the others say why they do not).
PROBED = [op for op in OPERATIONS if isinstance(PROBES.get(op.key), Owned | Listing)]
