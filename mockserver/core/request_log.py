"""One log line per request, as text or JSON (``--log-format``), and the server's logging setup.

The journal middleware hands every request it serves to ``log_request``: the provider requests it
records, with the facts of their journal entry, at INFO (``--log-level info``); the admin calls,
which it does not record (the dashboard polls them), at DEBUG (``--log-level debug``). The
default level, ``warning``, keeps the server quiet, as uvicorn's access log did.

``logging_config`` is the ``logging.config`` dictionary the CLI hands uvicorn. In ``json`` mode
every line the server logs is one JSON object, uvicorn's own lines and tracebacks included; in
``text`` mode a request is one readable line and uvicorn's lines keep their usual look.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
REQUEST_LOGGER = "mockserver.requests"

_log = logging.getLogger(REQUEST_LOGGER)
_JSON = "mockserver.core.request_log.JsonFormatter"
_TEXT = "mockserver.core.request_log.TextFormatter"


def enabled(level: int = logging.INFO) -> bool:
    """Whether request lines of ``level`` are written (checked before gathering their facts)."""
    return _log.isEnabledFor(level)


def log_request(
    *,
    namespace: str,
    provider: str | None,
    operation_id: str | None,
    method: str,
    path: str,
    status: int,
    latency_ms: float,
    interaction_id: str | None,
    fault: str | None = None,
    level: int = logging.INFO,
) -> None:
    """Write the line of one served request (``status`` 0: no answer was sent, e.g. a drop)."""
    if not enabled(level):
        return
    fields: dict[str, Any] = {
        "namespace": namespace,
        "provider": provider,
        "operationId": operation_id,
        "method": method,
        "path": path,
        "status": status,
        "latency_ms": round(latency_ms, 3),
        "interaction_id": interaction_id,
        "fault": fault,
    }
    _log.log(level, "%s %s %s", method, path, status, extra={"request": fields})


def _utc(created: float) -> str:
    stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _request_fields(record: logging.LogRecord) -> dict[str, Any] | None:
    fields = getattr(record, "request", None)
    return fields if isinstance(fields, dict) else None


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object on one line (ASCII only: no character a log shipper might
    take for a line break survives unescaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
        }
        line.update(_request_fields(record) or {})
        line["message"] = record.getMessage()
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """A request as one readable line::

        2026-01-31T09:00:00.123Z GET /ob/open-banking/v3.1/aisp/accounts 200 12.3ms
        namespace=default provider=ob operationId=getAccounts interaction_id=...

    (one line; wrapped here). Other records: time, level, logger and message.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = _request_fields(record)
        if fields is None:
            text = f"{_utc(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
            if record.exc_info:
                text += "\n" + self.formatException(record.exc_info)
            return text
        parts = [
            _utc(record.created),
            fields["method"],
            _printable(fields["path"]),
            str(fields["status"]),
            f"{fields['latency_ms']:.1f}ms",
            f"namespace={fields['namespace']}",
            f"provider={fields['provider'] or '-'}",
            f"operationId={fields['operationId'] or '-'}",
            f"interaction_id={_printable(fields['interaction_id'] or '-')}",
        ]
        if fields.get("fault"):
            parts.append(f"fault={fields['fault']}")
        return " ".join(parts)


def _printable(text: str) -> str:
    """``text`` as one token on one line: spaces and control characters escaped (a path is
    percent-decoded, so a client can put a newline in it)."""
    out = []
    for char in text:
        if char == " ":
            out.append("%20")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def logging_config(log_format: str, log_level: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of the server (uvicorn's loggers and ours)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}: {log_format!r}")
    level = log_level.upper()
    if log_format == "json":
        formatters: dict[str, Any] = {
            "default": {"()": _JSON},
            "access": {"()": _JSON},
            "requests": {"()": _JSON},
        }
    else:  # uvicorn's own look for its lines
        formatters = {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
            "requests": {"()": _TEXT},
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
            "requests": {
                "formatter": "requests",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "mockserver": {"handlers": ["default"], "level": level, "propagate": False},
            REQUEST_LOGGER: {"handlers": ["requests"], "level": level, "propagate": False},
            # Connexion warns on every request to an operation that accepts several media types
            # (OBIE's JSON with and without charset): noise on stderr, not a problem.
            "connexion.operations.openapi3": {"level": "ERROR"},
        },
    }
