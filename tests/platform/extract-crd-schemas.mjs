#!/usr/bin/env node
// Writes the openAPIV3Schema of CustomResourceDefinitions as crd-schemas/<group>/<version>/<Kind>.json,
// the test data lib/schemas.mjs validates our custom resources with. Run it on a chart rendered
// at its pinned version whenever that version changes (docs/platform.md, "Upgrading a chart"):
//   helm template metallb <chart metallb-0.16.1> | node extract-crd-schemas.mjs --kinds IPAddressPool,L2Advertisement -
// Only the schema is written, with the CRD's name and the source in a $comment.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocuments, readSource } from "./lib/documents.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let kinds = null;
let from = "";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--kinds") kinds = new Set(args[++i].split(","));
  else if (args[i] === "--from") from = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  process.stderr.write("usage: node extract-crd-schemas.mjs [--kinds K1,K2] [--from 'chart@version'] FILE... (- for stdin)\n");
  process.exit(2);
}

let written = 0;
for (const f of files) {
  for (const { doc } of parseDocuments(readSource(f), f)) {
    if (doc?.kind !== "CustomResourceDefinition") continue;
    const { group, names, versions } = doc.spec;
    if (kinds && !kinds.has(names.kind)) continue;
    for (const v of versions) {
      if (!v.served || !v.schema?.openAPIV3Schema) continue;
      const out = join(here, "crd-schemas", group, v.name, `${names.kind}.json`);
      mkdirSync(dirname(out), { recursive: true });
      const schema = { $comment: `openAPIV3Schema of CRD ${doc.metadata.name}, version ${v.name}${from ? `, from ${from}` : ""}`, ...v.schema.openAPIV3Schema };
      writeFileSync(out, JSON.stringify(schema, null, 2) + "\n");
      process.stderr.write(`extract-crd-schemas: ${out}\n`);
      written++;
    }
  }
}
if (written === 0) {
  process.stderr.write("extract-crd-schemas: no matching CustomResourceDefinition found\n");
  process.exit(1);
}
