"""A local HTTP server that records every request (method, path, headers, body) and answers
`code` with an empty body: what a curl config file makes curl send, or a pod that answers
whatever it is asked. Python 3 standard library only."""
import http.server
import threading


class Recorder:
    def __init__(self, code=200):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append({"method": self.command, "path": self.path, "headers": self.headers, "body": body})
                self.send_response(code)
                if code not in (204, 304):
                    self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
