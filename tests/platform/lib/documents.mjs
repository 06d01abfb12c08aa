// Multi-document YAML (a manifest file, or `helm template` output) to plain objects, each with
// where it came from. A YAML syntax error is reported with its file and line.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export function readSource(path) {
  return path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
}

// [{source, index, line, doc}] for every non-empty document; throws Error naming file:line.
export function parseDocuments(text, source) {
  const out = [];
  let index = 0;
  for (const d of parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })) {
    const line = d.contents?.range ? lineOf(text, d.contents.range[0]) : 1;
    if (d.errors.length > 0) {
      const e = d.errors[0];
      const at = e.linePos?.[0]?.line ?? line;
      throw new Error(`${source}:${at}: ${e.message.split("\n")[0]}`);
    }
    const doc = d.toJS({ maxAliasCount: 100 });
    if (doc !== null && doc !== undefined) out.push({ source, index, line, doc });
    index += 1;
  }
  return out;
}

function lineOf(text, offset) {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
