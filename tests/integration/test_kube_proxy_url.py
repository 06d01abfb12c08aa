"""kubeconfig proxy-url: every API request goes through the proxy the kubeconfig names (as
client-go does), here a small HTTP CONNECT proxy in front of the emulated API server over TLS."""
import os
import select
import socket
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sftest  # noqa: E402

sys.path.insert(0, os.path.join(sftest.SOURCE_DIR, "tests", "emulators"))
import k8s_harness as H  # noqa: E402


class ConnectProxy:
    """Accepts CONNECT host:port, records it, and pipes bytes both ways."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connects = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def handle(self, client):
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            request_line = head.split(b"\r\n", 1)[0].decode()
            method, target, _ = request_line.split(" ", 2)
            if method != "CONNECT":
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.connects.append(target)
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pair = [client, upstream]
                while True:
                    ready, _, _ = select.select(pair, [], [], 10)
                    if not ready:
                        return
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is client else client).sendall(data)

    def close(self):
        self.sock.close()


class ProxyUrlTests(unittest.TestCase):
    def test_kind_wait_goes_through_the_kubeconfig_proxy(self):
        with tempfile.TemporaryDirectory(prefix="sf-proxy-") as tmp:
            pki = H.make_pki(os.path.join(tmp, "pki"), key="ec")
            proxy = ConnectProxy()
            try:
                with H.Emulator(pki=pki, fixtures=[H.node("kind-control-plane"), H.node("kind-worker")]) as emu:
                    config = os.path.join(tmp, "config")
                    emu.kubeconfig(config)
                    with open(config) as f:
                        text = f.read()
                    server_line = next(l for l in text.splitlines() if l.strip().startswith("server:"))
                    indent = server_line[: len(server_line) - len(server_line.lstrip())]
                    text = text.replace(server_line, f"{server_line}\n{indent}proxy-url: http://127.0.0.1:{proxy.port}")
                    with open(config, "w") as f:
                        f.write(text)
                    env = {k: v for k, v in os.environ.items()
                           if k.lower() not in ("kubeconfig", "https_proxy", "http_proxy", "no_proxy")}
                    env["HOME"] = "/nonexistent-home"
                    result = sftest.run([sftest.binary("kind-wait"), "--kubeconfig", config, "--list", "nodes"],
                                        env=env, timeout=60)
            finally:
                proxy.close()
        self.assertEqual(result.returncode, 0, result.stderr)
        names = sorted(line["name"] for line in sftest.json_lines(result.stdout))
        self.assertEqual(names, ["kind-control-plane", "kind-worker"])
        self.assertTrue(proxy.connects, "no request went through the proxy")
        self.assertTrue(all(c.endswith(f":{emu.port}") for c in proxy.connects), proxy.connects)
        self.assertNotIn("not supported", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
