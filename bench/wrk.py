#!/usr/bin/python3
"""Drive wrk against one URL, for bench/run: a warm-up, then a measured run.

Runs `wrk -tT -cC -dWs` (discarded; skipped with --warmup 0), then
`wrk -tT -cC -dDs --latency`, both with the same headers, and prints one
JSON line: {"rps", "p50_ms", "p99_ms", "max_ms", "requests", "seconds",
"non2xx", "socket_errors", "threads", "connections"}. Exits 1 (after
printing) if wrk failed, sent nothing, or got any answer other than 2xx/3xx
or any socket error: such a rate would not measure what it claims to.
wrk takes whole seconds only.
"""

import argparse
import json
import re
import subprocess
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unexpected time '{text}'")
    return round(float(m.group(1)) * UNITS[m.group(2)], 3)


def parse(out):
    r = {"non2xx": 0, "socket_errors": 0}
    for line in out.splitlines():
        line = line.strip()
        if m := re.match(r"Requests/sec:\s+([0-9.]+)", line):
            r["rps"] = float(m.group(1))
        elif m := re.match(r"(50|99)%\s+(\S+)", line):
            r[f"p{m.group(1)}_ms"] = ms(m.group(2))
        elif m := re.match(r"Latency\s+\S+\s+\S+\s+(\S+)", line):
            r["max_ms"] = ms(m.group(1))
        elif m := re.match(r"(\d+) requests in ([0-9.]+)(us|ms|s|m|h)", line):
            r["requests"] = int(m.group(1))
            r["seconds"] = round(ms(m.group(2) + m.group(3)) / 1000, 3)
        elif m := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            r["non2xx"] = int(m.group(1))
        elif m := re.match(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", line):
            r["socket_errors"] = sum(int(g) for g in m.groups())
    missing = [k for k in ("rps", "p50_ms", "p99_ms", "requests") if k not in r]
    if missing:
        raise ValueError(f"wrk printed no {', '.join(missing)}")
    return r


def run(args, seconds, latency):
    cmd = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "5s"]
    if latency:
        cmd.append("--latency")
    for h in args.header:
        cmd += ["-H", h]
    cmd.append(args.url)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise RuntimeError(f"wrk exited with status {p.returncode}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=1, help="whole seconds, 0 for none")
    ap.add_argument("--duration", type=int, default=5, help="whole seconds")
    ap.add_argument("--wrk", default="wrk")
    args = ap.parse_args()
    if not args.url.startswith("http://127.0.0.1:"):
        ap.error("only http://127.0.0.1:PORT/... is driven")
    if args.duration < 1 or args.warmup < 0:
        ap.error("--duration must be >= 1 and --warmup >= 0")
    try:
        if args.warmup:
            run(args, args.warmup, False)
        out = run(args, args.duration, True)
        r = parse(out)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
        print(f"wrk.py: {e}", file=sys.stderr)
        return 1
    r.update(threads=args.threads, connections=args.connections)
    print(json.dumps(r, sort_keys=True))
    if r["requests"] == 0 or r["non2xx"] or r["socket_errors"]:
        sys.stderr.write(out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
