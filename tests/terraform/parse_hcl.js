// Parses each .tf file named on the command line with @cdktf/hcl2json (the HCL library
// Terraform uses, compiled to WASM) and prints {"<path>": <parsed JSON>, ...} on stdout.
// A syntax error prints "<path>: <message>" on stderr and exits 1.
"use strict";
const fs = require("fs");
const { parse } = require("@cdktf/hcl2json");

async function main(paths) {
  const out = {};
  for (const p of paths) {
    try {
      out[p] = await parse(p, fs.readFileSync(p, "utf8"));
    } catch (e) {
      process.stderr.write(`${p}: ${e.message}\n`);
      process.exit(1);
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main(process.argv.slice(2));
