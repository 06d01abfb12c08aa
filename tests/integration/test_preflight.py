# ctest: no-tools  (runs none of our binaries: nothing for the sanitizer build to check)
"""scripts/preflight.sh, each check made to pass and to fail: a fake `docker` and `terraform`
first on PATH, a fake /proc folder (meminfo, inotify limits), and a port held open by the test.
Every failing check must name what is wrong and the command that fixes it, and the script must
still run the other checks and exit 1."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sftest  # noqa: E402

SCRIPT = os.path.join(sftest.SOURCE_DIR, "scripts", "preflight.sh")
GIB = 1024 ** 3

FAKE_DOCKER = """#!/bin/sh
# Answers like the docker CLI: `info --format ...` and `ps --filter ... --format {{.Ports}}`.
case "$1" in
  info)
    case "$FAKE_DOCKER_MODE" in
      down) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1 ;;
      denied) echo "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock" >&2; exit 1 ;;
    esac
    echo "28.2.2 $FAKE_DOCKER_MEM" ;;
  ps) printf '%s\\n' "$FAKE_DOCKER_PS" ;;
  *) echo "fake docker: unexpected $*" >&2; exit 64 ;;
esac
"""
FAKE_TERRAFORM = """#!/bin/sh
[ "$1" = version ] || { echo "fake terraform: unexpected $*" >&2; exit 64; }
if [ "$2" = -json ]; then
  [ -n "$FAKE_TF_JSON" ] || { echo 'flag provided but not defined: -json' >&2; exit 1; }
  printf '{\\n  "terraform_version": "%s",\\n  "platform": "linux_amd64"\\n}\\n' "$FAKE_TF_JSON"
else
  echo "Terraform v$FAKE_TF_TEXT"
fi
"""


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class PreflightTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sf-preflight-")
        self.bin = os.path.join(self.dir, "bin")
        write(os.path.join(self.bin, "docker"), FAKE_DOCKER, 0o755)
        write(os.path.join(self.bin, "terraform"), FAKE_TERRAFORM, 0o755)
        self.proc = os.path.join(self.dir, "proc")
        self.set_proc(available_kib=16 * 1024 * 1024, watches=524288, instances=512)
        self.ports = [sftest.free_port(), sftest.free_port()]
        self.env = {
            "PATH": self.bin + os.pathsep + os.environ["PATH"],
            "SF_PROC_DIR": self.proc,
            "SF_HTTP_PORT": str(self.ports[0]), "SF_HTTPS_PORT": str(self.ports[1]),
            "SF_CLUSTER_NAME": "sf-test",
            "FAKE_DOCKER_MODE": "ok", "FAKE_DOCKER_MEM": str(16 * GIB), "FAKE_DOCKER_PS": "",
            "FAKE_TF_JSON": "1.11.4", "FAKE_TF_TEXT": "1.11.4",
        }

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def set_proc(self, available_kib=None, watches=None, instances=None):
        if available_kib is not None:
            write(os.path.join(self.proc, "meminfo"),
                  f"MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   {available_kib} kB\n")
        if watches is not None:
            write(os.path.join(self.proc, "sys", "fs", "inotify", "max_user_watches"), f"{watches}\n")
        if instances is not None:
            write(os.path.join(self.proc, "sys", "fs", "inotify", "max_user_instances"), f"{instances}\n")

    def preflight(self, **env):
        r = subprocess.run(["bash", SCRIPT], capture_output=True, text=True, timeout=60,
                           env={**os.environ, **self.env, **env})
        return r.returncode, r.stderr

    def assert_failed(self, rc, out, check, what, fix, failures=1):
        self.assertEqual(rc, 1, out)
        self.assertIn(f"preflight: FAIL  {check}: ", out)
        self.assertIn(what, out)
        self.assertIn(f"fix: {fix}", out)
        self.assertIn(f"preflight: {failures} check(s) failed", out)
        # Every other check still ran.
        for name in ("docker", "terraform", "memory", f"port {self.ports[0]}", f"port {self.ports[1]}",
                     "inotify max_user_watches", "inotify max_user_instances"):
            self.assertRegex(out, rf"preflight: (ok   |FAIL ) {name}: ")

    def test_everything_in_order_passes(self):
        rc, out = self.preflight()
        self.assertEqual(rc, 0, out)
        self.assertIn("ok    docker: Docker 28.2.2 reachable", out)
        self.assertIn("ok    terraform: Terraform 1.11.4 (needs >= 1.9.0)", out)
        self.assertIn("ok    memory: 16384 MiB available (needs 6144 MiB)", out)
        self.assertIn(f"ok    port {self.ports[0]}: 127.0.0.1:{self.ports[0]} is free", out)
        self.assertIn("ok    inotify max_user_watches: 524288 (needs 524288)", out)
        self.assertIn("every check passed", out)
        self.assertNotIn("FAIL", out)

    def test_docker_daemon_down(self):
        rc, out = self.preflight(FAKE_DOCKER_MODE="down")
        self.assert_failed(rc, out, "docker", "Cannot connect to the Docker daemon", "sudo systemctl start docker")

    def test_docker_socket_permission_denied(self):
        rc, out = self.preflight(FAKE_DOCKER_MODE="denied")
        self.assert_failed(rc, out, "docker", "refused this user", 'sudo usermod -aG docker "$USER"')

    def test_docker_missing(self):
        rc, out = self.preflight(SF_DOCKER=os.path.join(self.dir, "no-docker"))
        self.assert_failed(rc, out, "docker", "no '", "install Docker: sudo apt-get install docker.io")

    def test_terraform_too_old(self):
        rc, out = self.preflight(FAKE_TF_JSON="1.8.5")
        self.assert_failed(rc, out, "terraform", "Terraform 1.8.5 is older than the required 1.9.0",
                           "install Terraform 1.9.0 or newer")

    def test_terraform_without_json_version_is_read_from_text(self):
        rc, out = self.preflight(FAKE_TF_JSON="", FAKE_TF_TEXT="0.11.14")
        self.assert_failed(rc, out, "terraform", "Terraform 0.11.14 is older", "install Terraform 1.9.0")

    def test_terraform_versions_compare_as_versions_not_strings(self):
        rc, out = self.preflight(FAKE_TF_JSON="1.10.0")
        self.assertEqual(rc, 0, out)
        self.assertIn("Terraform 1.10.0 (needs >= 1.9.0)", out)

    def test_the_real_terraform_is_recognised(self):
        real = sftest.require_program("terraform", "terraform (on the machine image)")
        os.remove(os.path.join(self.bin, "terraform"))
        rc, out = self.preflight(SF_TERRAFORM=real, CHECKPOINT_DISABLE="1")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"ok    terraform: Terraform 1\.\d+\.\d+ \(needs >= 1\.9\.0\)")

    def test_terraform_missing(self):
        rc, out = self.preflight(SF_TERRAFORM=os.path.join(self.dir, "no-terraform"))
        self.assert_failed(rc, out, "terraform", "no '", "install Terraform 1.9.0 or newer")

    def test_too_little_free_memory(self):
        self.set_proc(available_kib=2 * 1024 * 1024)
        rc, out = self.preflight()
        self.assert_failed(rc, out, "memory", "2048 MiB available, the platform needs 6144 MiB", "close programs")

    def test_docker_vm_too_small(self):
        rc, out = self.preflight(FAKE_DOCKER_MEM=str(4 * GIB))
        self.assert_failed(rc, out, "docker-memory", "Docker may use 4096 MiB in all",
                           "Docker Desktop: Settings > Resources > Memory, at least 6 GiB")

    def test_memory_threshold_is_configurable(self):
        self.set_proc(available_kib=2 * 1024 * 1024)
        rc, out = self.preflight(SF_MIN_MEMORY_MIB="1024")
        self.assertEqual(rc, 0, out)

    def test_port_held_by_another_program(self):
        with socket.socket() as held:
            held.bind(("127.0.0.1", self.ports[1]))
            held.listen()
            rc, out = self.preflight()
        self.assert_failed(rc, out, f"port {self.ports[1]}", f"127.0.0.1:{self.ports[1]} is in use by another program",
                           f"find it: sudo ss -ltnp 'sport = :{self.ports[1]}'")
        self.assertIn(f"ok    port {self.ports[0]}: 127.0.0.1:{self.ports[0]} is free", out)

    def test_port_held_on_all_interfaces_counts_for_0_0_0_0(self):
        with socket.socket() as held:
            held.bind(("0.0.0.0", self.ports[0]))
            held.listen()
            rc, out = self.preflight(SF_LISTEN_ADDRESS="0.0.0.0")
        self.assert_failed(rc, out, f"port {self.ports[0]}", f"0.0.0.0:{self.ports[0]} is in use", "find it")

    def test_ports_held_by_the_platforms_own_cluster_pass_on_a_rerun(self):
        published = (f"127.0.0.1:{self.ports[0]}->80/tcp, 127.0.0.1:{self.ports[1]}->443/tcp, "
                     "127.0.0.1:40001->6443/tcp")
        with socket.socket() as a, socket.socket() as b:
            for s, p in ((a, self.ports[0]), (b, self.ports[1])):
                s.bind(("127.0.0.1", p))
                s.listen()
            rc, out = self.preflight(FAKE_DOCKER_PS=published)
        self.assertEqual(rc, 0, out)
        self.assertIn(f"ok    port {self.ports[1]}: held by this platform's own cluster sf-test (a re-run)", out)

    def test_low_inotify_limits(self):
        self.set_proc(watches=8192, instances=128)
        rc, out = self.preflight()
        self.assert_failed(rc, out, "inotify max_user_watches", "fs.inotify.max_user_watches is 8192",
                           "sudo sysctl fs.inotify.max_user_watches=524288", failures=2)
        self.assertIn("fix: sudo sysctl fs.inotify.max_user_instances=512", out)
        self.assertIn("/etc/sysctl.d/99-kind.conf", out)

    def test_no_inotify_folder_outside_linux(self):
        shutil.rmtree(os.path.join(self.proc, "sys"))
        rc, out = self.preflight()
        self.assertEqual(rc, 0, out)
        self.assertIn("(not Linux): the limits that count are the Docker VM's", out)

    def test_every_failure_is_counted_in_one_run(self):
        self.set_proc(available_kib=1024 * 1024, watches=100, instances=100)
        rc, out = self.preflight(FAKE_DOCKER_MODE="down", FAKE_TF_JSON="1.0.0")
        self.assertEqual(rc, 1)
        self.assertEqual(out.count("preflight: FAIL"), 5, out)
        self.assertIn("preflight: 5 check(s) failed", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
