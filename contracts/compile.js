// Compiles contracts/src/*.sol with the pinned solc (standard JSON, optimizer on, evmVersion "prague")
// into contracts/build/<Contract>.json: ABI, bytecode, compiler version and settings, and the sha256 of
// every source the contract was built from. The artifacts are committed, so `make run` needs no Node.js.
//   node compile.js          write the artifacts
//   node compile.js --check  compile in memory and fail, naming them, when committed artifacts differ
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const SRC = path.join(__dirname, "src");
const BUILD = path.join(__dirname, "build");
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "prague",
  metadata: { bytecodeHash: "none" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "devdoc", "userdoc"] } },
};

function sha256(text) {
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

function compile() {
  const sources = {};
  for (const file of fs.readdirSync(SRC).filter((f) => f.endsWith(".sol")).sort()) {
    sources[file] = { content: fs.readFileSync(path.join(SRC, file), "utf8") };
  }
  const output = JSON.parse(solc.compile(JSON.stringify({ language: "Solidity", sources, settings: SETTINGS })));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) console.error(e.formattedMessage);
  if (errors.length) process.exit(1);
  const artifacts = {};
  for (const [file, contracts] of Object.entries(output.contracts)) {
    for (const [name, c] of Object.entries(contracts)) {
      if (!c.evm.bytecode.object) continue; // abstract contracts have no bytecode
      const used = [file, ...importsOf(sources, file)];
      artifacts[name] = {
        contractName: name,
        sourcePath: `src/${file}`,
        sourceSha256: sha256(sources[file].content),
        sources: Object.fromEntries(used.sort().map((f) => [`src/${f}`, sha256(sources[f].content)])),
        compiler: { name: "solc", version: solc.version(), settings: { optimizer: SETTINGS.optimizer, evmVersion: SETTINGS.evmVersion } },
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
        devdoc: c.devdoc,
        userdoc: c.userdoc,
      };
    }
  }
  return artifacts;
}

function importsOf(sources, file, seen = new Set()) {
  for (const m of sources[file].content.matchAll(/import\s+(?:\{[^}]*\}\s+from\s+)?"\.\/([^"]+)"/g)) {
    if (!seen.has(m[1])) {
      seen.add(m[1]);
      importsOf(sources, m[1], seen);
    }
  }
  return [...seen];
}

function render(artifact) {
  return JSON.stringify(artifact, null, 1) + "\n";
}

const artifacts = compile();
if (process.argv.includes("--check")) {
  const stale = Object.keys(artifacts).filter((name) => {
    const file = path.join(BUILD, `${name}.json`);
    return !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== render(artifacts[name]);
  });
  if (stale.length) {
    console.error(`contracts/build is stale for ${stale.join(", ")}: run \`make contracts\` and commit the result`);
    process.exit(1);
  }
  console.log(`contracts/build matches the sources (${Object.keys(artifacts).length} contracts, solc ${solc.version()})`);
} else {
  fs.mkdirSync(BUILD, { recursive: true });
  for (const [name, artifact] of Object.entries(artifacts)) {
    fs.writeFileSync(path.join(BUILD, `${name}.json`), render(artifact));
    console.log(`contracts/build/${name}.json  ${(artifact.deployedBytecode.length - 2) / 2} bytes deployed`);
  }
}
