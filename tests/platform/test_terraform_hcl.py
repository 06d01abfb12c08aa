# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Every Terraform file in the tree parses (npm @cdktf/hcl2json, HashiCorp's HCL parser as WASM).
Generic: it covers terraform/ as soon as it exists, and any other .tf/.tfvars. The parser is
also shown to reject a broken file and to name it."""
import tempfile
import unittest
from pathlib import Path

import platformtest as pt
from test_secret_scan import tree_files


def parse(files):
    return pt.run([pt.node(), str(pt.HERE / "parse-hcl.mjs"), *map(str, files)], check=False)


class TerraformParses(unittest.TestCase):
    def test_every_terraform_file_of_the_tree_parses(self):
        # Parsed in one run with a known-good file, so the run proves the parser works even
        # while the tree has no .tf yet (terraform/ arrives with infra-up).
        files = [f for f in tree_files(pt.SOURCE) if f.suffix in (".tf", ".tfvars") and f.is_file()]
        with tempfile.TemporaryDirectory() as d:
            known = Path(d) / "known.tf"
            known.write_text('locals {\n  ok = true\n}\n')
            proc = parse(files + [known])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.count(": ok ("), len(files) + 1)

    def test_the_parser_accepts_valid_and_rejects_broken_hcl_naming_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            good = Path(d) / "versions.tf"
            good.write_text('terraform {\n  required_providers {\n    kind = { source = "tehcyx/kind", version = "0.11.0" }\n  }\n}\n'
                            'variable "name" {\n  type = string\n  validation {\n    condition     = length(var.name) > 0\n'
                            '    error_message = "name must not be empty."\n  }\n}\n')
            bad = Path(d) / "main.tf"
            bad.write_text('resource "kind_cluster" "this" {\n  name = \n}\n')
            ok = parse([good])
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            self.assertIn("versions.tf: ok (2 top-level blocks)", ok.stdout)
            broken = parse([good, bad])
            self.assertEqual(broken.returncode, 1)
            self.assertIn(f"{bad}:2", broken.stdout)


if __name__ == "__main__":
    unittest.main()
