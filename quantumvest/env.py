"""Strict helpers for reading settings from the environment.

Every helper raises ``ImproperlyConfigured`` naming the variable when a required value is missing
or malformed, so a misconfigured deployment fails at start-up instead of running insecurely.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

REQUIRED = object()


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value is not None else None


def string(name: str, default: str | object = REQUIRED) -> str:
    value = _raw(name)
    if value:
        return value
    if default is REQUIRED:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default  # type: ignore[return-value]


def optional(name: str) -> str | None:
    return _raw(name) or None


def boolean(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def integer(name: str, default: int) -> int:
    value = _raw(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def listing(name: str, default: list[str] | object = REQUIRED) -> list[str]:
    value = _raw(name)
    if value:
        return [item.strip() for item in value.split(",") if item.strip()]
    if default is REQUIRED:
        raise ImproperlyConfigured(f"Set the environment variable {name} (comma-separated).")
    return list(default)  # type: ignore[arg-type]


def secret(name: str, default: str | object = REQUIRED) -> str:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/K8s secrets)."""
    value = _raw(name)
    if value:
        return value
    path = _raw(f"{name}_FILE")
    if path:
        try:
            content = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at {path!r}, which cannot be read: {exc}.") from None
        if content:
            return content
        raise ImproperlyConfigured(f"{name}_FILE points at {path!r}, which is empty.")
    if default is REQUIRED:
        raise ImproperlyConfigured(f"Set the environment variable {name} (or {name}_FILE).")
    return default  # type: ignore[return-value]


def email_backend(url: str) -> dict[str, object]:
    """Translate ``EMAIL_URL`` (``smtp://user:pass@host:587?tls=1``, ``smtps://``, ``console://``,
    ``locmem://``) into Django's EMAIL_* settings."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    simple = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
    }
    if scheme in simple:
        return {"EMAIL_BACKEND": simple[scheme]}
    if scheme not in {"smtp", "smtps", "smtp+tls"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL has an unknown scheme {scheme!r}; use smtp, smtps, smtp+tls, console or locmem."
        )
    query = parse_qs(parts.query)
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has an invalid port.") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": port or (465 if scheme == "smtps" else 587 if scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_USE_TLS": scheme == "smtp+tls" or query.get("tls", ["0"])[0] in _TRUE,
        "EMAIL_TIMEOUT": 10,
    }
