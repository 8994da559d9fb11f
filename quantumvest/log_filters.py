"""Logging filters of the server log."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A refused request (4xx) is the client's error, not the server's: keep Django's one line
    ("Forbidden (Permission denied): /assets/import/") and drop the traceback it attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
