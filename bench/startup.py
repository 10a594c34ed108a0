#!/usr/bin/python3
"""Time picd's start, for bench/run: launch to every service ready.

Starts `picd --dir CELL` RUNS times. Each time, from the launch (monotonic
clock) it polls GET /health on CELL/run/control.sock every INTERVAL seconds
until the answer lists at least one service and every one is "ready" (or
"disabled", as DHCP is by default). Then
it sends picd SIGTERM, waits for picd to exit (status 0) and for each of
the children picd reported in GET /api/services/status to be gone, before
the next start. stdlib only. Prints one JSON line:
{"runs": [s, ...], "median_s": s, "max_s": s, "services": [...]}.
On SIGTERM/SIGINT it stops the picd it started (and that picd's children).
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


def get_json(sock_path, path, timeout=1.0):
    c = UnixHTTPConnection(sock_path, timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise ValueError(f"GET {path}: status {r.status}")
        return json.loads(body)
    finally:
        c.close()


def alive(pid):
    """True while PID exists and is not a zombie (an orphan whose reaper is
    slow still counts as gone: it holds no sockets and no memory)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_gone(pids, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.01)
    return not any(alive(p) for p in pids)


class Bench:
    def __init__(self, args):
        self.args = args
        self.proc = None
        self.children = []

    def stop(self, check=True):
        """SIGTERM picd, wait for it and its children. Returns an error
        string or None."""
        p, self.proc = self.proc, None
        err = None
        if p is not None:
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=15)
                if rc != 0:
                    err = f"picd exited with status {rc} on SIGTERM"
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                err = "picd ignored SIGTERM for 15 s"
        if self.children and not wait_gone(self.children, 10):
            left = [c for c in self.children if alive(c)]
            for c in left:
                try:
                    os.kill(c, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            err = err or f"picd's children {left} outlived it by 10 s"
        self.children = []
        return err if check else None

    def one_start(self):
        a = self.args
        control = os.path.join(a.dir, "run", "control.sock")
        log = open(a.log, "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([a.picd, "--dir", a.dir], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        last = None
        while True:
            now = time.monotonic()
            if now - t0 > a.timeout:
                raise RuntimeError(f"not every service ready after {a.timeout} s; last /health: {last}")
            if self.proc.poll() is not None:
                raise RuntimeError(f"picd exited with status {self.proc.returncode} while starting")
            try:
                h = get_json(control, "/health")
                last = h
                svcs = h.get("services") or {}
                if svcs and all(v in ("ready", "disabled") for v in svcs.values()):
                    elapsed = time.monotonic() - t0
                    break
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(a.interval)
        # Not timed: which children to wait for after SIGTERM.
        status = get_json(control, "/api/services/status", timeout=5)
        self.children = [s["pid"] for s in status.get("services", []) if s.get("pid")]
        return elapsed, sorted(svcs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picd", required=True)
    ap.add_argument("--dir", required=True, help="the cell directory")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--interval", type=float, default=0.005, help="seconds between polls")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds allowed per start")
    ap.add_argument("--log", default="/dev/null", help="picd's output is appended here")
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    b = Bench(args)
    runs, services = [], []
    try:
        for i in range(args.runs):
            elapsed, services = b.one_start()
            runs.append(round(elapsed, 4))
            print(f"  start {i + 1}/{args.runs}: every service ready after {elapsed * 1000:.0f} ms "
                  f"({', '.join(services)})", file=sys.stderr, flush=True)
            err = b.stop()
            if err:
                raise RuntimeError(err)
    except RuntimeError as e:
        print(f"startup: {e}", file=sys.stderr)
        b.stop(check=False)
        return 1
    finally:
        b.stop(check=False)
    print(json.dumps({"runs": runs, "median_s": round(statistics.median(runs), 4),
                      "max_s": max(runs), "services": services}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
