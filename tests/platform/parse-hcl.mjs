#!/usr/bin/env node
// Parses Terraform files with @cdktf/hcl2json (HashiCorp's HCL parser compiled to WASM): the
// one HCL parser of the tests (tests/platform/test_terraform_hcl.py, and the terraform/ tests
// through tests/integration/tfsupport.py), installed once with tests/platform's packages.
//   node parse-hcl.mjs FILE...          prints "<file>: ok (<n> top-level blocks)" per file
//   node parse-hcl.mjs --json FILE...   prints {"<file>": <parsed JSON>, ...}
// Exit codes: 0 every file parses, 1 one does not (its error names file:line,column), 2 usage.
import { readFileSync } from "node:fs";
import { parse } from "@cdktf/hcl2json";

const args = process.argv.slice(2);
const asJson = args[0] === "--json";
const files = asJson ? args.slice(1) : args;
if (files.length === 0) {
  process.stderr.write("usage: node parse-hcl.mjs [--json] FILE...\n");
  process.exit(2);
}
let failed = 0;
const parsed = {};
for (const f of files) {
  try {
    const json = await parse(f, readFileSync(f, "utf8"));
    if (asJson) parsed[f] = json;
    else process.stdout.write(`${f}: ok (${Object.keys(json).length} top-level blocks)\n`);
  } catch (e) {
    failed++;
    const line = `${f}: ${String(e.message || e).split("\n")[0]}\n`;
    if (asJson) process.stderr.write(line);
    else process.stdout.write(line);
  }
}
if (asJson && failed === 0) process.stdout.write(JSON.stringify(parsed));
process.exit(failed > 0 ? 1 : 0);
