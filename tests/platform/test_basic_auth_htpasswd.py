# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""Basic auth in front of OpenCost and Prometheus: what the ExternalSecret's template makes must
be accepted by nginx, or the UIs end up open (or locked).

- The template (k8s/baseline) calls ESO's htpasswd with three arguments, the third "bcrypt":
  ESO 2.9.0 (runtime/template/v2/sprig/crypto.go) hashes with golang.org/x/crypto/bcrypt,
  GenerateFromPassword(DefaultCost) -> "$2a$10$...".
- The same Go function makes the hash here: Helm's sprig htpasswd (two arguments in Helm 3.17,
  same golang.org/x/crypto/bcrypt call). No hash is stored in the repository.
- A real nginx (Debian's, glibc + libxcrypt crypt(3), like the Debian-based NGINX Ingress
  Controller image) must answer 200 to the right password and 401 otherwise."""
import base64
import json
import re
import secrets
import shutil
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import platformtest as pt

BCRYPT_LINE = re.compile(r"^([^:]+):\$2a\$10\$[./A-Za-z0-9]{53}$")


def go_bcrypt_htpasswd(user, password):
    """`user:$2a$10$...` from Go's golang.org/x/crypto/bcrypt via Helm's sprig htpasswd."""
    with tempfile.TemporaryDirectory() as d:
        chart = Path(d) / "htpasswd"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: htpasswd\nversion: 0.1.0\n")
        (chart / "templates" / "line.yaml").write_text("line: {{ htpasswd .Values.user .Values.password | quote }}\n")
        values = Path(d) / "values.json"
        values.write_text(json.dumps({"user": user, "password": password}))
        values.chmod(0o600)
        proc = pt.run([pt.helm(), "template", "h", str(chart), "-f", str(values)])
        return pt.documents(proc.stdout)[0]["line"]



class BasicAuthSecret(unittest.TestCase):
    def test_the_external_secret_makes_an_nginx_htpasswd_secret_with_three_argument_bcrypt(self):
        apps = pt.applications()
        for app, secret_name, vault_key in (("opencost", "opencost-basic-auth", "platform/opencost/basic-auth"),
                                            ("prometheus", "prometheus-basic-auth", "platform/prometheus/basic-auth")):
            with self.subTest(app=app):
                docs = [d for _, text in pt.render_local_sources(apps[app]) for d in pt.documents(text)]
                es = next(d for d in docs if d["kind"] == "ExternalSecret" and d["metadata"]["name"] == secret_name)
                target = es["spec"]["target"]
                self.assertEqual(target["name"], secret_name)
                self.assertEqual(target["template"]["type"], "nginx.org/htpasswd")
                self.assertEqual(target["template"]["engineVersion"], "v2")
                self.assertEqual(target["template"]["data"], {"htpasswd": '{{ htpasswd .username .password "bcrypt" }}'})
                self.assertEqual({(d["secretKey"], d["remoteRef"]["key"], d["remoteRef"]["property"]) for d in es["spec"]["data"]},
                                 {("username", vault_key, "username"), ("password", vault_key, "password")})
                self.assertEqual(es["spec"]["secretStoreRef"], {"kind": "ClusterSecretStore", "name": "vault"})

    def test_the_ingresses_point_nginx_at_those_secrets(self):
        prom = pt.documents((pt.SOURCE / "k8s/observability/prometheus/values.yaml").read_text())[0]
        self.assertEqual(prom["server"]["ingress"]["annotations"]["nginx.org/basic-auth-secret"], "prometheus-basic-auth")
        oc = pt.documents((pt.SOURCE / "opencost/values.yaml").read_text())[0]
        self.assertEqual(oc["opencost"]["ui"]["ingress"]["annotations"]["nginx.org/basic-auth-secret"], "opencost-basic-auth")


class NginxAcceptsTheHash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(cls.nginx).exists():
            raise pt.ToolMissing("nginx is missing: run scripts/install-deps.sh")
        cls.dir = tempfile.TemporaryDirectory()
        root = Path(cls.dir.name)
        cls.password = secrets.token_urlsafe(18)
        cls.line = go_bcrypt_htpasswd("admin", cls.password)
        (root / "htpasswd").write_text(cls.line)          # no trailing newline, like the Secret's value
        (root / "htpasswd").chmod(0o600)
        (root / "www").mkdir()
        (root / "www" / "index.html").write_text("ok\n")
        cls.port = pt.free_port()
        conf = root / "nginx.conf"
        conf.write_text(f"""
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{}}
http {{
  access_log off;
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  server {{
    listen 127.0.0.1:{cls.port};
    root {root}/www;
    auth_basic "test";
    auth_basic_user_file {root}/htpasswd;
  }}
}}
""")
        cls.proc = subprocess.Popen([cls.nginx, "-c", str(conf), "-p", str(root)], stderr=subprocess.PIPE)
        pt.wait_listening(cls.port, cls.proc, "nginx")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.dir.cleanup()

    def get(self, user=None, password=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/")
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def test_the_hash_is_go_bcrypt_2a_cost_10(self):
        self.assertRegex(self.line, BCRYPT_LINE)
        self.assertNotIn(self.password, self.line)

    def test_right_password_200_wrong_or_none_401(self):
        self.assertEqual(self.get("admin", self.password), 200)
        self.assertEqual(self.get("admin", self.password + "x"), 401)
        self.assertEqual(self.get("root", self.password), 401)
        self.assertEqual(self.get(), 401)


if __name__ == "__main__":
    unittest.main()
