"""The embedded default's on-chain demo, run by setup_dev: contracts on the in-process chain, and
what the other on-chain features need to show something real on that chain."""

from __future__ import annotations

import time

from web3 import Web3

from apps.onchain.chain import Chain, get_chain
from apps.onchain.models import AddressKind, TrackedAddress
from apps.onchain.services import notary
from apps.onchain.services.deployment import deploy_contract, ensure_in_process_contracts
from apps.onchain.services.ingestion import sync_chain
from apps.onchain.services.tokens import ensure_token
from apps.onchain.services.trends import IN_PROCESS_RECENT, feed_trends

# Demo wallets of the in-process chain: keys derived from public names, so they are worthless
# anywhere else (and must never be funded on a real network).
# The demo assets whose closes feed TrendAnalysis on the in-process chain (the others wait for
# `manage.py feed_trends`): py-evm takes 20 to 50 ms per observation, at the first start and again
# each time a process replays the chain's journal.
DEMO_TREND_ASSETS = ("SPY", "BTC-USD")
DEMO_WALLETS = ("A", "B", "C")
DEMO_LABEL = "Demo wallet {} (local in-process chain, not real funds)"
DEMO_CONTRACT_LABEL = "Demo token QVD (local in-process chain, not a real asset)"
ETHER = 10**18
QVD = 10**6  # the demo token has 6 decimals


def demo_wallet_key(name: str) -> str:
    return Web3.keccak(text=f"quantumvest in-process demo wallet {name}").hex()


def setup_onchain_demo(*, write) -> None:
    """Idempotent; ``write`` prints a line for the developer. Only on the in-process chain."""
    chain = get_chain()
    if not chain.in_process:
        return
    for d in ensure_in_process_contracts(chain=chain):
        write(f"  {'deployed' if d.created else 'reused'} {d.contract.name} at {d.contract.address} (in-process chain)")
    feed_demo_trends(chain=chain, write=write)
    setup_ingestion_demo(chain=chain, write=write)
    run = notary.create_run(trigger="setup")
    notary.perform_run(run=run)
    run.refresh_from_db()
    write(f"  notarised predictions: {run.message or run.error} (in-process chain)")


def setup_ingestion_demo(*, chain: Chain, write) -> None:
    """Demo wallets with native and token transfers between them, tracked for the demo user, synced.

    The transfers are made once, when the demo token is first deployed on this chain (the chain's
    journal replays them after a restart); tracking and the sync are idempotent. Nothing happens
    without the demo user (setup_dev creates it first). Raises ChainUnavailable, TransactionFailed.
    """
    from apps.accounts.management.commands.setup_dev import DEMO_EMAIL
    from apps.accounts.models import User

    owner = User.objects.filter(email=DEMO_EMAIL).first()
    if owner is None or not chain.in_process:
        return
    deployment = deploy_contract("DemoToken", chain=chain, constructor_args=("QuantumVest Demo Token", "QVD", 6))
    token = deployment.contract.address
    wallets = {name: chain.with_key(demo_wallet_key(name)) for name in DEMO_WALLETS}
    a, b, c = (wallets[name].signer for name in DEMO_WALLETS)
    if deployment.created:
        chain.send_value(a, 5 * ETHER)
        chain.send_value(b, 2 * ETHER)
        chain.transact("DemoToken", token, "mint", a, 1_000_000 * QVD)
        chain.transact("DemoToken", token, "mint", b, 250_000 * QVD)
        wallets["A"].transact("DemoToken", token, "transfer", b, 120_000 * QVD)
        wallets["B"].transact("DemoToken", token, "transfer", c, 15_000 * QVD + QVD // 2)
        wallets["A"].send_value(c, 3 * ETHER // 4)
        write(f"  demo activity: 3 native and 4 token transfers of QVD ({token}) between demo wallets")
    for name, address in zip(DEMO_WALLETS, (a, b, c), strict=True):
        TrackedAddress.objects.get_or_create(
            owner=owner,
            chain_id=chain.chain_id,
            address=address,
            defaults={"kind": AddressKind.WALLET, "label": DEMO_LABEL.format(name)},
        )
    # A tracked token row carries its Token (metadata read from the chain), as tracking one on the
    # page does: the page's token activity and the token's daily API are found through it.
    TrackedAddress.objects.update_or_create(
        owner=owner,
        chain_id=chain.chain_id,
        address=token,
        defaults={"kind": AddressKind.TOKEN, "label": DEMO_CONTRACT_LABEL, "token": ensure_token(token, chain=chain)},
    )
    report = sync_chain(chain=chain)
    write(
        f"  synced the in-process chain to block {report.synced_block}: {report.transfers_new} new transfers "
        f"of the demo wallets (tracked for {DEMO_EMAIL})"
    )


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
