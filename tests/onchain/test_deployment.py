"""deploy_contracts: idempotent per network, on the in-process chain and on anvil."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from apps.onchain.models import Contract
from apps.onchain.services.deployment import deploy_contracts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_second_deployment_reuses_the_first(which, request):
    chain = request.getfixturevalue(which)
    first = deploy_contracts(chain=chain)
    second = deploy_contracts(chain=chain)
    assert [d.created for d in first] == [True, True]
    assert [d.created for d in second] == [False, False]
    assert [d.contract.pk for d in first] == [d.contract.pk for d in second]
    assert Contract.objects.filter(chain_id=chain.chain_id).count() == 2
    for d in first:
        assert chain.code_size(d.contract.address) > 0
        assert chain.call(d.contract.name, d.contract.address, "hasRole", chain.signer) is True


def test_a_contract_whose_code_is_gone_is_deployed_anew(anvil_chain, anvil):
    snapshot = anvil.snapshot()
    deploy_contracts(chain=anvil_chain)
    anvil.revert(snapshot)  # the chain forgets the deployment; the database still has it
    again = deploy_contracts(chain=anvil_chain)
    assert [d.created for d in again] == [True, True]


def test_wrong_chain_id_is_a_command_error_naming_both_ids(anvil_chain, settings):
    from apps.onchain.chain import reset_chains

    settings.ONCHAIN_CHAIN_ID = 5
    reset_chains()
    with pytest.raises(CommandError, match=r"chain 31337.*ONCHAIN_CHAIN_ID is 5"):
        call_command("deploy_contracts")


def test_without_a_key_deployment_says_the_product_is_read_only(anvil_chain, settings):
    from apps.onchain.chain import reset_chains

    settings.ONCHAIN_PRIVATE_KEY = ""
    reset_chains()
    with pytest.raises(CommandError, match="No signing key"):
        call_command("deploy_contracts")
