# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""The sample application's two scripts (k8s/apps/demo, ConfigMap demo-scripts) against a real
redis-server (Debian's 7.0; the pod runs Redis 8.2, same ACL syntax): the ACL file made from the
credentials lets exactly that user in, on its own keys only, and the client proves the login."""
import hashlib
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

import platformtest as pt



class DemoApplication(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("redis-server", "redis-cli", "sh", "sha256sum"):
            if not shutil.which(tool):
                raise pt.ToolMissing(f"{tool} is missing: run scripts/install-deps.sh")
        docs = pt.documents(pt.helm_template(pt.SOURCE / "k8s/apps/demo", "demo", "demo").stdout)
        cls.scripts = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
        db = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "demo-db")
        cls.redis_args = db["spec"]["template"]["spec"]["containers"][0]["args"]
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        for name, text in cls.scripts.items():
            (root / name).write_text(text)
        cls.creds = root / "creds"
        cls.creds.mkdir()
        cls.password = secrets.token_urlsafe(24)
        for key, value in (("username", "demo"), ("password", cls.password), ("database", "demo")):
            (cls.creds / key).write_text(value)
        cls.acl = root / "users.acl"
        make = subprocess.run(["sh", str(root / "make-acl.sh")], env=dict(os.environ, CREDENTIALS_DIR=str(cls.creds), ACL_FILE=str(cls.acl)),
                              capture_output=True, text=True, timeout=30)
        assert make.returncode == 0, make.stderr
        cls.port = pt.free_port()
        args = [a.replace("/run/redis/users.acl", str(cls.acl)).replace("/data", str(root)) for a in cls.redis_args]
        args[args.index("--port") + 1] = str(cls.port)
        args[args.index("--bind") + 1] = "127.0.0.1"
        cls.server = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pt.wait_listening(cls.port, cls.server, "redis-server")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)
        cls.tmp.cleanup()

    def client(self, password):
        ready = Path(self.tmp.name) / "ready"
        env = dict(os.environ, DB_HOST="127.0.0.1", DB_PORT=str(self.port), DB_USER="demo", DB_NAME="demo",
                   REDISCLI_AUTH=password, READY_FILE=str(ready), ONCE="1")
        proc = subprocess.run(["sh", str(Path(self.tmp.name) / "client.sh")], env=env, capture_output=True, text=True, timeout=30)
        return proc, ready.exists()

    def cli(self, *args, user="demo", password=None):
        env = dict(os.environ, REDISCLI_AUTH=password if password is not None else self.password)
        cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--no-auth-warning"]
        if user:
            cmd += ["--user", user]
        return subprocess.run(cmd + list(args), env=env, capture_output=True, text=True, timeout=10).stdout.strip()

    def test_the_acl_file_holds_the_hash_not_the_password_and_is_private(self):
        text = self.acl.read_text()
        self.assertNotIn(self.password, text)
        self.assertIn("#" + hashlib.sha256(self.password.encode()).hexdigest(), text)
        self.assertIn("user default off", text)
        self.assertEqual(stat.S_IMODE(self.acl.stat().st_mode), 0o600)

    def test_the_client_logs_in_and_becomes_ready(self):
        proc, ready = self.client(self.password)
        self.assertTrue(ready, proc.stderr)
        self.assertIn("connected to 127.0.0.1 as demo, database demo", proc.stdout)
        self.assertNotIn(self.password, proc.stdout + proc.stderr)

    def test_a_wrong_password_is_refused_and_not_ready(self):
        self.client(self.password)
        proc, ready = self.client(self.password + "x")
        self.assertFalse(ready)
        self.assertIn("cannot use the database", proc.stderr)

    def test_the_user_is_confined_to_its_database_keys_and_the_default_user_is_off(self):
        self.assertEqual(self.cli("SET", "demo:k", "v"), "OK")
        self.assertIn("NOPERM", self.cli("SET", "other:k", "v"))
        self.assertIn("NOPERM", self.cli("FLUSHALL"))
        self.assertIn("NOAUTH", self.cli("PING", user=None, password=""))

    def test_unsafe_names_are_rejected_before_they_reach_the_acl(self):
        with tempfile.TemporaryDirectory() as d:
            for key, value in (("username", "demo on >x ~* +@all"), ("password", "p"), ("database", "demo")):
                Path(d, key).write_text(value)
            proc = subprocess.run(["sh", str(Path(self.tmp.name) / "make-acl.sh")],
                                  env=dict(os.environ, CREDENTIALS_DIR=d, ACL_FILE=str(Path(d) / "acl")),
                                  capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("must be [A-Za-z0-9_.-]+", proc.stderr)


if __name__ == "__main__":
    unittest.main()
