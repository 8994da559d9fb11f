"""The committed contract artifacts (contracts/build/*.json) match their sources and the pinned build.

`make contracts-check` (run by `make test` and CI) compiles again with node and compares byte for byte;
this test needs no node: it recomputes the sha256 of every source an artifact lists, and checks that
every contract with bytecode in contracts/src has an artifact built by the pinned solc as configured.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from django.conf import settings

CONTRACTS = Path(settings.BASE_DIR) / "contracts"
# Contracts and libraries have bytecode; abstract contracts and interfaces do not.
DEPLOYABLE = re.compile(r"^(?!abstract\s)(?:contract|library)\s+(\w+)", re.MULTILINE)
IMPORT = re.compile(r'import\s+(?:\{[^}]*\}\s+from\s+)?"\./([^"]+)"')


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def imports(src: Path, file: str, seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    for name in IMPORT.findall((src / file).read_text()):
        if name not in seen:
            seen.add(name)
            imports(src, name, seen)
    return seen


def problems(root: Path) -> list[str]:
    """Everything wrong with root/build against root/src and root/package.json (empty when fresh)."""
    src, build = root / "src", root / "build"
    solc = json.loads((root / "package.json").read_text())["devDependencies"]["solc"]
    found = []
    declared = {}
    for file in sorted(src.glob("*.sol")):
        for name in DEPLOYABLE.findall(file.read_text()):
            declared[name] = file.name
    artifacts = {p.stem: json.loads(p.read_text()) for p in sorted(build.glob("*.json"))}
    found += [f"{name} ({file}) has no artifact" for name, file in declared.items() if name not in artifacts]
    found += [f"build/{name}.json has no contract in src/" for name in artifacts if name not in declared]
    for name, a in artifacts.items():
        if name not in declared:
            continue
        listed = a["sources"]
        needed = {f"src/{f}" for f in {declared[name], *imports(src, declared[name])}}
        if set(listed) != needed:
            found.append(f"{name}: artifact lists sources {sorted(listed)}, the source imports {sorted(needed)}")
        for path, digest in listed.items():
            if not (root / path).exists() or sha256(root / path) != digest:
                found.append(f"{name}: stale against {path}")
        if a["sourcePath"] != f"src/{declared[name]}" or a["sourceSha256"] != listed.get(a["sourcePath"]):
            found.append(f"{name}: sourcePath/sourceSha256 disagree with its sources")
        compiler = a["compiler"]
        if not compiler["version"].startswith(f"{solc}+") or not solc.startswith("0.8."):
            found.append(f"{name}: built by solc {compiler['version']}, package.json pins {solc}")
        if compiler["settings"] != {"optimizer": {"enabled": True, "runs": 200}, "evmVersion": "prague"}:
            found.append(f"{name}: built with {compiler['settings']}")
        if not (a["bytecode"].startswith("0x") and len(a["bytecode"]) > 2 and a["abi"]):
            found.append(f"{name}: no bytecode or ABI")
    return found


def copy_of_contracts(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(CONTRACTS, root, ignore=shutil.ignore_patterns("node_modules"))
    return root


def test_the_committed_artifacts_match_their_sources_and_the_pinned_compiler():
    assert problems(CONTRACTS) == []


def test_the_pinned_compiler_is_solc_0_8():
    pinned = json.loads((CONTRACTS / "package.json").read_text())["devDependencies"]["solc"]
    assert re.fullmatch(r"0\.8\.\d+", pinned)


def test_a_changed_source_makes_every_artifact_built_from_it_stale(tmp_path):
    root = copy_of_contracts(tmp_path)
    with (root / "src" / "Owned.sol").open("a") as handle:
        handle.write("// changed\n")
    assert problems(root) == ["DataTracking: stale against src/Owned.sol", "TrendAnalysis: stale against src/Owned.sol"]


def test_a_contract_without_an_artifact_is_reported(tmp_path):
    root = copy_of_contracts(tmp_path)
    (root / "src" / "Extra.sol").write_text("pragma solidity ^0.8.24;\ncontract Extra {}\n")
    assert problems(root) == ["Extra (Extra.sol) has no artifact"]


def test_an_artifact_built_with_other_settings_is_reported(tmp_path):
    root = copy_of_contracts(tmp_path)
    path = root / "build" / "DemoToken.json"
    a = json.loads(path.read_text())
    a["compiler"]["settings"]["evmVersion"] = "cancun"
    path.write_text(json.dumps(a))
    assert problems(root) == [f"DemoToken: built with {a['compiler']['settings']}"]
