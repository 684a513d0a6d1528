"""How long an insights report takes, per namespace: the admin API's processing setting.

Modes: ``immediate`` (the first GET has the report); ``polls`` (the first N GETs answer 204,
the next has it); ``seconds`` (204 until T seconds of the sandbox clock have passed since the
submission). The default is ``seconds`` with T = 3, like a real service.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.store import Tx

KIND = "sandbox.setting"
ID = "mogoplus.processing"
MODES = ("immediate", "polls", "seconds")
DEFAULT: dict[str, Any] = {"mode": "seconds", "seconds": 3}


def current(tx: Tx, ns: str) -> dict[str, Any]:
    return tx.get(ns, KIND, ID) or dict(DEFAULT)


def configure(tx: Tx, ns: str, body: dict[str, Any]) -> dict[str, Any]:
    mode = body.get("mode")
    if mode not in MODES:
        raise ApiError(400, f"mode must be one of {', '.join(MODES)}", path="mode")
    setting: dict[str, Any] = {"mode": mode}
    if mode == "polls":
        setting["polls"] = _count(body, "polls")
    elif mode == "seconds":
        setting["seconds"] = _count(body, "seconds")
    tx.put(ns, KIND, ID, setting)
    return setting


def _count(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError(400, f"{field} must be a whole number, 0 or more", path=field)
    return value


def ready(setting: dict[str, Any], submitted_at: datetime, polls_seen: int, now: datetime) -> bool:
    """Whether a report submitted at ``submitted_at``, already polled ``polls_seen`` times
    (204s answered), is ready now."""
    if setting["mode"] == "immediate":
        return True
    if setting["mode"] == "polls":
        return polls_seen >= int(setting["polls"])
    return now >= submitted_at + timedelta(seconds=int(setting["seconds"]))
