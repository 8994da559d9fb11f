"""Redis caching of market-data responses (prices, stats, list summaries), per symbol and range.

Every cached entry of a symbol is stored with that symbol's *generation*, a random token kept in
the cache, and counts only while the generation is current. ``invalidate_price_cache`` replaces
the token, so every entry of the old generation is stale at once (no key scan) and is rebuilt on
its next read. A generation evicted from the cache is replaced by a fresh random token, never by a
default, so an evicted generation cannot resurrect stale entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

# Entries are invalidated explicitly by imports; the timeout only bounds memory use.
PRICE_CACHE_TIMEOUT = 24 * 60 * 60
_GENERATION_TIMEOUT = None  # a generation must outlive every entry made under it
MARKET_DATE_KEY = "assets:market-date"  # see apps.assets.market; any bar write may move it


def _generation_key(symbol: str) -> str:
    return f"assets:gen:{symbol}"


def _new_generation() -> str:
    return uuid.uuid4().hex[:12]


def generations(symbols: Iterable[str]) -> dict[str, str]:
    """Current generation of each symbol, creating missing ones (one round trip when all exist)."""
    symbols = list(dict.fromkeys(symbols))
    keys = {_generation_key(symbol): symbol for symbol in symbols}
    found = cache.get_many(list(keys))
    result = {keys[key]: value for key, value in found.items()}
    for key, symbol in keys.items():
        if symbol not in result:
            fresh = _new_generation()
            # add() keeps a generation another process created in the meantime.
            cache.add(key, fresh, _GENERATION_TIMEOUT)
            result[symbol] = cache.get(key) or fresh
    return result


def entry_key(kind: str, symbol: str, *parts: object) -> str:
    suffix = ":".join("" if part is None else str(part) for part in parts)
    return f"assets:{kind}:{symbol}:{suffix}"


def cached(kind: str, symbol: str, parts: tuple, build: Callable[[], object]) -> object:
    """The cached value for (kind, symbol, parts) of the symbol's current generation, else ``build()``.

    One cache round trip on a hit: the entry and the symbol's generation are read together, and
    an entry stored under another generation counts as a miss. ``build`` runs on a miss and its
    result (bytes or any picklable value; ``None`` is not cached) is stored for
    ``PRICE_CACHE_TIMEOUT`` seconds.
    """
    generation_key, key = _generation_key(symbol), entry_key(kind, symbol, *parts)
    found = cache.get_many([generation_key, key])
    generation = found.get(generation_key) or generations([symbol])[symbol]
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = build()
    if value is not None:
        cache.set(key, (generation, value), PRICE_CACHE_TIMEOUT)
    return value


def cached_many(
    kind: str, symbols: Iterable[str], build: Callable[[list[str]], dict[str, object]]
) -> dict[str, object]:
    """One cached value per symbol, building all the missing ones with a single ``build(missing)`` call."""
    symbols = list(dict.fromkeys(symbols))
    keys = {entry_key(kind, symbol): symbol for symbol in symbols}
    generation_keys = {_generation_key(symbol): symbol for symbol in symbols}
    found = cache.get_many([*keys, *generation_keys])  # one round trip when everything is cached
    current = {generation_keys[key]: found.pop(key) for key in generation_keys if key in found}
    if len(current) < len(symbols):
        current.update(generations([symbol for symbol in symbols if symbol not in current]))
    result = {keys[key]: entry[1] for key, entry in found.items() if entry[0] == current[keys[key]]}
    missing = [symbol for symbol in symbols if symbol not in result]
    if missing:
        built = build(missing)
        cache.set_many(
            {entry_key(kind, symbol): (current[symbol], value) for symbol, value in built.items() if value is not None},
            PRICE_CACHE_TIMEOUT,
        )
        result.update(built)
    return result


def invalidate_price_cache(symbols: Iterable[str]) -> None:
    """Drop every cached price, stats and summary entry of these symbols.

    Call it after writing or deleting bars, or deleting an asset (a cached price response is
    served without looking the asset up again). It invalidates at once and again when the surrounding transaction
    commits, so a response cached by a concurrent request between the write and the commit (still
    showing the old bars) does not survive the commit.
    """
    symbols = list(dict.fromkeys(symbols))
    if not symbols:
        return

    def bump() -> None:
        cache.set_many({_generation_key(symbol): _new_generation() for symbol in symbols}, _GENERATION_TIMEOUT)
        cache.delete(MARKET_DATE_KEY)
        from apps.assets.coherence import note_write  # other processes' local caches (embedded default)

        note_write()

    bump()
    transaction.on_commit(bump)
