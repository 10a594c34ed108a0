"""The VPN's routing end to end: three peers, each in a namespace of its
own with wg-quick up from the config the cell gives it, reach the service
IPs their services allow and nothing else; a full-tunnel peer reaches a
stub on the "internet" through the cell's uplink, NATed to the cell's
uplink address, and a split-tunnel peer does not even when it forces the
packets into its tunnel; peers reach each other only while
wireguard.peer_to_peer is on. Every change goes through the API and
applies live: the same wireguard-go, the same nftables table. Traffic
stays inside the test's namespaces.

    pr-a 10.79.0.2 --prla/prva--+
    pr-b 10.79.0.3 --prlb/prvb--+-- prbr 10.79.0.1  pr-cell  prup 192.0.2.2 --prdn 192.0.2.1  pr-net
    pr-c 10.79.0.4 --prlc/prvc--+   (bridge)        (picd)   (uplink)                         198.51.100.10
    VPN: the cell 10.0.0.1/24 on prwg0; the peers on prc1, prc2, prc3

pr-net has no route to the VPN: only NAT gets an answer home.
"""

import json
import os
import subprocess
import time

import pytest

from conftest import Cell, free_port, run, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")

USERSPACE = {"WG_QUICK_USERSPACE_IMPLEMENTATION": "wireguard-go",
             "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD": "1"}
PY = "/usr/bin/python3"

CELL_NS, NET_NS = "pr-cell", "pr-net"
BRIDGE, CELL_LAN = "prbr", "10.79.0.1"
UPLINK, UPLINK_ADDR, ISP_IF, ISP_ADDR = "prup", "192.0.2.2", "prdn", "192.0.2.1"
STUB = "198.51.100.10"          # TEST-NET-2, only inside pr-net
STUB_PORT = 7
# An address of ip_range (172.20.0.0/24) that is no service's, so not the
# cell's: pr-net answers it too, as a router past the uplink might.
RANGE_NOT_SERVICE = "172.20.0.200"
WG_CELL = "prwg0"               # wireguard-go's UAPI directory is shared: names unique to this file
SERVICE_PORT = 7070             # the listener on every service IP
DENIED_WAIT = 1.0               # how long a denied probe waits for any answer
SERVICES = ["webui", "dns", "ntp", "mail", "calendar", "files"]


class Client:
    def __init__(self, tag, name, lan, services, full_tunnel):
        self.ns, self.lan_if, self.cell_if = f"pr-{tag}", f"prl{tag}", f"prv{tag}"
        self.wg = {"a": "prc1", "b": "prc2", "c": "prc3"}[tag]
        self.name, self.lan, self.services, self.full_tunnel = name, lan, services, full_tunnel
        self.ip = self.public_key = None


# Every service allowed to someone and denied to someone.
CLIENTS = [Client("a", "alpha", "10.79.0.2", ["webui", "dns", "calendar"], True),
           Client("b", "bravo", "10.79.0.3", ["mail", "files", "dns"], False),
           Client("c", "charlie", "10.79.0.4", ["ntp", "files"], False)]


def ns_run(ns, argv, **kw):
    return run(["ip", "netns", "exec", ns] + argv, **kw)


# A TCP and UDP server on each address given, port argv[2]: it logs
# "PROTO SOURCE ADDRESS" for each connection or datagram before it answers
# "ok SOURCE", so a line in the log is a packet that arrived.
LISTENER = r"""
import selectors, socket, sys
log = open(sys.argv[1], "a", buffering=1)
port = int(sys.argv[2])
sel = selectors.DefaultSelector()
for ip in sys.argv[3:]:
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((ip, port)); t.listen(64); t.setblocking(False)
    sel.register(t, selectors.EVENT_READ, ("tcp", ip))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((ip, port)); u.setblocking(False)
    sel.register(u, selectors.EVENT_READ, ("udp", ip))
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        proto, ip = key.data
        try:
            if proto == "tcp":
                c, (src, _) = key.fileobj.accept()
                log.write(f"tcp {src} {ip}\n")
                c.setblocking(True); c.settimeout(2); c.sendall(f"ok {src}\n".encode()); c.close()
            else:
                data, addr = key.fileobj.recvfrom(256)
                log.write(f"udp {addr[0]} {ip}\n")
                key.fileobj.sendto(f"ok {addr[0]}\n".encode(), addr)
        except OSError:
            pass
"""

# Tries every "PROTO:IP:PORT" at once and prints {target: outcome}: "ok
# SOURCE" (the server's answer: the source it saw), "timeout" (no packet
# at all came back), or the errno's name (ECONNREFUSED, ENETUNREACH...).
PROBE = r"""
import errno, json, selectors, socket, sys, time
wait, targets = float(sys.argv[1]), sys.argv[2:]
sel, result = selectors.DefaultSelector(), {}
name = lambda e: errno.errorcode.get(e, str(e))
for t in targets:
    proto, ip, port = t.split(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.setblocking(False)
    try:
        if proto == "tcp":
            e = s.connect_ex((ip, int(port)))
            if e not in (0, errno.EINPROGRESS):
                raise OSError(e, "connect")
        else:
            s.connect((ip, int(port))); s.send(b"probe")
        sel.register(s, selectors.EVENT_READ, t)
    except OSError as e:
        result[t] = name(e.errno); s.close()
deadline = time.monotonic() + wait
while len(result) < len(targets) and deadline > time.monotonic():
    for key, _ in sel.select(deadline - time.monotonic()):
        try:
            data = key.fileobj.recv(256)
            result[key.data] = "ok " + data.decode().split()[1] if data.startswith(b"ok ") else "closed"
        except OSError as e:
            result[key.data] = name(e.errno)
        sel.unregister(key.fileobj); key.fileobj.close()
for t in targets:
    result.setdefault(t, "timeout")
print(json.dumps(result))
"""


class RoutingLab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.namespaces = [CELL_NS, NET_NS] + [c.ns for c in CLIENTS]
        self.procs = []

    def __enter__(self):
        self._remove_namespaces()  # a run killed before its cleanup
        try:
            for ns in self.namespaces:
                run(["ip", "netns", "add", ns], check=True)
                run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            # A new namespace copies the host's settings: forwarding starts
            # off here whatever the host has, so that picd turns it on.
            ns_run(CELL_NS, ["tee", "/proc/sys/net/ipv4/ip_forward"], input="0\n", check=True)
            cell = ["ip", "-n", CELL_NS]
            run(cell + ["link", "add", BRIDGE, "type", "bridge"], check=True)
            run(cell + ["addr", "add", f"{CELL_LAN}/24", "dev", BRIDGE], check=True)
            run(cell + ["link", "set", BRIDGE, "up"], check=True)
            for c in CLIENTS:
                run(["ip", "link", "add", c.cell_if, "netns", CELL_NS, "type", "veth",
                     "peer", "name", c.lan_if, "netns", c.ns], check=True)
                run(cell + ["link", "set", c.cell_if, "master", BRIDGE, "up"], check=True)
                run(["ip", "-n", c.ns, "addr", "add", f"{c.lan}/24", "dev", c.lan_if], check=True)
                run(["ip", "-n", c.ns, "link", "set", c.lan_if, "up"], check=True)
            run(["ip", "link", "add", UPLINK, "netns", CELL_NS, "type", "veth",
                 "peer", "name", ISP_IF, "netns", NET_NS], check=True)
            run(cell + ["addr", "add", f"{UPLINK_ADDR}/24", "dev", UPLINK], check=True)
            run(cell + ["link", "set", UPLINK, "up"], check=True)
            run(cell + ["route", "add", "default", "via", ISP_ADDR], check=True)
            net = ["ip", "-n", NET_NS]
            run(net + ["addr", "add", f"{ISP_ADDR}/24", "dev", ISP_IF], check=True)
            run(net + ["link", "set", ISP_IF, "up"], check=True)
            run(net + ["addr", "add", f"{STUB}/32", "dev", "lo"], check=True)
            run(net + ["addr", "add", f"{RANGE_NOT_SERVICE}/32", "dev", "lo"], check=True)
            self.stub_log = self.tmp / "stub.log"
            self.start_listener(NET_NS, self.stub_log, STUB_PORT, [STUB, RANGE_NOT_SERVICE])
            return self
        except BaseException:
            self.__exit__()
            raise

    def _remove_namespaces(self):
        for ns in self.namespaces:
            # Ours only: every process in these namespaces was started here.
            pids = run(["ip", "netns", "pids", ns]).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns])

    def __exit__(self, *exc):
        for c in CLIENTS:
            conf = self.tmp / f"{c.wg}.conf"
            if conf.exists():
                ns_run(c.ns, ["wg-quick", "down", str(conf)], env=USERSPACE)
        for p in self.procs:
            p.kill()
            p.wait()
        self._remove_namespaces()

    def start_listener(self, ns, log, port, addresses):
        log.touch()
        p = subprocess.Popen(["ip", "netns", "exec", ns, PY, "-c", LISTENER, str(log), str(port)] + addresses,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        assert line.strip() == "ready", f"listener in {ns}: {line}{p.stdout.read() if p.poll() is not None else ''}"

    def probe(self, targets_by_client, wait=DENIED_WAIT):
        """{client: [target]} -> {client: {target: outcome}}, every client at once."""
        procs = {c: subprocess.Popen(["ip", "netns", "exec", c.ns, PY, "-c", PROBE, str(wait)] + targets,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for c, targets in targets_by_client.items()}
        out = {}
        for c, p in procs.items():
            stdout, stderr = p.communicate(timeout=wait + 20)
            assert p.returncode == 0, f"probe in {c.ns}: {stderr}"
            out[c] = json.loads(stdout)
        return out

    def ping(self, client, addr):
        return ns_run(client.ns, ["ping", "-n", "-c", "1", "-W", "1", addr], timeout=10).returncode == 0


def log_lines(path, offset):
    """The lines of path written since offset, and the new offset."""
    data = path.read_bytes()
    return data[offset:].decode().splitlines(), len(data)


def nft_table(ns=CELL_NS):
    """(table handle, {chain: [rule handles]}) of table inet pic."""
    out = json.loads(ns_run(ns, ["nft", "-j", "-a", "list", "table", "inet", "pic"], check=True).stdout)
    handle, rules = None, {}
    for item in out["nftables"]:
        if "table" in item:
            handle = item["table"]["handle"]
        if "rule" in item:
            rules.setdefault(item["rule"]["chain"], []).append(item["rule"]["handle"])
    return handle, rules


def wg_peer_rx(public_key):
    out = ns_run(CELL_NS, ["wg", "show", WG_CELL, "dump"], check=True).stdout.splitlines()
    for line in out[1:]:
        f = line.split("\t")
        if f[0] == public_key:
            return int(f[5])
    raise AssertionError(f"no peer {public_key} in wg")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with RoutingLab(tmp_path_factory.mktemp("routing")) as lab:
        yield lab


@pytest.fixture(scope="module")
def cell(request, lab, tmp_path_factory):
    c = Cell(tmp_path_factory.mktemp("routingcell"))
    c.init()
    c.wg_port = free_port()
    c.sqlite(f"UPDATE config SET value = '\"{WG_CELL}\"' WHERE key = 'wireguard.interface'; "
             f"UPDATE config SET value = '{c.wg_port}' WHERE key = 'ports.wireguard'; "
             f"UPDATE config SET value = '\"{CELL_LAN}\"' WHERE key = 'public_endpoint'")
    c.netns = CELL_NS
    c.start()
    request.addfinalizer(c.shutdown)
    wait_for(lambda: c.services()["wireguard"]["state"] == "ready", 15, what="wireguard ready")
    return c


@pytest.fixture(scope="module")
def peers(cell, lab):
    """The three peers made through the API, their tunnels up (wg-quick, all
    at once) and a first handshake done; the listener on every service IP."""
    api = cell.control()
    for c in CLIENTS:
        p = api.post("/api/peers", {"name": c.name, "services": c.services, "full_tunnel": c.full_tunnel},
                     expect=201).json
        c.ip, c.public_key = p["ip"], p["public_key"]
    ups = []
    for c in CLIENTS:
        conf = api.get(f"/api/peers/{c.name}/config?format=conf", expect=200).raw.decode()
        # wg-quick would hand DNS = to resolvconf on the host: left out.
        conf = "\n".join(ln for ln in conf.splitlines() if not ln.startswith("DNS =")) + "\n"
        f = lab.tmp / f"{c.wg}.conf"
        f.write_text(conf)
        f.chmod(0o600)
        e = dict(os.environ, **USERSPACE)
        ups.append((c, subprocess.Popen(["ip", "netns", "exec", c.ns, "wg-quick", "up", str(f)], env=e,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for c, p in ups:
        out = p.communicate(timeout=60)[0]
        assert p.returncode == 0, f"wg-quick up in {c.ns}: {out}"
    for c in CLIENTS:
        wait_for(lambda: lab.ping(c, "10.0.0.1"), 15, 0.2, f"{c.name}'s tunnel")
    config = api.get("/api/config", expect=200).json
    lab.service_ips = {s: config["service_ips"][s] for s in SERVICES}
    lab.service_log = lab.tmp / "services.log"
    lab.start_listener(CELL_NS, lab.service_log, SERVICE_PORT, list(lab.service_ips.values()))
    return CLIENTS


def check_matrix(lab):
    """Every client against every service IP, TCP and UDP: an allowed pair
    is answered, and the listener saw the peer's own VPN address; a denied
    one gets nothing back at all (no reset, no ICMP error) and nothing of it
    reaches the listener. Returns the number of probes."""
    _, offset = log_lines(lab.service_log, 0)
    targets = {c: [f"{proto}:{ip}:{SERVICE_PORT}" for ip in lab.service_ips.values() for proto in ("tcp", "udp")]
               for c in CLIENTS}
    t0 = time.monotonic()
    results = lab.probe(targets)
    elapsed = time.monotonic() - t0
    wrong, want_log = [], set()
    for c in CLIENTS:
        for service, ip in lab.service_ips.items():
            allowed = service in c.services
            for proto in ("tcp", "udp"):
                got = results[c][f"{proto}:{ip}:{SERVICE_PORT}"]
                want = f"ok {c.ip}" if allowed else "timeout"
                if got != want:
                    wrong.append(f"{c.name} ({c.ip}) -> {service} {ip} {proto}: {got}, want {want}")
                if allowed:
                    want_log.add(f"{proto} {c.ip} {ip}")
    lines, _ = log_lines(lab.service_log, offset)
    assert not wrong, "\n".join(wrong)
    # Exactly the allowed pairs reached the listener, each once.
    assert sorted(lines) == sorted(want_log), f"listener saw {sorted(set(lines) ^ want_log)} beyond or short of the allowed"
    print(f"matrix: {sum(len(t) for t in targets.values())} probes in {elapsed:.2f} s")
    return sum(len(t) for t in targets.values())


def test_forwarding_is_on_in_the_cells_namespace_only(cell, lab):
    host_before = open("/proc/sys/net/ipv4/ip_forward").read()
    assert ns_run(CELL_NS, ["cat", "/proc/sys/net/ipv4/ip_forward"], check=True).stdout == "1\n"
    assert "IPv4 forwarding turned on for the VPN" in cell.log_path.read_text()
    assert open("/proc/sys/net/ipv4/ip_forward").read() == host_before


def test_each_peer_reaches_exactly_its_services(cell, lab, peers):
    assert check_matrix(lab) == 3 * len(SERVICES) * 2


def stub_probe(lab, client, wait=DENIED_WAIT):
    return lab.probe({client: [f"tcp:{STUB}:{STUB_PORT}", f"udp:{STUB}:{STUB_PORT}"]}, wait)[client]


def test_full_tunnel_peer_goes_out_of_the_uplink_once_it_is_set(cell, lab, peers):
    api = cell.control()
    alpha = CLIENTS[0]
    pid = cell.services()["wireguard"]["pid"]
    handle, _ = nft_table()
    _, offset = log_lines(lab.stub_log, 0)
    # No uplink yet (the default): a full-tunnel peer's packets reach the
    # cell and go no further.
    assert stub_probe(lab, alpha) == {f"tcp:{STUB}:{STUB_PORT}": "timeout", f"udp:{STUB}:{STUB_PORT}": "timeout"}
    t0 = time.monotonic()
    r = api.put("/api/config", {"wireguard": {"uplink": UPLINK}}, expect=200).json
    assert r["applied"] == ["wireguard.uplink"] and r["staged"] == []
    cell.wait_apply(r["config"]["revision"])
    print(f"uplink set and applied in {(time.monotonic() - t0) * 1000:.0f} ms")
    # The stub sees the cell's uplink address, and answers it (it has no
    # route to the VPN).
    got = stub_probe(lab, alpha)
    assert got == {f"tcp:{STUB}:{STUB_PORT}": f"ok {UPLINK_ADDR}", f"udp:{STUB}:{STUB_PORT}": f"ok {UPLINK_ADDR}"}
    lines, offset = log_lines(lab.stub_log, offset)
    assert sorted(lines) == [f"tcp {UPLINK_ADDR} {STUB}", f"udp {UPLINK_ADDR} {STUB}"]
    assert lab.ping(alpha, STUB)
    # The service range is never routed on, even for a full-tunnel peer.
    assert lab.probe({alpha: [f"tcp:{RANGE_NOT_SERVICE}:{STUB_PORT}"]})[alpha] == {
        f"tcp:{RANGE_NOT_SERVICE}:{STUB_PORT}": "timeout"}
    # Live: the same wireguard-go, the same table.
    assert cell.services()["wireguard"]["pid"] == pid
    assert nft_table()[0] == handle
    # The peer no longer full tunnel (its client still sends everything):
    # the cell drops it; back, and it passes again. By element.
    rules = nft_table()[1]
    api.put(f"/api/peers/{alpha.name}", {"full_tunnel": False}, expect=200)
    wait_for(lambda: not lab.ping(alpha, STUB), 3, 0.05, "alpha's internet cut")
    assert stub_probe(lab, alpha)[f"tcp:{STUB}:{STUB_PORT}"] == "timeout"
    api.put(f"/api/peers/{alpha.name}", {"full_tunnel": True}, expect=200)
    wait_for(lambda: lab.ping(alpha, STUB), 3, 0.05, "alpha's internet back")
    assert nft_table() == (handle, rules)
    lines, offset = log_lines(lab.stub_log, offset)
    assert lines == [], f"the stub saw {lines} while alpha was not full tunnel"


def test_split_tunnel_peer_does_not_go_out_even_when_it_forces_it(cell, lab, peers):
    bravo = CLIENTS[1]
    _, offset = log_lines(lab.stub_log, 0)
    # Its AllowedIPs are the cell's subnets: no route to the internet.
    assert stub_probe(lab, bravo) == {f"tcp:{STUB}:{STUB_PORT}": "ENETUNREACH",
                                      f"udp:{STUB}:{STUB_PORT}": "ENETUNREACH"}
    # Forced: a route into its tunnel and the stub in its AllowedIPs. The
    # packets reach the cell (its counter grows) and the cell drops them.
    cell_key = ns_run(bravo.ns, ["wg", "show", bravo.wg, "peers"], check=True).stdout.split()[0]
    ns_run(bravo.ns, ["wg", "set", bravo.wg, "peer", cell_key, "allowed-ips",
                      f"10.0.0.0/24,172.20.0.0/24,{STUB}/32"], check=True)
    ns_run(bravo.ns, ["ip", "route", "add", f"{STUB}/32", "dev", bravo.wg], check=True)
    try:
        rx = wg_peer_rx(bravo.public_key)
        assert stub_probe(lab, bravo) == {f"tcp:{STUB}:{STUB_PORT}": "timeout", f"udp:{STUB}:{STUB_PORT}": "timeout"}
        assert not lab.ping(bravo, STUB)
        assert wg_peer_rx(bravo.public_key) > rx, "bravo's packets did not reach the cell"
        lines, _ = log_lines(lab.stub_log, offset)
        assert lines == [], f"the stub saw {lines} from a split-tunnel peer"
    finally:
        ns_run(bravo.ns, ["ip", "route", "del", f"{STUB}/32", "dev", bravo.wg])
        ns_run(bravo.ns, ["wg", "set", bravo.wg, "peer", cell_key, "allowed-ips", "10.0.0.0/24,172.20.0.0/24"])


# Sends a UDP datagram to argv[1]:argv[2] every millisecond until stdin
# closes; prints how many it sent.
FLOOD = r"""
import socket, sys, threading, time
s, n, done = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0, threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
while not done.is_set():
    s.sendto(b"flood", (sys.argv[1], int(sys.argv[2]))); n += 1; time.sleep(0.001)
print(n)
"""


def test_peer_to_peer_follows_the_setting_live(cell, lab, peers):
    api = cell.control()
    alpha, bravo, charlie = CLIENTS
    pid = cell.services()["wireguard"]["pid"]
    handle, _ = nft_table()
    assert not lab.ping(alpha, bravo.ip) and not lab.ping(bravo, charlie.ip)
    # All through the reloads, bravo floods a service IP it may not reach:
    # not one datagram may pass while the rules change.
    denied = lab.service_ips["webui"]
    assert "webui" not in bravo.services
    _, offset = log_lines(lab.service_log, 0)
    flood = subprocess.Popen(["ip", "netns", "exec", bravo.ns, PY, "-c", FLOOD, denied, str(SERVICE_PORT)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lab.procs.append(flood)
    t0 = time.monotonic()
    r = api.put("/api/config", {"wireguard": {"peer_to_peer": True}}, expect=200).json
    assert r["applied"] == ["wireguard.peer_to_peer"]
    cell.wait_apply(r["config"]["revision"])
    print(f"peer_to_peer on and applied in {(time.monotonic() - t0) * 1000:.0f} ms")
    assert lab.ping(alpha, bravo.ip) and lab.ping(bravo, charlie.ip) and lab.ping(charlie, alpha.ip)
    # A reload of the rules, not of the daemon or the table: the same
    # wireguard-go, the same table (never deleted, so never a moment without it).
    assert cell.services()["wireguard"]["pid"] == pid
    assert nft_table()[0] == handle
    # Access to services is as it was.
    check_matrix(lab)
    r = api.put("/api/config", {"wireguard": {"peer_to_peer": False}}, expect=200).json
    cell.wait_apply(r["config"]["revision"])
    sent = int(flood.communicate(timeout=10)[0])
    assert not lab.ping(alpha, bravo.ip) and not lab.ping(charlie, alpha.ip)
    assert cell.services()["wireguard"]["pid"] == pid
    assert nft_table()[0] == handle
    leaked = [ln for ln in log_lines(lab.service_log, offset)[0] if ln == f"udp {bravo.ip} {denied}"]
    print(f"{sent} datagrams to a denied service IP across two reloads: {len(leaked)} passed")
    assert sent > 300 and not leaked


def test_a_peers_services_flip_its_row_live(cell, lab, peers):
    api = cell.control()
    charlie = CLIENTS[2]
    pid = cell.services()["wireguard"]["pid"]
    before = nft_table()
    charlie.services = ["webui", "mail", "calendar"]
    t0 = time.monotonic()
    api.put(f"/api/peers/{charlie.name}", {"services": charlie.services}, expect=200)
    wait_for(lambda: lab.ping(charlie, lab.service_ips["mail"]), 3, 0.02, "charlie's new service")
    print(f"services changed and in force in {(time.monotonic() - t0) * 1000:.0f} ms")
    check_matrix(lab)
    # By set element: not one rule was loaded again.
    assert nft_table() == before
    assert cell.services()["wireguard"]["pid"] == pid


def test_bad_uplink_changes_nothing(cell, lab, peers):
    api = cell.control()
    revision = cell.revision()
    r = api.put("/api/config", {"wireguard": {"uplink": WG_CELL}}, expect=400)
    assert r.error["field"] == "wireguard.uplink"
    r = api.put("/api/config", {"wireguard": {"uplink": "up link"}}, expect=400)
    assert r.error["field"] == "wireguard.uplink"
    r = api.put("/api/config", {"wireguard": {"peer_to_peer": "yes"}}, expect=400)
    assert r.error["field"] == "wireguard.peer_to_peer"
    assert cell.revision() == revision
    assert lab.ping(CLIENTS[0], STUB)
