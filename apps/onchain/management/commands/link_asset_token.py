"""python manage.py link_asset_token SYMBOL --chain-id N --address 0x…: offer a token's activity to forecasts."""

from django.core.management.base import BaseCommand, CommandError

from apps.assets.models import Asset
from apps.onchain.features import coverage
from apps.onchain.networks import network
from apps.onchain.services.links import link_asset_token, unlink_asset_token
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = (
        "Link an asset to an ERC-20 token (asset metadata chain_id and contract_address) so that the "
        "scikit-learn forecaster is offered the token's daily on-chain activity; --unlink removes the link."
    )

    def add_arguments(self, parser):
        parser.add_argument("symbol", help="The asset's symbol.")
        parser.add_argument("--chain-id", type=int, help="Chain id of the token (1 Ethereum, 56 BNB Smart Chain, ...).")
        parser.add_argument("--address", help="The token contract's address (EIP-55 or all lower case).")
        parser.add_argument("--unlink", action="store_true", help="Remove the asset's token link.")

    def handle(self, *args, symbol, chain_id, address, unlink, **options):
        asset = Asset.objects.filter(pk=symbol.upper()).first()
        if asset is None:
            raise CommandError(f"No asset {symbol.upper()!r}.")
        if unlink:
            had = unlink_asset_token(asset=asset)
            self.stdout.write(f"{asset.id}: token link removed." if had else f"{asset.id} was not linked to a token.")
            return
        if chain_id is None or not address:
            raise CommandError("Give --chain-id and --address (or --unlink).")
        try:
            token = link_asset_token(asset=asset, chain_id=chain_id, address=address)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        span = coverage(token)
        covered = (
            f"{span.days} complete day(s) ingested, {span.first_day} to {span.last_day}"
            if span
            else "none ingested yet"
        )
        self.stdout.write(
            f"{asset.id} linked to {token.symbol or '?'} {token.address} on {network(token.chain_id).name} "
            f"(chain {token.chain_id}, {token.decimals} decimals); on-chain activity: {covered}."
        )
