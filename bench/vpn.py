#!/usr/bin/python3
"""The cell's VPN at 1,000 and 10,000 peers, for bench/run: the time from
POST /api/peers until the new peer can complete a handshake, beside the
same change made the seed's way (rewrite the config, restart the
interface) in the same run; one element change in nftables beside a load
of the whole table; picd's RSS.

Everything runs in a network namespace this script creates (and removes on
exit, with every process left in it), with only `lo` and no route out: a
fresh cell (`pic init`, picd with wireguard-go), and a WireGuard client of
our own (a second wireguard-go) that talks to the cell over the
namespace's 127.0.0.1. The peers already there are seeded straight into
the store with sqlite3 before picd starts (a shortcut: through the API
each would be a revision); each has every service, so the access set holds
peers x 6 elements.

1. Adds, at each size: ADDS peers, one at a time. Each is timed from the
   moment POST /api/peers is sent: until its 201 (the control plane: the
   answer comes after the peer's WireGuard entry, access elements and DNS
   name are live), and until the client, configured from the peer's
   downloaded config (GET /api/peers/NAME/config) through wireguard-go's
   UAPI socket, has completed a handshake with the cell. The client starts
   its handshake at once (a persistent keepalive set on a fresh session).

2. The seed's way, at each size, SEED_ROUNDS times: a second wireguard-go
   interface in the namespace holds the same peers; one more is added by
   rewriting its whole config file and restarting it (process killed and
   started, `wg setconf`, address, up), then the client handshakes with it.
   Timed from the rewrite until the handshake.

3. nftables at the largest size: `nft -f` of one `add element` line (and
   the matching delete) into the cell's table, as picd does for a peer,
   beside `nft -f` of picd's whole rendered table (what a rebuild costs).

4. picd's VmRSS after the adds, once the files have caught up, and its
   peak (VmHWM).

Prints one JSON line on stdout; progress on stderr. Exit status 0 only
says the measuring worked.
"""

import argparse
import base64
import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dns import Cell, Netns, alive, log, ms, pct, rss_kib  # noqa: E402

WIREGUARD_GO = "/usr/bin/wireguard-go"
WG = "/usr/bin/wg"
NFT = "/usr/sbin/nft"
UAPI_DIR = "/var/run/wireguard"
SERVICES = ["webui", "dns", "ntp", "mail", "calendar", "files"]
VPN = "10.64.0.1/16"
POLL_S = 0.0005


def b64_to_hex(k):
    return base64.b64decode(k).hex()


def random_public_key():
    """Any 32 bytes are a usable Curve25519 public key for WireGuard."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def host_ip(n):
    """The n-th host of VPN (n from 0): 10.64.0.1 is the cell's own."""
    a = (10 << 24) | (64 << 16) | (n + 1)
    return ".".join(str((a >> s) & 255) for s in (24, 16, 8, 0))


class Uapi:
    """A wireguard-go interface's UAPI socket (the cross-platform
    configuration protocol, text lines ending with an empty one)."""

    def __init__(self, iface):
        self.path = f"{UAPI_DIR}/{iface}.sock"

    def call(self, text):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.path)
        try:
            s.sendall(text.encode())
            data = b""
            while not data.endswith(b"\n\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        lines = data.decode().splitlines()
        if "errno=0" not in lines:
            raise RuntimeError(f"uapi {self.path}: {lines[-1:] or 'no answer'}")
        return lines

    def set(self, lines):
        self.call("set=1\n" + "".join(line + "\n" for line in lines) + "\n")

    def handshake(self):
        for line in self.call("get=1\n\n"):
            if line.startswith("last_handshake_time_sec="):
                return int(line.split("=", 1)[1])
        return 0


class WireguardGo:
    """One wireguard-go process (foreground), its interface, its UAPI."""

    def __init__(self, iface, log_path):
        self.iface = iface
        self.log_path = log_path
        self.proc = None
        self.uapi = Uapi(iface)

    def start(self, timeout=10):
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        with open(self.log_path, "ab") as f:
            self.proc = subprocess.Popen([WIREGUARD_GO, "-f", self.iface], stdin=subprocess.DEVNULL, stdout=f,
                                         stderr=f, env=env)
        end = time.monotonic() + timeout
        while not os.path.exists(self.uapi.path):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"wireguard-go {self.iface} did not come up")
            time.sleep(0.001)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        # wireguard-go removes its socket on exit; a killed one leaves it.
        try:
            os.unlink(self.uapi.path)
        except FileNotFoundError:
            pass


def run_checked(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {p.stderr.strip() or p.returncode}")
    return p.stdout


def wait_handshake(uapi, t0, timeout=10.0):
    end = t0 + timeout
    while True:
        if uapi.handshake():
            return time.monotonic()
        if time.monotonic() > end:
            raise RuntimeError("no handshake within %.0f s" % timeout)
        time.sleep(POLL_S)


def client_to(client, private_hex, cell_pub_hex, psk_hex, port):
    """A fresh session: the client's key replaced, the one peer (the cell)
    set anew; the keepalive goes on last, and starts the handshake."""
    lines = [f"private_key={private_hex}", "replace_peers=true", f"public_key={cell_pub_hex}",
             f"endpoint=127.0.0.1:{port}", "replace_allowed_ips=true", f"allowed_ip={VPN.split('/')[0]}/32"]
    if psk_hex:
        lines.append(f"preshared_key={psk_hex}")
    client.uapi.set(lines)
    client.uapi.set([f"public_key={cell_pub_hex}", "persistent_keepalive_interval=1"])


def seed_peers(db, first, last):
    """Peers first..last (host numbers from 1: the cell is host 0), each
    with every service, straight into the store with picd stopped."""
    now = int(time.time())
    services = json.dumps(SERVICES)
    c = sqlite3.connect(str(db), isolation_level=None)
    try:
        c.execute("BEGIN")
        c.executemany("INSERT INTO peers (name, ip, public_key, cell_key, services, full_tunnel, keepalive, enabled,"
                      " expires, created) VALUES (?, ?, ?, 0, ?, 0, 25, 1, NULL, ?)",
                      ((f"s{i:05d}", host_ip(i), random_public_key(), services, now) for i in range(first, last + 1)))
        c.execute("COMMIT")
    finally:
        c.close()


def parse_conf(text):
    keys = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k.strip(), v.strip())
    return keys


def picd_adds(cell, client, cell_pub_hex, port, n, tag):
    """n peers added through the API, each timed to its 201 and to the
    client's handshake."""
    api_s, ready_s = [], []
    for i in range(n):
        name = f"{tag}{i:03d}"
        # The client's old session goes first (not timed): a new key
        # pair, no peer, so nothing of the last round can answer for it.
        client.uapi.set([f"private_key={secrets.token_bytes(32).hex()}", "replace_peers=true"])
        t0 = time.monotonic()
        status, body = cell.request("POST", "/api/peers", {"name": name})
        t_api = time.monotonic()
        if status != 201:
            raise RuntimeError(f"POST /api/peers {name}: HTTP {status}: {body}")
        status, conf = cell.request("GET", f"/api/peers/{name}/config?format=json")
        if status != 200:
            raise RuntimeError(f"GET config of {name}: HTTP {status}: {conf}")
        keys = parse_conf(conf["config"])
        client_to(client, b64_to_hex(keys["PrivateKey"]), cell_pub_hex,
                  b64_to_hex(keys["PresharedKey"]) if "PresharedKey" in keys else None, port)
        t_ready = wait_handshake(client.uapi, t0)
        api_s.append(t_api - t0)
        ready_s.append(t_ready - t0)
    return {"n": n, "api_p50_ms": ms(pct(api_s, 50)), "api_p99_ms": ms(pct(api_s, 99)),
            "api_max_ms": ms(max(api_s)), "ready_p50_ms": ms(pct(ready_s, 50)),
            "ready_p99_ms": ms(pct(ready_s, 99)), "ready_max_ms": ms(max(ready_s))}


def seed_way(root, cell, client, rounds, tag):
    """The seed's way on a second interface: the whole config rewritten
    with one peer more, the interface restarted, then the handshake."""
    iface = "pbseed0"
    conf_path = root / f"{iface}.conf"
    base = (cell.dir / "config" / "wireguard" / "wg.conf").read_text()
    port = free_udp_port()
    seed_priv = run_checked([WG, "genkey"]).strip()
    p = subprocess.run([WG, "pubkey"], input=seed_priv, capture_output=True, text=True, check=True)
    seed_pub = p.stdout.strip()
    base = own_interface(base, seed_priv, port)
    wgo = WireguardGo(iface, root / f"{iface}.log")
    times = []
    try:
        for i in range(rounds):
            client_priv = run_checked([WG, "genkey"]).strip()
            p = subprocess.run([WG, "pubkey"], input=client_priv, capture_output=True, text=True, check=True)
            client.uapi.set([f"private_key={secrets.token_bytes(32).hex()}", "replace_peers=true"])
            t0 = time.monotonic()
            text = base + f"\n[Peer]\nPublicKey = {p.stdout.strip()}\nAllowedIPs = 10.65.{i // 256}.{i % 256}/32\n"
            conf_path.write_text(text)
            os.chmod(conf_path, 0o600)
            wgo.stop()
            wgo.start()
            run_checked([WG, "setconf", iface, str(conf_path)])
            run_checked(["ip", "address", "replace", "10.66.0.1/16", "dev", iface])
            run_checked(["ip", "link", "set", iface, "up"])
            client_to(client, b64_to_hex(client_priv), b64_to_hex(seed_pub), None, port)
            times.append(wait_handshake(client.uapi, t0) - t0)
            log(f"  {tag} seed way {i + 1}/{rounds}: {ms(times[-1])} ms")
    finally:
        wgo.stop()
        conf_path.unlink(missing_ok=True)
    return {"n": rounds, "p50_ms": ms(pct(times, 50)), "max_ms": ms(max(times))}


def own_interface(text, key, port):
    """picd's wg.conf with another key and port: the same peers."""
    out = []
    for line in text.splitlines():
        if line.startswith("PrivateKey"):
            line = f"PrivateKey = {key}"
        elif line.startswith("ListenPort"):
            line = f"ListenPort = {port}"
        out.append(line)
    return "\n".join(out) + "\n"


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def nft_times(args, root, cell, samples):
    """One element into the cell's access set as picd sends it (one
    netlink batch: bench/nft_element), the same with an `nft -f` run of
    one line, and the whole rendered table loaded (a rebuild)."""
    peer, service = "10.64.255.254", "10.64.255.253"
    out = json.loads(run_checked([args.nft_element, peer, service, str(samples * 10)]))
    one = root / "one.nft"
    runs, loads = [], []
    for _ in range(samples):
        one.write_text(f"add element inet pic peer_service {{ {peer} . {service} }}\n")
        t0 = time.monotonic()
        run_checked([NFT, "-f", str(one)])
        runs.append(time.monotonic() - t0)
        one.write_text(f"delete element inet pic peer_service {{ {peer} . {service} }}\n")
        run_checked([NFT, "-f", str(one)])
    table = cell.dir / "config" / "wireguard" / "nftables.nft"
    for _ in range(max(3, samples // 5)):
        t0 = time.monotonic()
        run_checked([NFT, "-f", str(table)])
        loads.append(time.monotonic() - t0)
    elements = run_checked([NFT, "list", "set", "inet", "pic", "peer_service"]).count(" . ")
    return {"netlink_n": out["n"], "netlink_p50_us": out["p50_us"], "netlink_p99_us": out["p99_us"],
            "nft_run_p50_ms": ms(pct(runs, 50)), "table_p50_ms": ms(pct(loads, 50)), "table_elements": elements,
            "ratio_table_to_netlink": round(pct(loads, 50) * 1e6 / out["p50_us"])}


def files_caught_up(cell, since, timeout=60):
    """Waits for the log line picd writes once the files follow the live
    changes (after byte `since` of its log); returns that line."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = cell.log_path.read_bytes()[since:].decode(errors="replace")
        marks = [line for line in text.splitlines() if "Files caught up" in line]
        if marks:
            return marks[-1]
        time.sleep(0.2)
    return None


def one_size(args, root, cell, client, peers, tag):
    """picd started on `peers` seeded peers: the adds, the seed's way, RSS."""
    log(f"vpn: {peers} peers in the store; starting picd")
    start_s = cell.start(timeout=300)
    status = cell.get("/api/wireguard/status")
    if status["interface"] != args.iface or not status["running"]:
        raise RuntimeError(f"the VPN is not running: {status.get('interface')} {status.get('running')}")
    port, cell_pub_hex = status["listen_port"], b64_to_hex(status["public_key"])
    log(f"vpn: picd ready in {start_s:.2f} s, wireguard-go on 127.0.0.1:{port}; {args.adds} adds")
    time.sleep(1)
    rss_start, peak_start = rss_kib(cell.proc.pid), rss_kib(cell.proc.pid, "VmHWM")
    log_mark = cell.log_path.stat().st_size
    adds = picd_adds(cell, client, cell_pub_hex, port, args.adds, tag)
    log(f"  POST to 201: p50 {adds['api_p50_ms']} ms, p99 {adds['api_p99_ms']} ms; "
        f"POST to handshake: p50 {adds['ready_p50_ms']} ms, p99 {adds['ready_p99_ms']} ms")
    caught_up = files_caught_up(cell, log_mark)
    # picd's own time for each POST, from its access log: the control
    # plane alone, without this script's HTTP client.
    served = [float(m.group(1)) for m in re.finditer(r"POST /api/peers 201 ([0-9.]+)ms",
                                                      cell.log_path.read_bytes()[log_mark:].decode(errors="replace"))]
    if len(served) == args.adds:
        adds["served_p50_ms"], adds["served_p99_ms"] = round(pct(served, 50), 2), round(pct(served, 99), 2)
        log(f"  picd's own time per POST: p50 {adds['served_p50_ms']} ms, p99 {adds['served_p99_ms']} ms")
    time.sleep(1)
    out = {"peers": peers, "start_s": round(start_s, 2), "adds": adds, "files_caught_up": caught_up,
           "picd_rss_start_kib": rss_start, "picd_peak_start_kib": peak_start, "picd_rss_kib": rss_kib(cell.proc.pid),
           "picd_peak_kib": rss_kib(cell.proc.pid, "VmHWM"),
           "wireguard_go_rss_kib": rss_kib(cell.services()["wireguard"]["pid"]),
           "unbound_rss_kib": rss_kib(cell.services()["unbound"]["pid"])}
    out["seed_way"] = seed_way(root, cell, client, args.seed_rounds, tag)
    out["ratio_ready_p50"] = round(out["seed_way"]["p50_ms"] / adds["ready_p50_ms"], 1)
    return out


def run(args, ns, state):
    root = Path(args.work)
    root.mkdir(parents=True, exist_ok=True)
    ns.enter()
    log(f"vpn: in network namespace {ns.name} (lo only, no route out); work dir {root}")
    cell = state["cell"] = Cell(args, root)
    cell.init()
    cell.set_config("ntp.servers", [])
    cell.set_config("ntp.local_stratum", 8)
    cell.set_config("vpn_address", VPN)
    cell.set_config("wireguard.interface", args.iface)
    cell.set_config("public_endpoint", "127.0.0.1")
    client = state["client"] = WireguardGo("pbcli0", root / "client.log")
    client.start()
    run_checked(["ip", "link", "set", "pbcli0", "up"])

    sizes = [int(s) for s in args.sizes.split(",")]
    results, have = [], 0
    for k, peers in enumerate(sizes):
        seed_peers(cell.db, have + 1, peers)
        have = peers
        res = one_size(args, root, cell, client, peers, f"b{k}x")
        if k == len(sizes) - 1:
            res["nft"] = nft = nft_times(args, root, cell, args.nft_samples)
            log(f"  nft: one element by netlink p50 {nft['netlink_p50_us']} us (p99 {nft['netlink_p99_us']} us), "
                f"by an nft run {nft['nft_run_p50_ms']} ms; the whole table ({nft['table_elements']} elements) "
                f"{nft['table_p50_ms']} ms")
        cell.stop()
        have += args.adds
        results.append(res)
    return {"netns": ns.name, "sizes": results, "adds": args.adds, "seed_rounds": args.seed_rounds}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picd", required=True)
    ap.add_argument("--pic", required=True)
    ap.add_argument("--nft-element", required=True, help="bench/nft_element of the same build")
    ap.add_argument("--work", required=True)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", help="peer counts, comma-separated")
    args = ap.parse_args()
    args.iface = "pbwg0"
    if args.quick:
        args.sizes, args.adds, args.seed_rounds, args.nft_samples = args.sizes or "100,1000", 20, 3, 10
    else:
        args.sizes, args.adds, args.seed_rounds, args.nft_samples = args.sizes or "1000,10000", 100, 10, 50
    if os.geteuid() != 0:
        log("vpn: needs root (it creates a network namespace)")
        return 1
    for tool in (WIREGUARD_GO, WG, NFT, args.picd, args.pic, args.nft_element):
        if not os.access(tool, os.X_OK):
            log(f"vpn: missing {tool}")
            return 1

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ns = Netns(args.netns)
    state = {"cell": None, "client": None}
    code = 1
    try:
        print(json.dumps(run(args, ns, state), sort_keys=True), flush=True)
        code = 0
    except (RuntimeError, OSError, subprocess.SubprocessError, sqlite3.Error, http.client.HTTPException) as e:
        log(f"vpn: {e}")
        if state["cell"] is not None:
            log("--- last lines of picd's log:\n" + state["cell"].log_tail())
    finally:
        if state["cell"] is not None and state["cell"].proc is not None:
            try:
                state["cell"].stop()
            except (RuntimeError, OSError) as e:
                log(f"vpn: stopping picd: {e}")
        if state["client"] is not None:
            state["client"].stop()
        ns.remove()
    return code


if __name__ == "__main__":
    sys.exit(main())
