#!/usr/bin/env node
// Parses Terraform files with @cdktf/hcl2json (HashiCorp's HCL parser compiled to WASM).
//   node parse-hcl.mjs FILE...   prints "<file>: ok (<n> top-level blocks)" per file
// Exit codes: 0 every file parses, 1 one does not (its error names file:line,column), 2 usage.
import { readFileSync } from "node:fs";
import { parse } from "@cdktf/hcl2json";

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: node parse-hcl.mjs FILE...\n");
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  try {
    const json = await parse(f, readFileSync(f, "utf8"));
    process.stdout.write(`${f}: ok (${Object.keys(json).length} top-level blocks)\n`);
  } catch (e) {
    failed++;
    process.stdout.write(`${f}: ${String(e.message || e).split("\n")[0]}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
