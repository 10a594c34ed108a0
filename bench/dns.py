#!/usr/bin/python3
"""The cell's DNS, for bench/run: Unbound's rate with PIC's config beside a
plain Unbound, the time from an API call to the answer, and memory with a
large zone.

Everything runs in a network namespace this script creates (and removes on
exit, with every process left in it): a fresh cell (`pic init`, picd, its
Caddy and Unbound), a plain Unbound, dnsperf, a stub upstream, and the
in-process DNS client. The namespace has only `lo`, and no route at all: no
query can leave it, not even one for an outside name. Only names of the
cell's zone are asked, except one name under example.net that the stub
upstream (the cell's only forwarder, inside the namespace) answers, for
the cache check.

1. qps: N names (A records `hNNNNNN.<zone>`) are seeded into the store
   before picd first starts; a plain Unbound (a minimal config of our own
   with the threads and cache sizes of PIC's rendered unbound.conf) serves
   the same names as local-data. dnsperf, one query file of the N names,
   runs against each in turn for a fixed time; rounds alternate and each
   side keeps its best. Beside the rate, each Unbound's CPU time per query
   (schedstat), which the machine's other load moves far less.

   Why both on 127.0.0.1 inside the namespace, with dnsperf in it too, and
   not across a veth: PIC's dev profile renders `interface: 127.0.0.1` and
   allows only 127.0.0.0/8 in access-control, and reaching that from
   another namespace would take either a changed config (not PIC's any
   more) or DNAT plus SNAT to a loopback address with route_localnet (a
   conntrack lookup and two rewrites on every packet, i.e. measuring
   netfilter). So both servers get the same path: loopback in one
   namespace, the same dnsperf settings, the same CPU.

2. API to answer: POST /api/dns/records over control.sock, then the name is
   polled every 0.5 ms with one UDP question from this process (no dig)
   until it answers; the poll starts as soon as the request is sent, so an
   answer before the HTTP reply counts as such. Beside it, the same change
   made straight over the plain Unbound's control socket (local_data): the
   floor for any control plane. Then BURST records in a row, from the first
   POST until the last one answers. No reload may happen: Unbound's pid and
   restart count stay, its query counter (zeroed by a reload) only grows,
   and a name it cached from the stub is still served from its cache.

3. Memory: picd is stopped, the store is filled to BIG records (seeded with
   sqlite3, a shortcut: through the API each create commits a revision and
   reconciles the whole zone), and picd started again; its VmRSS and its
   Unbound's after the start, then after a few PUTs at that size (timed
   like the POSTs), and picd's peak (VmHWM). unbound-checkconf on the zone
   file alone is timed at both sizes: picd runs it before every zone write,
   and it is most of the time from an API call to the answer.

Prints one JSON line on stdout; progress on stderr. Exit status 0 only
says the measuring worked.
"""

import argparse
import ctypes
import http.client
import json
import math
import os
import re
import select
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dns_wire import Resolver, StubUpstream, unbound_control, wait_answer  # noqa: E402

UNBOUND = "/usr/sbin/unbound"
CHECKCONF = "/usr/sbin/unbound-checkconf"
DNSPERF = "/usr/bin/dnsperf"
CLONE_NEWNET = 0x40000000
# Unbound never forwards to 127.0.0.0/8 (do-not-query-localhost), so the
# stub has an address of the benchmarking range (RFC 2544) on the
# namespace's lo: a /32 there is a local route only, still no way out.
STUB_HOST = "198.18.0.53"
STUB_DOMAIN = "example.net"
STUB_ADDRESS = "198.51.100.7"
CACHED_NAME = "cached.example.net"
POLL_S = 0.0005
ADMIN_PASSWORD = "bench-dns-admin-password"
# The records' own names: seeded ones, the single-record samples, the burst.
SEED_NAME, SAMPLE_NAME, BURST_NAME = "h%06d", "lat-%04d", "burst-%05d"
# dnsperf: one client socket, one thread, 100 queries in flight (on two
# cores it leaves the other core to Unbound's one thread).
DNSPERF_ARGS = ["-c", "1", "-T", "1", "-q", "100"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def seed_addr(i):
    return "10.%d.%d.%d" % (100 + (i >> 16), (i >> 8) & 255, i & 255)


def pct(values, p):
    """The p-th percentile (nearest rank)."""
    v = sorted(values)
    return v[min(len(v), max(1, math.ceil(p / 100 * len(v)))) - 1]


def ms(seconds):
    return round(seconds * 1000, 2)


def rss_kib(pid, field="VmRSS"):
    """VmRSS (or VmHWM, the peak) of PID in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def stop_proc(p, what, timeout=10):
    """SIGTERM, then SIGKILL after timeout. Returns the exit status."""
    if p is None or p.poll() is not None:
        return p.returncode if p else 0
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"dns: {what} (pid {p.pid}) ignored SIGTERM for {timeout} s, killing it")
        p.kill()
        return p.wait()


# ------------------------------------------------------------ the namespace

class Netns:
    """A network namespace of our own. enter() moves this process (single-
    threaded at that moment) into it, so that every socket and child from
    then on is inside; remove() moves back, ends whatever still runs in it
    (all of it ours) and deletes it."""

    def __init__(self, name, extra=()):
        self.name = name
        self.extra = extra  # addresses for lo besides 127.0.0.1
        self.path = f"/run/netns/{name}"
        self.home = None
        self.created = False
        self.libc = ctypes.CDLL(None, use_errno=True)

    def _setns(self, fd):
        if self.libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns: {os.strerror(e)}")

    def enter(self):
        if os.path.exists(self.path):
            raise RuntimeError(f"network namespace {self.name} exists already")
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.created = True
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        for addr in self.extra:
            subprocess.run(["ip", "-n", self.name, "addr", "add", addr + "/32", "dev", "lo"], check=True)
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._setns(fd)
        finally:
            os.close(fd)
        # The traffic rule, checked: no route in the main table (lo's
        # 127.0.0.0/8 is in the local table), so nothing can leave.
        with open("/proc/self/net/route") as f:
            routes = f.read().splitlines()[1:]
        if routes:
            raise RuntimeError(f"namespace {self.name} has routes: {routes}")

    def remove(self):
        if self.home is not None:
            try:
                self._setns(self.home)
            finally:
                os.close(self.home)
                self.home = None
        if not self.created:
            return
        left = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True).stdout.split()
        for pid in map(int, left):
            log(f"dns: pid {pid} still in {self.name}, stopping it")
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        end = time.monotonic() + 5
        while any(alive(int(p)) for p in left) and time.monotonic() < end:
            time.sleep(0.05)
        for pid in map(int, left):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["ip", "netns", "del", self.name], check=False)
        self.created = False


# ------------------------------------------------------------ the cell

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Cell:
    """A cell made with `pic init` and the picd serving it, in the
    namespace. Root talks to control.sock as the admin."""

    def __init__(self, args, root):
        self.args = args
        self.root = root
        self.dir = root / "cell"
        self.db = self.dir / "cell.db"
        self.control = str(self.dir / "run" / "control.sock")
        self.log_path = root / "picd.log"
        self.proc = None
        self.children = []
        self.conn = None
        self.last_use = 0.0

    def connection(self):
        """The keep-alive connection to control.sock; a new one after 5 s
        idle, well before picd's 30 s idle timeout can close it under a
        request."""
        now = time.monotonic()
        if self.conn is not None and now - self.last_use > 5:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = UnixHTTPConnection(self.control)
            self.conn.connect()  # not inside a timed request
        self.last_use = now
        return self.conn

    def init(self):
        pw = self.root / "admin-password"
        pw.write_text(ADMIN_PASSWORD + "\n")
        pw.chmod(0o600)
        subprocess.run([self.args.pic, "init", "--dir", str(self.dir), "--name", "bench",
                        "--admin-password-file", str(pw)], check=True, capture_output=True)

    def sql(self):
        return sqlite3.connect(str(self.db), isolation_level=None)

    def config(self, key):
        with self.sql() as c:
            return json.loads(c.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()[0])

    def set_config(self, key, value):
        """Written before picd starts, as tests/e2e's Cell.init does: values are JSON text."""
        c = self.sql()
        try:
            if c.execute("UPDATE config SET value = ? WHERE key = ?", (json.dumps(value), key)).rowcount != 1:
                raise RuntimeError(f"no config key {key} in the store")
        finally:
            c.close()

    def count_records(self):
        c = self.sql()
        try:
            return c.execute("SELECT count(*) FROM dns_records").fetchone()[0]
        finally:
            c.close()

    def seed(self, first, last):
        """A records SEED_NAME % i for i in first..last, straight into the
        store (picd stopped): no revision, as bench/run's seeded users."""
        c = self.sql()
        try:
            c.execute("BEGIN")
            c.executemany("INSERT INTO dns_records (name, type, value, ttl) VALUES (?, 'A', ?, 300)",
                          ((SEED_NAME % i, seed_addr(i)) for i in range(first, last + 1)))
            c.execute("COMMIT")
        finally:
            c.close()

    def request(self, method, path, body=None):
        conn = self.connection()
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        self.last_use = time.monotonic()
        return r.status, (json.loads(raw) if raw else None)

    def get(self, path):
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body}")
        return body

    def services(self):
        return {s["name"]: s for s in self.get("/api/services/status")["services"]}

    def start(self, timeout):
        """Launches picd; returns the seconds until /health lists every
        service ready."""
        log_f = open(self.log_path, "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([self.args.picd, "--dir", str(self.dir)], stdin=subprocess.DEVNULL,
                                     stdout=log_f, stderr=log_f, close_fds=True)
        log_f.close()
        last = None
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"picd exited with status {self.proc.returncode} while starting")
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"not every service ready after {timeout} s; last /health: {last}")
            try:
                c = UnixHTTPConnection(self.control, timeout=5)
                c.request("GET", "/health")
                r = c.getresponse()
                last = json.loads(r.read())
                c.close()
                svcs = last.get("services") or {}
                if svcs and all(v in ("ready", "disabled") for v in svcs.values()):
                    elapsed = time.monotonic() - t0
                    break
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.01)
        self.conn = None
        self.children = [s["pid"] for s in self.services().values() if s.get("pid")]
        return elapsed

    def stop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        p, self.proc = self.proc, None
        status = stop_proc(p, "picd", timeout=15)
        end = time.monotonic() + 10
        while any(alive(c) for c in self.children) and time.monotonic() < end:
            time.sleep(0.05)
        left = [c for c in self.children if alive(c)]
        for c in left:
            os.kill(c, signal.SIGKILL)
        self.children = []
        if status != 0:
            raise RuntimeError(f"picd exited with status {status} on SIGTERM")
        if left:
            raise RuntimeError(f"picd's children {left} outlived it by 10 s")

    def log_tail(self, n=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def conf_value(text, key):
    m = re.search(r"^\s*%s:\s*\"?([^\"\n]+?)\"?\s*$" % re.escape(key), text, re.M)
    return m.group(1) if m else None


# ------------------------------------------------------------ plain Unbound

class PlainUnbound:
    """Unbound with a minimal config of our own: the listener, the same
    threads and cache sizes as PIC's rendered config, the zone as one static
    local-zone with the same names as local-data, and remote control on a
    unix socket (idle during dnsperf; it serves the local_data floor)."""

    def __init__(self, root, zone, pic_conf, port, n):
        self.dir = root / "plain"
        self.dir.mkdir()
        self.conf = self.dir / "unbound.conf"
        self.control = str(self.dir / "control.sock")
        self.port = port
        self.proc = None
        same = []
        for key in ("num-threads", "so-reuseport", "msg-cache-size", "rrset-cache-size"):
            v = conf_value(pic_conf, key)
            if v is not None:
                same.append(f"  {key}: {v}\n")
        self.same = "".join(same).strip().replace("\n  ", ", ")
        with open(self.conf, "w") as f:
            f.write("server:\n"
                    "  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  pidfile: \"\"\n"
                    "  use-syslog: no\n  logfile: \"\"\n"
                    f"  directory: \"{self.dir}\"\n"
                    f"  interface: 127.0.0.1@{port}\n  port: {port}\n  do-ip6: no\n")
            f.write("".join(same))
            f.write(f"  local-zone: \"{zone}.\" static\n")
            for i in range(1, n + 1):
                f.write(f"  local-data: \"{SEED_NAME % i}.{zone}. 300 IN A {seed_addr(i)}\"\n")
            f.write("remote-control:\n  control-enable: yes\n"
                    f"  control-interface: \"{self.control}\"\n  control-use-cert: no\n")

    def start(self, probe_name, want):
        self.log = open(self.dir / "unbound.log", "wb")
        self.proc = subprocess.Popen([UNBOUND, "-d", "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, close_fds=True)
        r = Resolver("127.0.0.1", self.port)
        try:
            end = time.monotonic() + 30
            while time.monotonic() < end:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the plain unbound exited with status {self.proc.returncode}")
                if want in r.query(probe_name, 0.1)[1]:
                    return
                time.sleep(0.05)
        finally:
            r.close()
        raise RuntimeError("the plain unbound did not answer in 30 s")

    def stop(self):
        stop_proc(self.proc, "the plain unbound")
        self.proc = None


# ------------------------------------------------------------ measurements

def dnsperf(port, qfile, duration):
    out = subprocess.run([DNSPERF, "-s", "127.0.0.1", "-p", str(port), "-d", qfile, "-l", str(duration)]
                         + DNSPERF_ARGS, capture_output=True, text=True, timeout=duration + 60)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError(f"dnsperf against port {port} failed:\n{text}")

    def num(label):
        m = re.search(r"^\s*%s:\s*([0-9.]+)" % re.escape(label), text, re.M)
        if not m:
            raise RuntimeError(f"no '{label}' in dnsperf's output:\n{text}")
        return float(m.group(1))

    completed, lost = int(num("Queries completed")), int(num("Queries lost"))
    codes = re.search(r"Response codes:\s*(.*)", text)
    noerror = re.search(r"NOERROR (\d+)", codes.group(1) if codes else "")
    if not noerror or int(noerror.group(1)) != completed:
        raise RuntimeError(f"not every answer was NOERROR (are the names loaded?):\n{text}")
    return {"qps": round(num("Queries per second")), "completed": completed, "lost": lost,
            "avg_latency_ms": round(num("Average Latency (s)") * 1000, 3), "seconds": num("Run time (s)")}


def cpu_ns(pid):
    """The time PID's threads have run on a CPU, in ns (schedstat)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            total += int(f.read().split()[0])
    return total


def rate_comparison(args, sides, qfile):
    """SIDES: {name: (port, unbound's pid)}. Alternating rounds (the order
    swapped each round, so that a burst of other work on the machine hits
    both alike); each side keeps its best. Beside the rate, Unbound's own
    CPU time per answered query: other load on the machine lowers the rate
    of whichever side it hits far more than what each query costs."""
    if args.warmup:
        for port, _ in sides.values():
            dnsperf(port, qfile, args.warmup)
    best = dict.fromkeys(sides)
    cpu = {side: [] for side in sides}
    rounds = []
    for i in range(args.rounds):
        order = list(sides)
        if i % 2:
            order.reverse()
        got = {}
        for side in order:
            port, pid = sides[side]
            c0 = cpu_ns(pid)
            got[side] = r = dnsperf(port, qfile, args.duration)
            r["cpu_us_per_query"] = round((cpu_ns(pid) - c0) / 1000 / max(1, r["completed"]), 3)
            cpu[side].append(r["cpu_us_per_query"])
            log(f"  round {i + 1}/{args.rounds}: {side:5} {r['qps']:7d} qps, avg latency {r['avg_latency_ms']} ms, "
                f"lost {r['lost']}, unbound CPU {r['cpu_us_per_query']} us/query")
            if best[side] is None or r["qps"] > best[side]["qps"]:
                best[side] = r
        rounds.append({"pic_qps": got["pic"]["qps"], "plain_qps": got["plain"]["qps"],
                       "ratio": round(got["pic"]["qps"] / got["plain"]["qps"], 3)})
    # Medians of the CPU cost; the rate ratio from each side's best round.
    cpu_median = {side: statistics.median(v) for side, v in cpu.items()}
    return {"pic": best["pic"], "plain": best["plain"],
            "ratio": round(best["pic"]["qps"] / best["plain"]["qps"], 3),
            "median_round_ratio": round(statistics.median(r["ratio"] for r in rounds), 3),
            "cpu_us_per_query": {side: round(v, 3) for side, v in cpu_median.items()},
            "cpu_ratio": round(cpu_median["plain"] / cpu_median["pic"], 3) if cpu_median["pic"] else 0,
            "rounds": rounds}


def api_change(cell, resolver, method, path, body, fqdn, want, expect, timeout=10.0):
    """Sends one request on the cell's keep-alive connection and, while it
    is in flight and after, polls FQDN until it answers WANT. Returns
    (reply body, seconds to the HTTP reply, seconds to the answer)."""
    conn = cell.connection()
    t0 = time.monotonic()
    conn.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    sock = conn.sock
    t_reply = t_seen = None
    while t_reply is None or t_seen is None:
        now = time.monotonic()
        if now - t0 > timeout:
            raise RuntimeError(f"{method} {path}: {fqdn} not answering {want} after {timeout} s"
                               f" (HTTP reply {'in' if t_reply else 'not'} yet)")
        if t_reply is None and select.select([sock], [], [], 0)[0]:
            t_reply = now
        if t_seen is None:
            if want in resolver.query(fqdn, timeout=0.02)[1]:
                t_seen = time.monotonic()
            else:
                # Waits POLL_S, waking early for the HTTP reply.
                select.select([sock] if t_reply is None else [], [], [], POLL_S)
        elif t_reply is None:
            select.select([sock], [], [], timeout)
    r = conn.getresponse()
    raw = r.read()
    cell.last_use = time.monotonic()
    if r.status != expect:
        raise RuntimeError(f"{method} {path}: HTTP {r.status} (expected {expect}): {raw[:300]!r}")
    return json.loads(raw) if raw else None, t_reply - t0, t_seen - t0


def summary(seen, replies):
    return {"n": len(seen), "p50_ms": ms(pct(seen, 50)), "p99_ms": ms(pct(seen, 99)), "max_ms": ms(max(seen)),
            "reply_p50_ms": ms(pct(replies, 50)), "reply_p99_ms": ms(pct(replies, 99)),
            "answer_before_reply": sum(1 for s, r in zip(seen, replies) if s < r)}


def single_records(cell, resolver, zone, n):
    seen, replies, ids = [], [], []
    for i in range(1, n + 1):
        name, ip = SAMPLE_NAME % i, "10.200.%d.%d" % (i >> 8, i & 255)
        rec, t_reply, t_seen = api_change(cell, resolver, "POST", "/api/dns/records",
                                          {"name": name, "type": "A", "value": ip}, f"{name}.{zone}", ip, 201)
        ids.append(rec["id"])
        seen.append(t_seen)
        replies.append(t_reply)
    return summary(seen, replies), ids


def floor_single(plain, zone, n):
    """The same change made straight over Unbound's control socket, from
    this process: the floor for any control plane."""
    r = Resolver("127.0.0.1", plain.port)
    seen = []
    try:
        for i in range(1, n + 1):
            fqdn, ip = f"{SAMPLE_NAME % i}.{zone}", "10.200.%d.%d" % (i >> 8, i & 255)
            t0 = time.monotonic()
            answer = unbound_control(plain.control, f"local_data {fqdn}. 300 IN A {ip}")
            if not answer.startswith("ok"):
                raise RuntimeError(f"local_data on the plain unbound: {answer!r}")
            t = wait_answer(r, fqdn, ip, 5.0, POLL_S)
            if t is None:
                raise RuntimeError(f"{fqdn} not answering on the plain unbound 5 s after local_data")
            seen.append(t - t0)
    finally:
        r.close()
    return {"n": n, "p50_ms": ms(pct(seen, 50)), "p99_ms": ms(pct(seen, 99)), "max_ms": ms(max(seen))}


def burst(cell, resolver, zone, n):
    """N POSTs in a row on one connection, then the last one polled."""
    t0 = time.monotonic()
    for i in range(1, n + 1):
        status, body = cell.request("POST", "/api/dns/records",
                                    {"name": BURST_NAME % i, "type": "A", "value": "10.201.%d.%d" % (i >> 8, i & 255)})
        if status != 201:
            raise RuntimeError(f"burst POST {i}: HTTP {status}: {body}")
        if i % max(1, n // 5) == 0 and i < n:
            log(f"  {i}/{n} POSTs, {time.monotonic() - t0:.1f} s")
    t_replies = time.monotonic()
    last = f"{BURST_NAME % n}.{zone}"
    t_seen = wait_answer(resolver, last, "10.201.%d.%d" % (n >> 8, n & 255), 60.0, POLL_S)
    if t_seen is None:
        raise RuntimeError(f"{last} not answering 60 s after the burst")
    missing = [i for i in range(1, n + 1)
               if "10.201.%d.%d" % (i >> 8, i & 255) not in resolver.query(f"{BURST_NAME % i}.{zone}", 0.5)[1]]
    if missing:
        raise RuntimeError(f"{len(missing)} of the burst's {n} records do not answer, e.g. {BURST_NAME % missing[0]}")
    return {"n": n, "total_ms": ms(t_seen - t0), "posts_ms": ms(t_replies - t0),
            "last_reply_to_answer_ms": ms(t_seen - t_replies),
            "posts_per_s": round(n / (t_replies - t0), 1)}


def floor_burst(plain, zone, n):
    r = Resolver("127.0.0.1", plain.port)
    try:
        t0 = time.monotonic()
        for i in range(1, n + 1):
            answer = unbound_control(plain.control,
                                     f"local_data {BURST_NAME % i}.{zone}. 300 IN A 10.201.{i >> 8}.{i & 255}")
            if not answer.startswith("ok"):
                raise RuntimeError(f"local_data on the plain unbound: {answer!r}")
        t = wait_answer(r, f"{BURST_NAME % n}.{zone}", "10.201.%d.%d" % (n >> 8, n & 255), 10.0, POLL_S)
        if t is None:
            raise RuntimeError("the plain unbound's last burst record did not answer")
    finally:
        r.close()
    return {"n": n, "total_ms": ms(t - t0)}


class ReloadWatch:
    """What a reload (or restart) of the cell's Unbound would change: its
    pid, its restart count, its query counter (zeroed by a reload) and the
    cache (a reload empties it: the stub would be asked again)."""

    def __init__(self, cell, resolver, control):
        self.cell, self.resolver, self.control = cell, resolver, control

    def queries(self):
        m = re.search(r"^total\.num\.queries=(\d+)$", unbound_control(self.control, "stats_noreset"), re.M)
        if not m:
            raise RuntimeError("no total.num.queries in unbound-control stats_noreset")
        return int(m.group(1))

    def cached(self):
        """Asks CACHED_NAME; returns how often the stub has been asked it."""
        rcode, addrs = self.resolver.query(CACHED_NAME, timeout=2.0)
        if STUB_ADDRESS not in addrs:
            raise RuntimeError(f"{CACHED_NAME} through the cell's unbound: rcode {rcode}, {addrs}")
        return self.stub.count(CACHED_NAME)

    def before(self, stub):
        self.stub = stub
        u = self.cell.services()["unbound"]
        self.pid, self.restarts = u["pid"], u["restarts"]
        self.stub_asked = self.cached()
        self.queries_before = self.queries()

    def after(self):
        u = self.cell.services()["unbound"]
        queries_after = self.queries()
        stub_asked = self.cached()
        return {"pid_before": self.pid, "pid_after": u["pid"], "restarts_before": self.restarts,
                "restarts_after": u["restarts"], "queries_before": self.queries_before,
                "queries_after": queries_after, "stub_asked_before": self.stub_asked,
                "stub_asked_after": stub_asked,
                "no_reload": (u["pid"] == self.pid and u["restarts"] == self.restarts
                              and queries_after >= self.queries_before and stub_asked == self.stub_asked)}


def checkconf_ms(root, local_data, runs=3):
    """unbound-checkconf on the zone file inside a minimal config, the way
    picd's Unbound adapter checks the file before each write (the main
    cost of a change to a large zone): the median of RUNS, in ms."""
    wrapper = root / "checkconf.conf"
    wrapper.write_text(f'server:\n\tusername: ""\n\tchroot: ""\n\tinclude: "{local_data}"\n')
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run([CHECKCONF, str(wrapper)], check=True, capture_output=True, timeout=120)
        times.append(time.monotonic() - t0)
    return ms(statistics.median(times))


def big_zone(args, cell, zone):
    """picd stopped, the store filled to args.big records, picd started."""
    have = cell.count_records()
    add = args.big - have
    if add > 0:
        t0 = time.monotonic()
        cell.seed(args.records + 1, args.records + add)
        log(f"  seeded {add} records in {time.monotonic() - t0:.1f} s (store now {cell.count_records()})")
    start_s = cell.start(timeout=args.big_timeout)
    total = cell.get("/api/dns/records?limit=1")["total"]
    if total != args.big:
        raise RuntimeError(f"GET /api/dns/records counts {total} records, expected {args.big}")
    time.sleep(1)
    u = cell.services()["unbound"]
    out = {"records": total, "start_s": round(start_s, 3), "picd_rss_kib": rss_kib(cell.proc.pid),
           "unbound_rss_kib": rss_kib(u["pid"])}
    log(f"  picd with {total} records: every service ready {start_s:.2f} s after the launch; "
        f"VmRSS picd {out['picd_rss_kib'] / 1024:.1f} MiB, unbound {out['unbound_rss_kib'] / 1024:.1f} MiB")
    return out


def update_samples(cell, resolver, zone, ids, n):
    """PUT n records to a new address, each timed until it answers."""
    seen, replies = [], []
    for k, rid in enumerate(ids[:n], 1):
        name, ip = SAMPLE_NAME % k, "10.202.%d.%d" % (k >> 8, k & 255)
        _, t_reply, t_seen = api_change(cell, resolver, "PUT", f"/api/dns/records/{rid}",
                                        {"name": name, "type": "A", "value": ip}, f"{name}.{zone}", ip, 200,
                                        timeout=60.0)
        seen.append(t_seen)
        replies.append(t_reply)
    return summary(seen, replies)


# ------------------------------------------------------------ main

def run(args, ns, state):
    root = Path(args.work)
    root.mkdir(parents=True, exist_ok=True)
    ns.enter()
    log(f"dns: in network namespace {ns.name} (lo only, no route out); work dir {root}")

    cell = state["cell"] = Cell(args, root)
    cell.init()
    stub = state["stub"] = StubUpstream(STUB_HOST, STUB_DOMAIN, STUB_ADDRESS)
    stub.start()
    # The cell's only forwarder is the stub, inside the namespace.
    cell.set_config("dns.forwarders", [f"{STUB_HOST}@{stub.port}"])
    cell.set_config("ntp.servers", [])  # no public pool, even from a namespace without a route
    cell.set_config("ntp.local_stratum", 8)
    cell.set_config("wireguard.interface", "")  # the VPN is another bench's
    zone = f"{cell.config('cell_name')}.{cell.config('domain')}"
    cell_port = cell.config("ports.dns")
    cell.seed(1, args.records)
    log(f"dns: {args.records} records seeded into the store (zone {zone}); starting picd")
    start_s = cell.start(timeout=args.big_timeout)
    pic_conf_path = cell.dir / "config" / "unbound" / "unbound.conf"
    pic_conf = pic_conf_path.read_text()
    if f"127.0.0.1@{cell_port}" not in pic_conf:
        raise RuntimeError(f"PIC's unbound.conf does not listen on 127.0.0.1@{cell_port}")
    control = conf_value(pic_conf, "control-interface")
    time.sleep(1)
    u = cell.services()["unbound"]
    rss = {"picd_kib": rss_kib(cell.proc.pid), "unbound_kib": rss_kib(u["pid"])}

    # A free port for the plain unbound (the namespace is ours alone).
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    plain_port = s.getsockname()[1]
    s.close()
    plain = state["plain"] = PlainUnbound(root, zone, pic_conf, plain_port, args.records)
    plain.start(f"{SEED_NAME % args.records}.{zone}", seed_addr(args.records))
    rss["plain_unbound_kib"] = rss_kib(plain.proc.pid)
    log(f"dns: picd ready in {start_s:.2f} s; its unbound on 127.0.0.1:{cell_port}, "
        f"the plain unbound ({plain.same}) on 127.0.0.1:{plain_port}")

    resolver = Resolver("127.0.0.1", cell_port)
    for i in (1, args.records // 2, args.records):
        fqdn = f"{SEED_NAME % i}.{zone}"
        if seed_addr(i) not in resolver.query(fqdn, 1.0)[1]:
            raise RuntimeError(f"the cell's unbound does not answer {fqdn}")

    qfile = root / "queries.txt"
    qfile.write_text("".join(f"{SEED_NAME % i}.{zone} A\n" for i in range(1, args.records + 1)))
    log(f"dns: dnsperf {' '.join(DNSPERF_ARGS)}, {args.records} names, "
        f"{args.rounds} round(s) of {args.duration} s each side")
    rate = rate_comparison(args, {"plain": (plain_port, plain.proc.pid), "pic": (cell_port, u["pid"])}, str(qfile))

    log(f"dns: API to answer, {args.samples} single records (POST, then polled every {POLL_S * 1000} ms)")
    watch = ReloadWatch(cell, resolver, control)
    watch.before(stub)
    single, ids = single_records(cell, resolver, zone, args.samples)
    log(f"  p50 {single['p50_ms']} ms, p99 {single['p99_ms']} ms (HTTP reply p50 {single['reply_p50_ms']} ms)")
    local_data = cell.dir / "config" / "unbound" / "local-data.conf"
    single["checkconf_ms"] = checkconf_ms(root, local_data)
    log(f"  unbound-checkconf of the zone file alone: {single['checkconf_ms']} ms")
    floor1 = floor_single(plain, zone, args.samples)
    log(f"  floor, local_data straight to the plain unbound: p50 {floor1['p50_ms']} ms, p99 {floor1['p99_ms']} ms")

    log(f"dns: {args.burst} records in a row")
    many = burst(cell, resolver, zone, args.burst)
    log(f"  {many['total_ms']} ms from the first POST until the last answered ({many['posts_per_s']} POST/s)")
    floor_many = floor_burst(plain, zone, args.burst)
    log(f"  floor, {args.burst} local_data commands straight to the plain unbound: {floor_many['total_ms']} ms")
    reload = watch.after()
    log(f"  no reload: {reload['no_reload']} ({reload})")
    time.sleep(1)  # the last reconcile ends (apply log, heap trim) after the answer
    rss["picd_after_changes_kib"] = rss_kib(cell.proc.pid)
    rss["picd_peak_kib"] = rss_kib(cell.proc.pid, "VmHWM")
    rss["unbound_after_changes_kib"] = rss_kib(u["pid"])

    plain.stop()
    state["plain"] = None
    resolver.close()
    log(f"dns: picd stopped; the store filled to {args.big} records (seeded with sqlite3, a shortcut)")
    cell.stop()
    big = big_zone(args, cell, zone)
    resolver = Resolver("127.0.0.1", cell_port)
    big["checkconf_ms"] = checkconf_ms(root, local_data)
    log(f"  unbound-checkconf of the zone file alone: {big['checkconf_ms']} ms")
    big["update"] = update_samples(cell, resolver, zone, ids, args.big_updates)
    resolver.close()
    log(f"  {args.big_updates} PUTs at {args.big} records: p50 {big['update']['p50_ms']} ms, "
        f"max {big['update']['max_ms']} ms (HTTP reply p50 {big['update']['reply_p50_ms']} ms)")
    time.sleep(1)
    big["picd_rss_after_updates_kib"] = rss_kib(cell.proc.pid)
    big["picd_peak_kib"] = rss_kib(cell.proc.pid, "VmHWM")
    big["unbound_rss_after_updates_kib"] = rss_kib(cell.services()["unbound"]["pid"])
    cell.stop()

    return {"records": args.records, "zone": zone, "netns": ns.name, "quick": args.quick,
            "dnsperf_args": DNSPERF_ARGS, "duration_s": args.duration, "rounds": args.rounds,
            "plain_config_same": plain.same, "start_s": round(start_s, 3), "rate": rate,
            "single": single, "single_floor": floor1, "burst": many, "burst_floor": floor_many,
            "reload": reload, "rss": rss, "big": big,
            "goals": {"ratio_min": 0.9, "api_to_answer_ms_max": 50}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picd", required=True)
    ap.add_argument("--pic", required=True)
    ap.add_argument("--work", required=True, help="a directory for the cell and the plain unbound")
    ap.add_argument("--netns", required=True, help="the network namespace to create (must not exist)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--records", type=int, help="the zone's size for the rate and latency parts")
    ap.add_argument("--big", type=int, help="the zone's size for the RSS part")
    args = ap.parse_args()
    records, big = args.records, args.big
    if args.quick:
        args.records, args.duration, args.rounds, args.warmup = 1000, 1, 1, 0
        args.samples, args.burst, args.big, args.big_updates = 10, 100, 10000, 3
    else:
        args.records, args.duration, args.rounds, args.warmup = 10000, 3, 5, 1
        args.samples, args.burst, args.big, args.big_updates = 50, 1000, 100000, 10
    args.records, args.big = records or args.records, big or args.big
    args.big_timeout = 300.0
    if os.geteuid() != 0:
        log("dns: needs root (it creates a network namespace)")
        return 1
    for tool in (UNBOUND, CHECKCONF, DNSPERF, args.picd, args.pic):
        if not os.access(tool, os.X_OK):
            log(f"dns: missing {tool}")
            return 1

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    ns = Netns(args.netns, extra=(STUB_HOST,))
    state = {"cell": None, "plain": None, "stub": None}
    code = 1
    try:
        out = run(args, ns, state)
        print(json.dumps(out, sort_keys=True), flush=True)
        code = 0
    except (RuntimeError, OSError, subprocess.SubprocessError, sqlite3.Error, http.client.HTTPException) as e:
        log(f"dns: {e}")
        if state["cell"] is not None:
            log("--- last lines of picd's log:\n" + state["cell"].log_tail())
    finally:
        for what, stop in (("plain", lambda p: p.stop()), ("cell", lambda c: c.stop()), ("stub", lambda s: s.stop())):
            obj = state.get(what)
            if obj is not None and (what != "cell" or obj.proc is not None):
                try:
                    stop(obj)
                except (RuntimeError, OSError) as e:
                    log(f"dns: stopping the {what}: {e}")
                    code = 1
        ns.remove()
    return code


if __name__ == "__main__":
    sys.exit(main())
