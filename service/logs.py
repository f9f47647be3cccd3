"""Structured logs: one JSON object per line, with the request's id, route, status and
timing. Keys are never logged (only the key's numeric id)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
REDACTED = {"x-api-key", "authorization", "key", "api_key", "password", "secret"}


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            out[key] = "[redacted]" if key.lower() in REDACTED else value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send the ``wfm`` loggers to stderr as JSON lines (idempotent)."""
    logger = logging.getLogger("wfm")
    logger.setLevel(level.upper())
    if not any(getattr(h, "_wfm", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._wfm = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False
