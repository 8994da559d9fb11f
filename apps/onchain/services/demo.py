"""The embedded default's on-chain demo, run by setup_dev: contracts on the in-process chain, and
what the other on-chain features need to show something real on that chain."""

from __future__ import annotations

import time

from apps.onchain.chain import Chain, get_chain
from apps.onchain.services.deployment import ensure_in_process_contracts
from apps.onchain.services.trends import IN_PROCESS_RECENT, feed_trends

# The demo assets whose closes feed TrendAnalysis on the in-process chain (the others wait for
# `manage.py feed_trends`): py-evm takes 20 to 50 ms per observation, at the first start and again
# each time a process replays the chain's journal.
DEMO_TREND_ASSETS = ("SPY", "BTC-USD")


def setup_onchain_demo(*, write) -> None:
    """Idempotent; ``write`` prints a line for the developer. Only on the in-process chain."""
    chain = get_chain()
    if not chain.in_process:
        return
    for d in ensure_in_process_contracts(chain=chain):
        write(f"  {'deployed' if d.created else 'reused'} {d.contract.name} at {d.contract.address} (in-process chain)")
    feed_demo_trends(chain=chain, write=write)


def feed_demo_trends(*, chain: Chain, write) -> None:
    """Feed the demo assets' latest IN_PROCESS_RECENT closes to TrendAnalysis (only what is new).

    The prices are the real sample closes; the chain is the local in-process one, and the output
    says so. Raises ChainUnavailable, TransactionFailed like feed_trends.
    """
    from apps.assets.models import Asset

    symbols = list(Asset.objects.active().filter(id__in=DEMO_TREND_ASSETS).values_list("id", flat=True))
    if not symbols:
        return
    started = time.monotonic()
    result = feed_trends(chain=chain, symbols=symbols, recent=IN_PROCESS_RECENT)
    if result.skipped:
        write(f"  TrendAnalysis not fed: {result.skipped}")
        return
    sent = sum(result.sent.values())
    if sent:
        write(
            f"  fed TrendAnalysis the latest {IN_PROCESS_RECENT} closes of {', '.join(sorted(result.sent))} "
            f"({sent} observations in {time.monotonic() - started:.1f} s, in-process chain)"
        )
    else:
        write(f"  TrendAnalysis already has the latest closes of {', '.join(sorted(result.sent))} (in-process chain)")
    for symbol, error in result.failed.items():
        write(f"  TrendAnalysis refused {symbol}: {error}")
