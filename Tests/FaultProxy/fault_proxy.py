#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of moto_server, for remedy's fault tests and benchmark.

Requests are forwarded unchanged (Host header included, so SigV4 signatures still verify upstream). Faults:
  --delay ACTION=SECONDS     hold requests of this operation (query-protocol Action=) before forwarding them,
                             forwarding them even when the client is gone (as AWS processes a request whose
                             caller died);
  --throttle FRACTION        answer this fraction of requests (chosen by a seeded random) with EC2's
                             RequestLimitExceeded (503) instead of forwarding them;
  --fail ACTION=FROM:TO      answer calls FROM to TO (counted from 1) of this operation so, unforwarded;
  --seed N                   the seed of that random.
Every request is logged to --log as a JSON line: the operation, whether it was forwarded, its status.
The proxy binds 127.0.0.1 on a free port and prints the port on stdout; it stops on SIGTERM or after --lifetime s.
"""
import argparse
import http.client
import http.server
import json
import random
import signal
import socketserver
import sys
import threading
import time
import urllib.parse

THROTTLED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
    b"<Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--delay", action="append", default=[])
    parser.add_argument("--throttle", type=float, default=0.0)
    parser.add_argument("--fail", action="append", default=[])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log", required=True)
    parser.add_argument("--lifetime", type=float, default=1800)
    args = parser.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream)
    delays = {}
    for rule in args.delay:
        action, seconds = rule.split("=")
        delays[action] = float(seconds)
    failures = {}
    for rule in args.fail:
        action, window = rule.split("=")
        first, last = window.split(":")
        failures[action] = (int(first), int(last))
    calls = {}
    chooser = random.Random(args.seed)
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
            action = (form.get("Action") or query.get("Action") or [""])[0]
            target = self.headers.get("X-Amz-Target") or ""
            operation = action or target.split(".")[-1] or f"{self.command} {urllib.parse.urlsplit(self.path).path}"
            with lock:
                calls[operation] = calls.get(operation, 0) + 1
                number = calls[operation]
                window = failures.get(operation)
                throttled = (window is not None and window[0] <= number <= window[1]) or (
                    args.throttle > 0 and chooser.random() < args.throttle
                )
            if throttled:
                log.write(json.dumps({"operation": operation, "forwarded": False, "status": 503}) + "\n")
                self.answer(503, [("Content-Type", "text/xml")], THROTTLED)
                return
            log.write(json.dumps({"operation": operation, "received": True}) + "\n")
            if operation in delays:
                time.sleep(delays[operation])
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            data = response.read()
            log.write(json.dumps({"operation": operation, "forwarded": True, "status": response.status}) + "\n")
            headers = [(n, v) for n, v in response.getheaders() if n.lower() not in ("transfer-encoding", "connection")]
            try:
                self.answer(response.status, headers, data)
            except OSError:
                pass  # the client is gone; the request took effect upstream all the same

        def answer(self, status, headers, data):
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    # A test runner may start us from a thread that blocks signals, and the mask is inherited: take SIGTERM back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    deadline = threading.Timer(args.lifetime, server.shutdown)
    deadline.daemon = True
    deadline.start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
