"""render-manifests facts against Docker's documented `docker network inspect` output: the pool
it chooses, --check, both formats, and the real consumers of the env format (GNU make's include,
a POSIX shell's `.`). Python 3 standard library only."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

RM = sftest.binary("render-manifests")
DOCKER = os.path.join(sftest.SOURCE_DIR, "tests", "render-manifests", "docker")


def fixture(name):
    with open(os.path.join(DOCKER, name)) as f:
        return f.read()


class Facts(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rm-facts-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def facts(self, name, *args):
        return sftest.run([RM, "facts", *args], input=fixture(name))

    def test_json_for_the_kind_network(self):
        r = self.facts("kind-3-nodes-ipv6.json")
        self.assertEqual(r.returncode, 0, r.stderr)
        [facts] = sftest.json_lines(r.stdout)
        self.assertEqual(facts["kind"], "network_facts")
        self.assertEqual(facts["ipv4_subnet"], "172.18.0.0/16")
        self.assertEqual(facts["ipv6_subnet"], "fc00:f853:ccd:e793::/64")
        self.assertEqual(facts["metallb_range"], "172.18.255.205-172.18.255.254")
        self.assertEqual(facts["metallb_size"], 50)
        self.assertEqual(facts["containers"], 3)
        self.assertEqual(facts["control_plane_cidrs"], "172.18.0.2/32")
        self.assertEqual(r.stderr, "")
        other = self.facts("kind-3-nodes-ipv6.json", "--cluster", "another")
        self.assertEqual(sftest.json_lines(other.stdout)[0]["control_plane_cidrs"], "")

    def test_env_is_read_by_make_and_by_sh(self):
        env_file = os.path.join(self.dir, "kind-facts.env")
        r = sftest.run([RM, "facts", "--format", "env", "-o", env_file, os.path.join(DOCKER, "kind-pool-20-registry.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        makefile = os.path.join(self.dir, "Makefile")
        with open(makefile, "w") as f:
            f.write(f"include {env_file}\nall:\n\t@echo range=$(METALLB_RANGE) subnet=$(IPV4_SUBNET)\n")
        make = sftest.require_program("make", "make")
        m = sftest.run([make, "-s", "-f", makefile])
        self.assertEqual(m.returncode, 0, m.stderr)
        self.assertEqual(m.stdout.strip(), "range=192.168.63.205-192.168.63.254 subnet=192.168.48.0/20")
        sh = sftest.run(["/bin/sh", "-c", f". {env_file} && echo \"$METALLB_RANGE $CONTAINERS $IPV6_SUBNET.\""])
        self.assertEqual(sh.stdout.strip(), "192.168.63.205-192.168.63.254 2 .")

    def test_size_and_small_subnets(self):
        r = self.facts("kind-3-nodes-ipv6.json", "--size", "10", "--format", "env")
        self.assertIn("METALLB_RANGE=172.18.255.245-172.18.255.254\n", r.stdout)
        full = self.facts("small-29-full.json")
        self.assertEqual(full.returncode, 1)
        self.assertEqual(full.stdout, "")
        self.assertIn("subnet 172.30.5.0/29 is full", full.stderr)
        self.assertIn("container tiny-proxy", full.stderr)

    def test_a_size_that_is_not_a_positive_count_is_a_usage_error(self):
        for size in ("-1", "0", "1e3", "many", "99999999999999999999"):
            with self.subTest(size=size):
                r = self.facts("kind-3-nodes-ipv6.json", "--size", size)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertIn("--size", r.stderr)

    def test_check(self):
        ok = self.facts("kind-3-nodes-ipv6.json", "--check", "172.18.255.200-172.18.255.250", "--format", "env")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("METALLB_RANGE=172.18.255.200-172.18.255.250\nMETALLB_SIZE=51\n", ok.stdout)
        bad = self.facts("kind-3-nodes-ipv6.json", "--check", "172.18.0.1-172.18.0.3")
        self.assertEqual(bad.returncode, 1)
        self.assertEqual(bad.stdout, "")
        for needle in ("holds 172.18.0.1, used by the gateway", "holds 172.18.0.2, used by container sovereign-finops-control-plane",
                       "holds 172.18.0.3, used by container sovereign-finops-worker"):
            self.assertIn(needle, bad.stderr)
        outside = self.facts("kind-3-nodes-ipv6.json", "--check", "10.0.0.1-10.0.0.9")
        self.assertEqual(outside.returncode, 1)
        self.assertIn("not inside the network's IPv4 subnet 172.18.0.0/16", outside.stderr)
        v6 = self.facts("kind-3-nodes-ipv6.json", "--check", "fc00:f853:ccd:e793::100-fc00:f853:ccd:e793::1ff")
        self.assertEqual(v6.returncode, 2)
        self.assertIn("only IPv4 ranges", v6.stderr)
        garbage = self.facts("kind-3-nodes-ipv6.json", "--check", "172.18.255.250-172.18.255.200")
        self.assertEqual(garbage.returncode, 2)
        self.assertIn("FIRST-LAST", garbage.stderr)
        low = self.facts("kind-pool-20-registry.json", "--check", "192.168.48.3-192.168.48.4")
        self.assertEqual(low.returncode, 0)
        self.assertIn("warning", low.stderr)
        self.assertIn("below 192.168.48.5", low.stderr)

    def test_bad_input(self):
        for text, code, needle in (
                ("", 2, "stdin:1: invalid JSON"),
                ("[{\"Name\": \"kind\",\n \"IPAM\": {\"Config\": [{\"Subnet\": \"172.18.0.0/33\"}]}}]", 2,
                 "stdin: [0].IPAM.Config[0].Subnet: '172.18.0.0/33' is not a subnet"),
                ("[]", 2, "no network in the input"),
                (fixture("ipv6-only.json"), 2, "has no IPv4 subnet (only IPv6)"),
                ("[{\"Name\":\"a\"},{\"Name\":\"b\"}]", 2, "pick one with --network NAME"),
        ):
            r = sftest.run([RM, "facts"], input=text)
            self.assertEqual(r.returncode, code, (text, r.stderr))
            self.assertIn(needle, r.stderr)
            self.assertEqual(r.stdout, "")
        missing = sftest.run([RM, "facts", os.path.join(self.dir, "nope.json")])
        self.assertEqual(missing.returncode, 2)
        self.assertIn("nope.json: no such file; check the path", missing.stderr)
        fmt = sftest.run([RM, "facts", "--format", "yaml"], input="[]")
        self.assertEqual(fmt.returncode, 2)

    def test_a_full_disk_fails_and_keeps_the_old_file(self):
        with open("/dev/full", "w") as full:
            r = subprocess.run([RM, "facts"], input=fixture("kind-3-nodes-ipv6.json"), stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("write failed", r.stderr)
        out = os.path.join(self.dir, "facts.json")
        with open(out, "w") as f:
            f.write("old\n")
        bad = sftest.run([RM, "facts", "-o", out], input="[]")
        self.assertEqual(bad.returncode, 2)
        with open(out) as f:
            self.assertEqual(f.read(), "old\n")
        self.assertEqual(sorted(os.listdir(self.dir)), ["facts.json"])

    def test_a_closed_pipe_is_an_error(self):
        p = subprocess.Popen([RM, "facts", "--format", "env"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        p.stdout.close()  # the reader is gone before anything is written
        _, err = p.communicate(fixture("kind-3-nodes-ipv6.json"), timeout=30)
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("stdout: the reader closed the pipe", err)

    def test_help_has_examples(self):
        r = sftest.run([RM, "facts", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("docker network inspect kind | render-manifests facts", r.stdout)
        top = sftest.run([RM, "--help"])
        self.assertEqual(top.returncode, 0)
        for command in ("facts", "render", "images", "charts", "lint"):
            self.assertIn(f"  {command} ", top.stdout)
        self.assertEqual(sftest.run([RM]).returncode, 2)
        self.assertEqual(sftest.run([RM, "frobnicate"]).returncode, 2)


if __name__ == "__main__":
    unittest.main()
