"""Shared helpers for the integration tests: free ports, real peers started on loopback,
running the built binaries. Python 3 standard library only; every wait is bounded."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

BIN_DIR = os.environ.get("SF_BIN_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin")
SOURCE_DIR = os.environ.get("SF_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))


def binary(name):
    path = os.path.join(BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is not built; run make build")
    return path


def tool_names():
    """Every tool in tools/ (a folder with a main.cc), found from the source tree, so that a tool
    added later is covered by the tests that go over all of them."""
    root = os.path.join(SOURCE_DIR, "tools")
    return sorted(d for d in os.listdir(root) if d != "common" and os.path.exists(os.path.join(root, d, "main.cc")))


def help_text(*argv):
    """`argv --help` of a built tool (argv: the tool and, for a command, its name)."""
    return subprocess.run([binary(argv[0]), *argv[1:], "--help"], capture_output=True, text=True,
                          timeout=30).stdout


def tool_commands(tool):
    """The commands of a tool that has them (its --help lists them under "Commands:"), else []."""
    text = help_text(tool)
    if "\nCommands:\n" not in text:
        return []
    block = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^  ([a-z][a-z0-9-]*)\s", block, re.M)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_program(path_or_name, package):
    found = shutil.which(path_or_name)
    if not found:
        raise AssertionError(f"{path_or_name} is missing: install Debian's {package} (scripts/install-deps.sh)")
    return found


def wait_http(url, timeout=10.0, ok=(200,)):
    """Waits until url answers with one of `ok`; refused connections and 503 mean not yet."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status in ok:
                    return r.read()
        except Exception as e:  # noqa: BLE001 - anything means "not yet"
            last = e
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout}s: {last}")


class Process:
    """A background process stopped (SIGTERM, then SIGKILL) when the with-block ends."""

    def __init__(self, args, **kwargs):
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        self.proc = subprocess.Popen(args, start_new_session=True, **kwargs)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class NodeExporter(Process):
    """Debian's real prometheus-node-exporter on a free loopback port."""

    def __init__(self, extra_args=()):
        exe = require_program("prometheus-node-exporter", "prometheus-node-exporter")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/metrics"
        super().__init__([exe, f"--web.listen-address=127.0.0.1:{self.port}", "--no-collector.systemd",
                          *extra_args])
        wait_http(self.url)


class Prometheus(Process):
    """Debian's real prometheus scraping `targets` every `interval`."""

    def __init__(self, targets, interval="1s"):
        exe = require_program("prometheus", "prometheus")
        self.dir = tempfile.mkdtemp(prefix="sf-prom-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"global: {{scrape_interval: {interval}, evaluation_interval: {interval}}}\n"
                    "scrape_configs:\n  - job_name: node\n    static_configs:\n"
                    f"      - targets: [{', '.join(repr(t) for t in targets)}]\n")
        super().__init__([exe, f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
                          f"--web.listen-address=127.0.0.1:{self.port}"])
        wait_http(f"http://127.0.0.1:{self.port}/-/ready", timeout=20)

    def query(self, expr):
        import json
        import urllib.parse
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def proc_cores():
    """This machine's CPU count as the kernel lists it (cpuN lines of /proc/stat)."""
    with open("/proc/stat") as f:
        return sum(1 for line in f if line.startswith("cpu") and line[3].isdigit())


def proc_memtotal_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def run(args, input=None, timeout=120, env=None):
    """Runs a command; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run(args, input=input, capture_output=True, text=True, timeout=timeout, env=env)


def json_lines(text):
    import json
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def in_mount_namespace(script, *args, timeout=120, env=None):
    """Runs `script` (sh -e, with `args` as $1...) in a private mount namespace: a tmpfs or a bind
    mount made there vanishes with it, so a test can fill a disk or bind a device without
    touching the machine's. Returns CompletedProcess with text stdout/stderr."""
    unshare = require_program("unshare", "util-linux")
    cmd = [unshare, "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        cmd.insert(1, "--map-root-user")
    return subprocess.run([*cmd, "sh", "-ec", script, "sh", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


class FifoReader:
    """Reads a FIFO to its end in a thread (a writer blocks until someone opens it for reading);
    `data()` waits for the end and returns what came (bytes with binary=True, else text)."""

    def __init__(self, path, binary=False):
        import threading
        self._got = {}

        def read():
            with open(path, "rb" if binary else "r") as f:
                self._got["data"] = f.read()
        self._thread = threading.Thread(target=read, daemon=True)
        self._thread.start()

    def data(self, timeout=30):
        self._thread.join(timeout)
        if "data" not in self._got:
            raise AssertionError("nothing was read from the FIFO within %s s" % timeout)
        return self._got["data"]


class FullDisk:
    """What a command did to FILE on a disk with no space left: a 1 MiB tmpfs, mounted on `folder`
    in a private mount namespace, holding FILE with `old` text, then filled. `rc`, `stderr`, the
    file's text afterwards (`text`) and the folder's names (`names`, the filler aside)."""

    def __init__(self, folder, name, old, argv, env=None, timeout=120):
        os.makedirs(folder, exist_ok=True)
        script = ('mount -t tmpfs -o size=1m tmpfs "$1"; printf %s "$3" > "$1/$2"; '
                  'dd if=/dev/zero of="$1/.fill" bs=4096 2>/dev/null || true; shift 3; set +e; '
                  '"$@" > /dev/null; echo "rc=$?" >&2; set -e; '
                  'printf "%s" "$(ls -A "$SF_FULL" | grep -v "^.fill$" | tr "\\n" " ")" > "$SF_FULL_NAMES"; '
                  'cat "$SF_FULL/$SF_FULL_FILE" > "$SF_FULL_TEXT"')
        report = folder.rstrip("/") + ".report"
        os.makedirs(report, exist_ok=True)
        e = dict(env if env is not None else os.environ)
        e.update({"SF_FULL": folder, "SF_FULL_FILE": name, "SF_FULL_NAMES": os.path.join(report, "names"),
                  "SF_FULL_TEXT": os.path.join(report, "text")})
        r = in_mount_namespace(script, folder, name, old, *argv, timeout=timeout, env=e)
        tail = r.stderr.rstrip("\n").rsplit("\n", 1)
        if not tail[-1].startswith("rc="):
            raise AssertionError("the full-disk script failed: " + r.stderr)
        self.rc = int(tail[-1][3:])
        self.stderr = tail[0] if len(tail) > 1 else ""
        with open(os.path.join(report, "text")) as f:
            self.text = f.read()
        with open(os.path.join(report, "names")) as f:
            self.names = f.read().split()
        self.mounted_only_there = os.listdir(folder) == []
