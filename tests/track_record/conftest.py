"""Fixtures of the track-record tests: the in-process chain of the on-chain tests."""

from tests.onchain.conftest import chain  # noqa: F401  (a fixture, used by name)
