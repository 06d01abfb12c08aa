#!/usr/bin/env node
// Validates Helm values (JSON on stdin) against a values schema made local by
// extract-values-schema.mjs: JSON Schema draft 2019-09 via ajv, where every
// "x-k8s-definition": "<io.k8s... name>[/properties/<field>]" is checked with the kubernetes-models
// validator of that definition. Objects that list their properties are closed (a misspelt key is
// an error; the chart would silently ignore it).
//   node validate-values.mjs data/nginx-ingress-2.6.4.values.schema.json - < values.json
// Exit codes: 0 valid, 1 invalid, 2 usage or unreadable input.
import { readFileSync } from "node:fs";
import Ajv2019 from "ajv/dist/2019.js";

const [schemaFile, valuesFile] = process.argv.slice(2);
if (!schemaFile || !valuesFile) {
  process.stderr.write("usage: node validate-values.mjs SCHEMA VALUES_JSON (- for stdin)\n");
  process.exit(2);
}

// io.k8s.api.core.v1.Toleration -> the module and export of its kubernetes-models validator.
function validatorModule(definition) {
  const name = definition.split(".").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("")
    .replace(/^IoK8s/, "IoK8s");
  const pkg = definition.startsWith("io.k8s.apimachinery.") ? "@kubernetes-models/apimachinery" : "kubernetes-models";
  return `${pkg}/_schemas/${name}`;
}

const definitions = new Set();
function collect(node) {
  if (Array.isArray(node)) return node.forEach(collect);
  if (node === null || typeof node !== "object") return;
  if (typeof node["x-k8s-definition"] === "string") definitions.add(node["x-k8s-definition"].split("/")[0]);
  Object.values(node).forEach(collect);
}
function close(node) {
  if (Array.isArray(node)) return node.map(close);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = close(v);
  if (out.properties && Object.keys(out.properties).length > 0 && out.additionalProperties === undefined &&
      out.patternProperties === undefined && out["x-k8s-definition"] === undefined) out.additionalProperties = false;
  return out;
}

let schema, values;
try {
  schema = close(JSON.parse(readFileSync(schemaFile, "utf8")));
  values = JSON.parse(readFileSync(valuesFile === "-" ? 0 : valuesFile, "utf8"));
} catch (e) {
  process.stderr.write(`validate-values: ${e.message}\n`);
  process.exit(2);
}
collect(schema);
const validators = new Map();
for (const d of definitions) {
  const mod = await import(validatorModule(d));
  validators.set(d, mod.validate);
}

const ajv = new Ajv2019({ strict: false, allErrors: true, formats: { "uri-reference": true } });
ajv.addKeyword({
  keyword: "x-k8s-definition",
  errors: true,
  validate: function k8s(ref, data) {
    const [definition, , field] = ref.split("/");
    const validate = validators.get(definition);
    // A field of a definition: check it inside an object of that definition, ignoring the
    // definition's other required fields.
    const subject = field ? { [field]: data } : data;
    const errs = [];
    validate(subject);
    for (const e of validate.errors ?? []) {
      if (field && e.keyword === "required" && (e.instancePath === "" || e.instancePath === undefined)) continue;
      const detail = e.message || `${e.keyword} ${JSON.stringify(e.params)}`;
      errs.push({ keyword: "x-k8s-definition", message: `${ref}${e.instancePath || ""}: ${detail}`, params: {} });
    }
    k8s.errors = errs;
    return errs.length === 0;
  },
});

const check = ajv.compile(schema);
if (check(values)) {
  process.stderr.write("validate-values: valid\n");
  process.exit(0);
}
for (const e of check.errors) {
  process.stdout.write(`${e.instancePath || "/"}: ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}\n`);
}
process.exit(1);
