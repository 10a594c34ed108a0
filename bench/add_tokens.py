#!/usr/bin/python3
"""Create API tokens through picd's control socket, for bench/run.

POST /api/auth/tokens COUNT times on one keep-alive connection (stdlib only).
With --owner-prefix, token i belongs to user PREFIX<i> (as seeded by
bench/run), so no single user holds them all. Exits non-zero on the first
answer that is not 201. Prints one JSON line: {"tokens":N,"seconds":S}.
"""

import argparse
import http.client
import json
import socket
import sys
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--name-prefix", default="bench-")
    ap.add_argument("--owner-prefix", default=None)
    ap.add_argument("--scope", default="read")
    ap.add_argument("--progress", type=int, default=0, metavar="EVERY",
                    help="print a progress line to stderr every EVERY tokens")
    args = ap.parse_args()
    if not 0 < args.count <= 1_000_000:
        ap.error("--count must be 1..1000000")

    conn = UnixHTTPConnection(args.socket)
    headers = {"Content-Type": "application/json"}
    start = time.monotonic()
    for i in range(1, args.count + 1):
        req = {"name": "%s%05d" % (args.name_prefix, i), "scope": args.scope}
        if args.owner_prefix:
            req["username"] = "%s%05d" % (args.owner_prefix, i)
        conn.request("POST", "/api/auth/tokens", body=json.dumps(req), headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 201:
            print("add_tokens: token %d: HTTP %d: %s" % (i, resp.status, body[:300].decode(errors="replace")),
                  file=sys.stderr)
            return 1
        if args.progress and i % args.progress == 0 and i < args.count:
            print("  %d/%d tokens, %.1f s" % (i, args.count, time.monotonic() - start), file=sys.stderr)
    seconds = time.monotonic() - start
    conn.close()
    print(json.dumps({"tokens": args.count, "seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
