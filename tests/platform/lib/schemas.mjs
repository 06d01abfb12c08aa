// Schema validation of one Kubernetes document: the npm kubernetes-models packages for the
// Kubernetes API, Argo CD and External Secrets; JSON schemas extracted from the CRDs' own
// openAPIV3Schema (crd-schemas/<group>/<version>/<Kind>.json) for MetalLB and NGINX IC.
// A document of an unknown group/version/kind is an error, never silently accepted.
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import Ajv from "ajv";

const here = dirname(fileURLToPath(import.meta.url));
const crdSchemaDir = join(here, "..", "crd-schemas");

// Groups whose models live in a package of their own (module path: <package>/<group>/<version>/<Kind>).
const crdPackages = {
  "argoproj.io": "@kubernetes-models/argo-cd",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "generators.external-secrets.io": "@kubernetes-models/external-secrets",
};

const modelCache = new Map();
// OpenAPI's numeric and byte formats describe encodings, not constraints ajv could check.
const ajv = new Ajv({ strict: false, allErrors: true, formats: { int32: true, int64: true, float: true, double: true, byte: true } });
const crdValidators = new Map();

function splitApiVersion(apiVersion) {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

async function loadModel(group, version, kind) {
  const key = `${group}/${version}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  const candidates = [];
  if (crdPackages[group]) candidates.push(`${crdPackages[group]}/${group}/${version}/${kind}`);
  else if (group === "") candidates.push(`kubernetes-models/${version}/${kind}`);
  else candidates.push(`kubernetes-models/${group}/${version}/${kind}`);
  let model = null;
  for (const path of candidates) {
    try {
      const mod = await import(path);
      if (mod[kind]) { model = mod[kind]; break; }
    } catch (e) {
      if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
    }
  }
  modelCache.set(key, model);
  return model;
}

// Kubernetes prunes unknown fields of structural schemas; the tests are stricter and reject them
// (a misspelt key would otherwise vanish silently), except under x-kubernetes-preserve-unknown-fields.
function closeObjects(schema) {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closeObjects(v);
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

function crdValidator(group, version, kind) {
  const key = `${group}/${version}/${kind}`;
  if (crdValidators.has(key)) return crdValidators.get(key);
  const file = join(crdSchemaDir, group, version, `${kind}.json`);
  let validate = null;
  if (existsSync(file)) {
    const schema = closeObjects(JSON.parse(readFileSync(file, "utf8")));
    // apiVersion, kind and metadata are checked by the API server, not by the CRD schema.
    if (schema.properties) {
      for (const k of ["apiVersion", "kind", "metadata"]) schema.properties[k] ??= { type: k === "metadata" ? "object" : "string" };
    }
    validate = ajv.compile(schema);
  }
  crdValidators.set(key, validate);
  return validate;
}

// Returns a list of error strings for one parsed document (empty = valid).
export async function validateDocument(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return ["not a mapping"];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind must be strings"];
  const errors = [];
  if (!doc.metadata || typeof doc.metadata.name !== "string" || doc.metadata.name === "") {
    errors.push("metadata.name is missing");
  }
  const [group, version] = splitApiVersion(apiVersion);
  const model = await loadModel(group, version, kind);
  if (model) {
    try {
      new model(doc).validate();
    } catch (e) {
      errors.push(e.message);
    }
    return errors;
  }
  const validate = crdValidator(group, version, kind);
  if (validate) {
    if (!validate(doc)) {
      for (const e of validate.errors) errors.push(`${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
    }
    return errors;
  }
  return [`no schema for ${apiVersion} ${kind}: add its models package or crd-schemas/${group || "core"}/${version}/${kind}.json`];
}
