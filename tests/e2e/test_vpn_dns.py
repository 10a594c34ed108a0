"""DNS through the VPN: the cell in a network namespace, three peers each in
a namespace of its own with its tunnel up (wg-quick, from the config it
downloads), each asking the DNS server its config names, through the
tunnel, with dig. Each peer gets the service names it may use and NXDOMAIN
for the others (Unbound views); a change of a peer's services flips its
answers live, with no reload. Traffic stays inside the namespaces.

    pv-c1 pvv1 10.79.0.2 --+
    pv-c2 pvv2 10.79.0.3 --+-- bridge pvbr0 10.79.0.1 in pv-cell
    pv-c3 pvv3 10.79.0.4 --+
    VPN: the cell 10.0.0.1/24 on pvwg0; the peers on pvc1..pvc3

The cell's Unbound serves port 53 here (its namespace is its own), since a
peer's config says only `DNS = 10.0.0.1`.
"""

import os
import time

import pytest

from conftest import Cell, free_port, run, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")

CELL_NS, BRIDGE, CELL_LAN, WG_CELL = "pv-cell", "pvbr0", "10.79.0.1", "pvwg0"
CLIENTS = 3
USERSPACE = {"WG_QUICK_USERSPACE_IMPLEMENTATION": "wireguard-go",
             "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD": "1"}
SERVICES = ["webui", "dns", "ntp", "mail", "calendar", "files"]
# Each peer's services; charlie has none.
PEERS = {"alpha": ["dns", "calendar"], "bravo": ["webui", "mail", "files"], "charlie": []}


def ns_run(ns, argv, **kw):
    return run(["ip", "netns", "exec", ns] + argv, **kw)


class Client:
    """One peer's namespace, joined to the cell's bridge by a veth pair;
    its tunnel is the wg-quick interface pvc<k>."""

    def __init__(self, tmp, k):
        self.ns, self.veth, self.cell_end = f"pv-c{k}", f"pvv{k}", f"pvw{k}"
        self.lan = f"10.79.0.{k + 1}"
        self.conf = tmp / f"pvc{k}.conf"  # wg-quick names the interface after the file
        self.dns = None

    def tunnel_up(self, conf_text):
        """Brings the tunnel up from a downloaded config; remembers the DNS
        server it names (the line itself would make wg-quick call
        resolvconf on the host's /etc/resolv.conf)."""
        self.tunnel_down()
        lines = conf_text.splitlines()
        dns = [ln.split("=", 1)[1].strip() for ln in lines if ln.startswith("DNS =")]
        assert len(dns) == 1, conf_text
        self.dns = dns[0]
        self.conf.write_text("\n".join(ln for ln in lines if not ln.startswith("DNS =")) + "\n")
        self.conf.chmod(0o600)
        p = ns_run(self.ns, ["wg-quick", "up", str(self.conf)], env=USERSPACE, timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr

    def tunnel_down(self):
        if self.conf.exists():
            ns_run(self.ns, ["wg-quick", "down", str(self.conf)], env=USERSPACE, timeout=60)
            self.conf.unlink()

    def dig(self, name):
        """The A records for name from the DNS server of the peer's config,
        or "NXDOMAIN"."""
        p = ns_run(self.ns, ["dig", f"@{self.dns}", "+time=1", "+tries=3", "+noall", "+comments", "+answer",
                             name, "A"], timeout=20)
        assert p.returncode == 0, f"dig {name} in {self.ns}: {p.stdout}{p.stderr}"
        if "status: NXDOMAIN" in p.stdout:
            return "NXDOMAIN"
        assert "status: NOERROR" in p.stdout, p.stdout
        return sorted(ln.split()[-1] for ln in p.stdout.splitlines() if ln and not ln.startswith(";"))


class Lab:
    def __init__(self, tmp):
        self.tmp = tmp
        self.clients = [Client(tmp, k) for k in range(1, CLIENTS + 1)]
        self.namespaces = [CELL_NS] + [c.ns for c in self.clients]

    def __enter__(self):
        # What a killed run left behind goes first: the names are ours.
        self._remove()
        try:
            for ns in self.namespaces:
                run(["ip", "netns", "add", ns], check=True)
                run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            run(["ip", "-n", CELL_NS, "link", "add", BRIDGE, "type", "bridge"], check=True)
            run(["ip", "-n", CELL_NS, "addr", "add", f"{CELL_LAN}/24", "dev", BRIDGE], check=True)
            run(["ip", "-n", CELL_NS, "link", "set", BRIDGE, "up"], check=True)
            for c in self.clients:
                run(["ip", "link", "add", c.cell_end, "netns", CELL_NS, "type", "veth",
                     "peer", "name", c.veth, "netns", c.ns], check=True)
                run(["ip", "-n", CELL_NS, "link", "set", c.cell_end, "master", BRIDGE, "up"], check=True)
                run(["ip", "-n", c.ns, "addr", "add", f"{c.lan}/24", "dev", c.veth], check=True)
                run(["ip", "-n", c.ns, "link", "set", c.veth, "up"], check=True)
            return self
        except BaseException:
            self.__exit__()
            raise

    def _remove(self):
        for ns in self.namespaces:
            for pid in run(["ip", "netns", "pids", ns]).stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns])

    def __exit__(self, *exc):
        for c in self.clients:
            c.tunnel_down()
        self._remove()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(tmp_path_factory.mktemp("vpndns")) as lab:
        yield lab


@pytest.fixture(scope="module")
def cell(request, lab, tmp_path_factory):
    c = Cell(tmp_path_factory.mktemp("vpndnscell"))
    c.init()
    c.wg_port = free_port()
    c.sqlite(f"UPDATE config SET value = '\"{WG_CELL}\"' WHERE key = 'wireguard.interface'; "
             f"UPDATE config SET value = '{c.wg_port}' WHERE key = 'ports.wireguard'; "
             "UPDATE config SET value = '53' WHERE key = 'ports.dns'; "
             f"UPDATE config SET value = '\"{CELL_LAN}\"' WHERE key = 'public_endpoint'")
    c.netns = CELL_NS
    c.start()
    request.addfinalizer(c.shutdown)
    wait_for(lambda: c.services()["wireguard"]["state"] == "ready", 15, what="wireguard ready")
    return c


@pytest.fixture(scope="module")
def peers(cell, lab):
    """The three peers, each with its tunnel up in its own namespace:
    {name: (peer, client)}."""
    api = cell.control()
    out = {}
    for (name, services), client in zip(PEERS.items(), lab.clients):
        peer = api.post("/api/peers", {"name": name, "services": services}, expect=201).json
        conf = api.get(f"/api/peers/{name}/config?format=conf", expect=200).raw.decode()
        client.tunnel_up(conf)
        out[name] = (peer, client)
    return out


def zone(cell):
    c = cell.config()
    return f"{c['cell_name']}.{c['domain']}"


def service_ips(cell):
    return cell.config()["service_ips"]


def answers(cell, client):
    """What the client gets for each service name: {service: [ip] or "NXDOMAIN"}."""
    z = zone(cell)
    return {s: client.dig(f"{s}.{z}") for s in SERVICES}


def expected(cell, allowed):
    ips = service_ips(cell)
    return {s: [ips[s]] if s in allowed else "NXDOMAIN" for s in SERVICES}


def unbound_starts(cell):
    """How often Unbound has logged its start of service: once, and once
    more after each reload."""
    lines = cell.control().get("/api/services/unbound/logs?lines=1000", expect=200).json["lines"]
    return sum("start of service" in ln["text"] for ln in lines)


def view_zones(cell, ip):
    """The local zones of the view of a VPN address, as Unbound's own
    unbound-control lists them."""
    conf = cell.dir / "config" / "unbound" / "unbound.conf"
    p = run(["unbound-control", "-c", conf, "view_list_local_zones", f"vpn-{ip}"], check=True)
    return sorted(ln.split()[0] for ln in p.stdout.splitlines() if ln.strip())


def test_peers_config_points_dns_at_the_cell_through_the_tunnel(cell, peers):
    for peer, client in peers.values():
        assert client.dns == "10.0.0.1"
        # The address is the tunnel's: the route to it is the wg interface.
        route = ns_run(client.ns, ["ip", "-4", "route", "get", client.dns], check=True).stdout
        assert f"dev {client.conf.stem}" in route, route


def test_every_peer_gets_only_its_services(cell, peers):
    for name, (peer, client) in peers.items():
        assert answers(cell, client) == expected(cell, PEERS[name]), name


def test_peers_resolve_their_own_and_each_others_names(cell, peers):
    z = zone(cell)
    for _, client in peers.values():
        for other, (peer, _) in peers.items():
            assert client.dig(f"{other}.peers.{z}") == [peer["ip"]]
    # A name the zone lacks is NXDOMAIN for everyone, and never forwarded.
    assert peers["bravo"][1].dig(f"nothere.{z}") == "NXDOMAIN"


def test_a_change_of_services_flips_the_answers_live(cell, peers):
    api = cell.control()
    _, client = peers["alpha"]
    pid, starts = cell.services()["unbound"]["pid"], unbound_starts(cell)
    t0 = time.monotonic()
    api.put("/api/peers/alpha", {"services": ["files", "webui"]}, expect=200)
    want = expected(cell, ["files", "webui"])
    wait_for(lambda: answers(cell, client) == want, 1.0, 0.02, "alpha's new answers")
    took = time.monotonic() - t0
    assert took < 1.0, took
    # The others are untouched.
    assert answers(cell, peers["bravo"][1]) == expected(cell, PEERS["bravo"])
    # Live: the same Unbound, and no reload (it logs each start of service).
    assert cell.services()["unbound"]["pid"] == pid
    assert unbound_starts(cell) == starts
    api.put("/api/peers/alpha", {"services": PEERS["alpha"]}, expect=200)
    wait_for(lambda: answers(cell, client) == expected(cell, PEERS["alpha"]), 1.0, 0.02, "alpha back")
    assert unbound_starts(cell) == starts


def test_a_deleted_peers_view_is_empty_again(cell, peers):
    api = cell.control()
    peer, client = peers["charlie"]
    ip = peer["ip"]
    z = zone(cell)
    assert view_zones(cell, ip) == sorted(f"{s}.{z}." for s in SERVICES)
    starts = unbound_starts(cell)
    api.delete("/api/peers/charlie", expect=204)
    wait_for(lambda: view_zones(cell, ip) == [], 1.0, 0.02, "charlie's view emptied")
    # A new peer asking for that address gets its own services there.
    new = api.post("/api/peers", {"name": "delta", "ip": ip, "services": ["calendar"]}, expect=201).json
    assert new["ip"] == ip
    wait_for(lambda: view_zones(cell, ip) == sorted(f"{s}.{z}." for s in SERVICES if s != "calendar"),
             1.0, 0.02, "delta's view")
    client.tunnel_up(api.get("/api/peers/delta/config?format=conf", expect=200).raw.decode())
    assert answers(cell, client) == expected(cell, ["calendar"])
    assert unbound_starts(cell) == starts
