#!/usr/bin/env node
// Validates Kubernetes manifests against their schemas (lib/schemas.mjs).
//   node validate.mjs FILE...      (- reads stdin, e.g. `helm template ... | node validate.mjs -`)
//   node validate.mjs --json FILE  prints the documents as a JSON array instead (for the Python tests)
// One line per invalid document: "<file>:<line> <kind>/<name>: <errors>"; a summary on stderr.
// Exit codes: 0 all valid, 1 a document is invalid, 2 usage or unreadable/unparsable input.
import { parseDocuments, readSource } from "./lib/documents.mjs";
import { validateDocument } from "./lib/schemas.mjs";

const args = process.argv.slice(2);
const json = args[0] === "--json";
const files = json ? args.slice(1) : args;
if (files.length === 0) {
  process.stderr.write("usage: node validate.mjs [--json] FILE... (- for stdin)\n");
  process.exit(2);
}

let docs = [];
try {
  for (const f of files) docs = docs.concat(parseDocuments(readSource(f), f === "-" ? "<stdin>" : f));
} catch (e) {
  process.stderr.write(`validate: ${e.message}\n`);
  process.exit(2);
}

// process.exit() would cut a large write to a pipe short: set the code and let Node drain stdout.
if (json) {
  process.stdout.write(JSON.stringify(docs.map((d) => ({ source: d.source, line: d.line, doc: d.doc }))));
} else {
  await report();
}

async function report() {

  let invalid = 0;
  for (const d of docs) {
    const errors = await validateDocument(d.doc);
    if (errors.length > 0) {
      invalid++;
      const name = `${d.doc?.kind ?? "?"}/${d.doc?.metadata?.name ?? "?"}`;
      process.stdout.write(`${d.source}:${d.line} ${name}: ${errors.join("; ")}\n`);
    }
  }
  process.stderr.write(`validate: ${docs.length} documents, ${invalid} invalid\n`);
  process.exitCode = invalid > 0 ? 1 : 0;
}
