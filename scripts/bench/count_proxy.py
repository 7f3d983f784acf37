"""A counting HTTP proxy on loopback: forwards every request to the emulator and counts calls per
(service, operation), from the SigV4 credential scope and X-Amz-Target / Action, and the seconds
the emulator took to answer them. Writes {"calls": {...}, "seconds": {...}} as JSON to
COUNTS_FILE on SIGTERM.

With LATENCY_MS, every call waits that long before it is forwarded (a round trip to AWS from
inside its region is tens of milliseconds; the emulator on loopback answers in a few), without
holding up other calls. Upstream connections are kept alive, one per client connection.

Usage: python count_proxy.py LISTEN_PORT UPSTREAM_URL COUNTS_FILE [LATENCY_MS]
"""
import http.client
import json
import re
import signal
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT, UPSTREAM, COUNTS = int(sys.argv[1]), urlsplit(sys.argv[2]), sys.argv[3]
LATENCY = float(sys.argv[4]) / 1000 if len(sys.argv) > 4 else 0.0
counts = Counter()
seconds = Counter()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", self.headers.get("Authorization", ""))
        service = scope.group(1) if scope else "?"
        target = self.headers.get("X-Amz-Target")
        if target:
            operation = target.rsplit(".", 1)[-1]
        else:
            query = parse_qs(body.decode("utf-8", "replace")) if body else parse_qs(urlsplit(self.path).query)
            operation = (query.get("Action") or [self.path.split("?")[0]])[0]
        key = f"{service} {operation}"
        with lock:
            counts[key] += 1
        if LATENCY:
            time.sleep(LATENCY)
        started = time.monotonic()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        try:
            response, data = self.upstream(headers, body)
        except (http.client.HTTPException, OSError):
            # The emulator closed an idle kept-alive connection: once more on a new one.
            self._upstream = None
            response, data = self.upstream(headers, body)
        with lock:
            seconds[key] += time.monotonic() - started
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def upstream(self, headers, body):
        # One handler object serves one client connection, so its upstream connection is its own.
        if getattr(self, "_upstream", None) is None:
            self._upstream = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=300)
        self._upstream.request(self.command, self.path, body=body, headers=headers)
        response = self._upstream.getresponse()
        return response, response.read()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward


def dump(*_):
    with open(COUNTS, "w") as f:
        json.dump({"calls": dict(counts), "seconds": {k: round(v, 3) for k, v in seconds.items()}}, f, indent=1, sort_keys=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, dump)
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
