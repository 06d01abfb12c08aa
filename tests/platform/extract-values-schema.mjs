#!/usr/bin/env node
// Makes the test data tests/platform/data/<chart>-<version>.values.schema.json from a chart's
// values.schema.json whose $refs point at remote Kubernetes schemas (NGINX IC's point at
// raw.githubusercontent.com/nginxinc/kubernetes-json-schema, which air-gapped Helm cannot load):
//   - each remote {"$ref": ".../_definitions.json#/definitions/<name>"} becomes
//     {"x-k8s-definition": "<name>"}, checked offline with the kubernetes-models validators
//     (test_nginx_ingress_values.py);
//   - titles, descriptions, examples and defaults are dropped, and so are `required` lists (the
//     chart's own defaults satisfy them; what we check is the values we set).
// Run it when the chart version changes (docs/platform.md, "Upgrading a chart"):
//   node extract-values-schema.mjs <chart>/values.schema.json data/nginx-ingress-2.6.4.values.schema.json 'nginx/kubernetes-ingress v5.5.4'
import { readFileSync, writeFileSync } from "node:fs";

const [input, output, from] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write("usage: node extract-values-schema.mjs VALUES_SCHEMA_JSON OUTPUT [SOURCE]\n");
  process.exit(2);
}
const DROP = new Set(["title", "description", "examples", "default", "required", "$schema", "$id"]);
let refs = 0;

function convert(node) {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (DROP.has(k)) continue;
    if (k === "$ref" && typeof v === "string" && /^https?:/.test(v)) {
      const m = v.match(/#\/definitions\/(.+)$/);
      if (!m) throw new Error(`${input}: remote $ref without a definition: ${v}`);
      out["x-k8s-definition"] = m[1];
      refs++;
      continue;
    }
    out[k] = convert(v);
  }
  return out;
}

const schema = JSON.parse(readFileSync(input, "utf8"));
const converted = { $comment: `Derived from values.schema.json of ${from || input} by extract-values-schema.mjs`, ...convert(schema) };
writeFileSync(output, JSON.stringify(converted, null, 1) + "\n");
process.stderr.write(`extract-values-schema: ${output}: ${refs} remote references made local\n`);
