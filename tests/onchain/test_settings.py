"""ONCHAIN_* settings at start-up, in a fresh process each: the key's sources, and what is refused."""

from __future__ import annotations

import pytest

from tests.anvil import ACCOUNTS, KEYS
from tests.core.test_settings import _last_line, _manage, production_env  # noqa: F401  (fixture)

SIGNER = "from apps.onchain.chain import get_chain; print(get_chain().signer)"


def test_the_key_can_come_from_a_file_and_is_never_printed(production_env, tmp_path, anvil):  # noqa: F811
    key_file = tmp_path / "onchain-key"
    key_file.write_text(KEYS[1] + "\n")
    production_env.update(ONCHAIN_RPC_URL=anvil.url, ONCHAIN_PRIVATE_KEY_FILE=str(key_file))
    result = _manage(production_env, "shell", "-c", SIGNER)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == ACCOUNTS[1]


@pytest.mark.django_db
def test_deploying_never_shows_the_key(anvil_chain, caplog):
    import io
    import logging

    from django.core.management import call_command

    out = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        call_command("deploy_contracts", stdout=out)
    assert ACCOUNTS[0] in out.getvalue()
    assert KEYS[0][2:] not in out.getvalue() + caplog.text


def test_a_malformed_key_stops_start_up_without_echoing_it(production_env):  # noqa: F811
    production_env["ONCHAIN_PRIVATE_KEY"] = "0x" + "zz" * 32
    result = _manage(production_env, "check")
    assert result.returncode != 0
    assert "ONCHAIN_PRIVATE_KEY" in _last_line(result) and "zz" not in result.stderr


def test_an_rpc_url_of_another_scheme_stops_start_up(production_env):  # noqa: F811
    production_env["ONCHAIN_RPC_URL"] = "ftp://node.example"
    result = _manage(production_env, "check")
    assert result.returncode != 0
    assert "ONCHAIN_RPC_URL must start with http(s):// or ws(s)://" in _last_line(result)


@pytest.mark.parametrize("command", [("check",), ("deploy_contracts",)])
def test_a_chain_id_mismatch_is_a_start_up_and_command_error(production_env, anvil, command):  # noqa: F811
    production_env.update(ONCHAIN_RPC_URL=anvil.url, ONCHAIN_CHAIN_ID="1", ONCHAIN_PRIVATE_KEY=KEYS[0])
    result = _manage(production_env, *command)
    assert result.returncode != 0
    assert "on chain 31337, but ONCHAIN_CHAIN_ID is 1" in result.stderr
