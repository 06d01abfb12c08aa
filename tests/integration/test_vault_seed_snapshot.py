"""`vault-seed snapshot FILE`: a Raft snapshot streamed into FILE (mode 0600, replaced only when
complete), and the restore documented in docs/vault-seed.md ("Restore"), done here exactly as
written there with curl, the real program an operator would use."""
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402
import vstest  # noqa: E402
from vault_harness import VaultEmulator  # noqa: E402


class SnapshotTests(unittest.TestCase):
    def test_snapshot_then_the_documented_restore(self):
        curl = sftest.require_program("curl", "curl")
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run("--keep-root-token", vault=vault).returncode, 0)
            root = ws.init_material()["root_token"]
            before = vault.kv("secret")["apps/demo/db"]["versions"]["1"]["data"]
            snap = os.path.join(ws.tmp, "backup", "vault.snap")
            os.mkdir(os.path.dirname(snap), 0o700)
            seq = vault.write_seq()
            r = ws.run("snapshot", snap, vault=vault)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(vault.write_count(since=seq), 0, "a snapshot writes nothing to Vault")
            item = r.item("snapshot", snap)
            self.assertEqual(item["action"], "create")
            self.assertEqual(stat.S_IMODE(os.stat(snap).st_mode), 0o600)
            with open(snap, "rb") as f:
                data = f.read()
            self.assertEqual(data[:2], b"\x1f\x8b")
            self.assertIn("%d bytes" % len(data), item["detail"])
            self.assertEqual([n for n in os.listdir(os.path.dirname(snap))], ["vault.snap"], "a temporary file was left")

            # Disaster: the secret is changed by mistake; restore the snapshot as documented.
            vault.api("POST", "secret/data/apps/demo/db", {"options": {"cas": 1}, "data": {"username": "oops"}},
                      token=root)
            restore = subprocess.run(
                [curl, "--fail", "--silent", "--show-error", "--request", "POST", "--header", "X-Vault-Token: " + root,
                 "--data-binary", "@" + snap, vault.url + "/v1/sys/storage/raft/snapshot"],
                capture_output=True, text=True, timeout=30)
            self.assertEqual(restore.returncode, 0, restore.stderr)
            self.assertEqual(vault.kv("secret")["apps/demo/db"]["versions"]["1"]["data"], before)
            self.assertEqual(vault.kv("secret")["apps/demo/db"]["current_version"], 1)
            # After the restore vault-seed finds nothing to do.
            seq = vault.write_seq()
            self.assertEqual(ws.run("--keep-root-token", vault=vault).returncode, 0)
            self.assertEqual(vault.write_count(since=seq), 0, vault.writes(since=seq))
            ws.scan_leaks(self, vault)

    def test_a_failed_snapshot_leaves_the_old_file(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            snap = os.path.join(ws.tmp, "vault.snap")
            with open(snap, "wb") as f:
                f.write(b"the previous snapshot")
            vault.fault("reset", path_prefix="/v1/sys/storage/raft/snapshot", after_bytes=100)
            r = ws.run("snapshot", snap, vault=vault)
            self.assertEqual(r.returncode, 1, r)
            with open(snap, "rb") as f:
                self.assertEqual(f.read(), b"the previous snapshot")
            self.assertEqual(sorted(os.listdir(ws.tmp)).count("vault.snap"), 1)
            self.assertFalse([n for n in os.listdir(ws.tmp) if n.startswith("vault.snap.tmp")])
            vault.clear_faults()
            vault.seal()
            r = ws.run("snapshot", snap, vault=vault)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("is sealed: a snapshot needs an unsealed Vault", r.stderr)
            ws.scan_leaks(self, vault)

    def test_a_full_disk_a_fifo_and_stdout(self):
        with vstest.Workspace() as ws, VaultEmulator() as vault:
            self.assertEqual(ws.run(vault=vault).returncode, 0)
            # A full disk: exit 1 naming it, the previous snapshot whole, no temporary file.
            folder = os.path.join(ws.tmp, "full")
            full = sftest.FullDisk(folder, "vault.snap", "the previous snapshot",
                                   ws.argv("snapshot", os.path.join(folder, "vault.snap")), env=ws.base_env(vault))
            self.assertEqual(full.rc, 1, full.stderr)
            self.assertIn("No space left on device", full.stderr)
            self.assertEqual((full.text, full.names), ("the previous snapshot", ["vault.snap"]))
            self.assertTrue(full.mounted_only_there)
            # A named pipe (to an encrypting program, say) is written in place, never replaced.
            fifo = os.path.join(ws.tmp, "snap.fifo")
            os.mkfifo(fifo, 0o600)
            reader = sftest.FifoReader(fifo, binary=True)
            r = ws.run("snapshot", fifo, vault=vault)
            data = reader.data()
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(data[:2], b"\x1f\x8b")
            self.assertIn("%d bytes (gzip Raft snapshot, written in place)" % len(data),
                          r.item("snapshot", fifo)["detail"])
            self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
            # stdout carries the report: refused.
            r = ws.run("snapshot", "-", vault=vault)
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("snapshot -: that is stdout, which carries vault-seed's report", r.stderr)
            ws.scan_leaks(self, vault)


if __name__ == "__main__":
    unittest.main(verbosity=2)
