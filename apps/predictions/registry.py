"""Model artifacts on disk: joblib files under ``settings.QV_MODEL_STORE`` with a sha256 checksum.

A file is written to a temporary name and renamed into place, so a reader never sees half a file;
every load recomputes the checksum and refuses a file that does not match what the registry
recorded (a corrupted, replaced or truncated artifact is an error, never a silent forecast).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings

from quantumvest.errors import DomainError


class ArtifactError(DomainError):
    code = "artifact_invalid"
    status_code = 500


def _store() -> Path:
    return Path(settings.QV_MODEL_STORE)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_artifact(relative: str, payload: Any) -> str:
    """Write ``payload`` to ``QV_MODEL_STORE/relative`` atomically; return its sha256."""
    target = _store() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".joblib")
    os.close(handle)
    try:
        joblib.dump(payload, temporary, compress=3)
        checksum = _sha256(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return checksum


def load_artifact(relative: str, checksum: str) -> Any:
    """Load an artifact after verifying its checksum.

    Raises ``ArtifactError`` when the file is missing or its sha256 differs from ``checksum``.
    """
    path = _store() / relative
    if not path.is_file():
        raise ArtifactError(f"Model artifact {relative} is missing from the model store ({_store()}).")
    actual = _sha256(path)
    if actual != checksum:
        raise ArtifactError(
            f"Model artifact {relative} fails its checksum (expected sha256 {checksum[:12]}…, found {actual[:12]}…); "
            "it was modified or corrupted and will not be loaded. Retrain the model."
        )
    return joblib.load(path)


@functools.cache
def code_version() -> str:
    """``git describe`` of the running code, or the project version when git is unavailable."""
    git = shutil.which("git")
    if git is None:
        return f"quantumvest {settings.SPECTACULAR_SETTINGS['VERSION']}"
    try:
        described = subprocess.run(  # noqa: S603 (fixed arguments, no user input)
            [git, "describe", "--always", "--dirty", "--tags"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return described or f"quantumvest {settings.SPECTACULAR_SETTINGS['VERSION']}"
