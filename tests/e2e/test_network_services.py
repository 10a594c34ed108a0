"""DNS, DHCP and NTP with the cell inside a network namespace, as a LAN
would see it: picd runs in namespace `cell`, a veth pair joins it to
namespace `client`, and every upstream is a stub started here.

    client ns: vl<id> (no address until DHCP) <--veth--> cell ns: vc<id> 10.77.0.1/24
    cell ns:   lo also has 192.0.2.53/32: the stub upstream resolver (dnsmasq)

Real clients only: dig, busybox udhcpc, and chronyd -Q. Traffic never
leaves the two namespaces.
"""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Cell, run, wait_for

CELL_IP = "10.77.0.1"
RANGE = ("10.77.0.100", "10.77.0.150")
UPSTREAM_IP = "192.0.2.53"
OUTSIDE_NAME = "www.example.net"  # not .test: Unbound keeps that special-use zone to itself
OUTSIDE_ADDR = "198.51.100.7"
ZONE = "test.cell"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


def ns_run(ns, argv, **kw):
    return run(["ip", "netns", "exec", ns] + argv, **kw)


class Lab:
    """Two namespaces, a veth between them, a stub upstream resolver."""

    def __init__(self, tmp):
        n = os.getpid() % 100000
        self.tmp = Path(tmp)
        self.cell_ns, self.client_ns = f"picc{n}", f"picl{n}"
        self.cell_if, self.client_if = f"vc{n}", f"vl{n}"
        self.procs = []

    def __enter__(self):
        try:
            return self._build()
        except BaseException:
            self.__exit__(None, None, None)  # a half-built lab goes too
            raise

    def _build(self):
        for ns in (self.cell_ns, self.client_ns):
            run(["ip", "netns", "add", ns], check=True)
            run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        run(["ip", "link", "add", self.cell_if, "netns", self.cell_ns, "type", "veth",
             "peer", "name", self.client_if, "netns", self.client_ns], check=True)
        run(["ip", "-n", self.cell_ns, "addr", "add", f"{CELL_IP}/24", "dev", self.cell_if], check=True)
        run(["ip", "-n", self.cell_ns, "link", "set", self.cell_if, "up"], check=True)
        run(["ip", "-n", self.client_ns, "link", "set", self.client_if, "up"], check=True)
        # Not a 127/8 address: Unbound does not forward to those by default.
        run(["ip", "-n", self.cell_ns, "addr", "add", f"{UPSTREAM_IP}/32", "dev", "lo"], check=True)
        self.client_mac = json.loads(run(["ip", "-n", self.client_ns, "-j", "link", "show", self.client_if],
                                         check=True).stdout)[0]["address"]
        # The stub upstream: answers one outside name, nothing else.
        self.spawn(self.cell_ns, ["dnsmasq", "-k", "--no-resolv", "--no-hosts", "--bind-interfaces",
                                  f"--listen-address={UPSTREAM_IP}", "--port=53", "--pid-file=",
                                  f"--address=/example.net/{OUTSIDE_ADDR}", "--log-facility=-"])
        return self

    def spawn(self, ns, argv):
        p = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        for ns in (self.cell_ns, self.client_ns):
            # Whatever is still inside (a udhcpc, a chronyd -Q) goes too.
            pids = run(["ip", "netns", "pids", ns]).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns])  # fails harmlessly if it was never made

    # -- clients
    def dig(self, cell, name, rtype="A"):
        out = ns_run(self.cell_ns, ["dig", "@127.0.0.1", "-p", str(cell.dns_port), "+time=1", "+tries=1",
                                    "+short", name, rtype]).stdout
        return sorted(line for line in out.splitlines() if line and not line.startswith(";"))

    def udhcpc(self, hostname=None):
        """One DHCP exchange from the client namespace; the options udhcpc
        got, as its script saw them."""
        script = self.tmp / "udhcpc.sh"
        out = self.tmp / "udhcpc.env"
        script.write_text(f'#!/bin/sh\n[ "$1" = bound ] && env > {out}\nexit 0\n')
        script.chmod(0o755)
        out.unlink(missing_ok=True)
        argv = ["busybox", "udhcpc", "-i", self.client_if, "-n", "-q", "-f", "-t", "5", "-T", "1",
                "-s", str(script)]
        if hostname:
            argv += ["-x", f"hostname:{hostname}"]
        p = ns_run(self.client_ns, argv, timeout=30)
        assert p.returncode == 0, f"udhcpc failed: {p.stdout}{p.stderr}"
        env = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
        return env


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    for tool in ("dnsmasq", "busybox", "chronyd", "dig"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            pytest.fail(f"{tool} is missing: make deps-test installs it")
    with Lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture(scope="module")
def ns_cell(request, lab, tmp_path_factory):
    c = Cell(tmp_path_factory.mktemp("nscell"))
    c.init()
    c.netns = lab.cell_ns
    c.start()
    request.addfinalizer(c.shutdown)
    api = c.control()
    api.put("/api/config", {"dns": {"forwarders": [f"{UPSTREAM_IP}@53"]}}, expect=200)
    return c


def rendered_text(cell):
    config = cell.dir / "config"
    return "\n".join(p.read_text(errors="replace") for p in config.rglob("*") if p.is_file())


def enable_dhcp(cell, lab):
    api = cell.control()
    api.put("/api/config", {"dhcp": {"enabled": True, "interface": lab.cell_if, "range_start": RANGE[0],
                                     "range_end": RANGE[1], "lease_time": 3600}}, expect=200)
    wait_for(lambda: cell.services()["dnsmasq"]["state"] == "ready", 10, what="dnsmasq ready")


# ---------------------------------------------------------------- DNS

def test_record_resolves_within_a_second_and_stops_after_delete(ns_cell, lab):
    api = ns_cell.control()
    t0 = time.monotonic()
    rec = api.post("/api/dns/records", {"name": "nas", "type": "A", "value": "10.77.0.9"}, expect=201).json
    wait_for(lambda: lab.dig(ns_cell, f"nas.{ZONE}") == ["10.77.0.9"], 1.0, 0.01, "nas resolves")
    assert time.monotonic() - t0 < 1.0
    api.delete(f"/api/dns/records/{rec['id']}", expect=204)
    wait_for(lambda: lab.dig(ns_cell, f"nas.{ZONE}") == [], 1.0, 0.01, "nas gone")


def test_outside_name_resolves_through_the_stub_forwarder(ns_cell, lab):
    wait_for(lambda: lab.dig(ns_cell, OUTSIDE_NAME) == [OUTSIDE_ADDR], 5, 0.1, "outside name via stub")
    # The stub knows nothing else: the cell does not make answers up.
    assert lab.dig(ns_cell, "other.invalid") == []


def test_forwarder_on_loopback_is_used(ns_cell, lab):
    """A resolver on the cell's own loopback (a local DNS-over-HTTPS proxy,
    say): Unbound must be told it may query 127/8."""
    lab.spawn(lab.cell_ns, ["dnsmasq", "-k", "--no-resolv", "--no-hosts", "--bind-interfaces",
                            "--listen-address=127.0.0.2", "--port=53", "--pid-file=",
                            "--address=/loopback.example.net/198.51.100.8", "--log-facility=-"])
    api = ns_cell.control()
    api.put("/api/config", {"dns": {"forwarders": ["127.0.0.2@53"]}}, expect=200)
    try:
        wait_for(lambda: lab.dig(ns_cell, "www.loopback.example.net") == ["198.51.100.8"], 5, 0.1,
                 "answer from the loopback forwarder")
    finally:
        api.put("/api/config", {"dns": {"forwarders": [f"{UPSTREAM_IP}@53"]}}, expect=200)


# ---------------------------------------------------------------- DHCP

def test_dhcp_is_off_by_default(tmp_path):
    c = Cell(tmp_path)
    c.init()
    assert c.sqlite("SELECT value FROM config WHERE key = 'dhcp.enabled'") == "false"


def test_turning_dhcp_on_checks_the_interface_and_range(ns_cell, lab):
    api = ns_cell.control()
    bad = [
        ({"enabled": True, "interface": "nosuch0", "range_start": RANGE[0], "range_end": RANGE[1]},
         "dhcp.interface"),
        ({"enabled": True, "interface": lab.cell_if, "range_start": "10.78.0.10", "range_end": "10.78.0.20"},
         "dhcp.range_start"),
        ({"enabled": True, "interface": lab.cell_if, "range_start": "10.77.0.20", "range_end": "10.77.0.10"},
         "dhcp.range_end"),
        ({"enabled": True, "interface": lab.cell_if, "range_start": "10.77.0.0", "range_end": "10.77.0.10"},
         "dhcp.range_start"),
        ({"enabled": True, "interface": lab.cell_if, "range_start": "10.77.0.1", "range_end": "10.77.0.10"},
         "dhcp.range_start"),
        ({"enabled": True, "interface": ""}, "dhcp.interface"),
        ({"interface": "eth0\nport=53"}, "dhcp.interface"),
        ({"router": "10.77.0.1 "}, "dhcp.router"),
        ({"lease_time": 5}, "dhcp.lease_time"),
        ({"lease_time": "3600"}, "dhcp.lease_time"),
        ({"enabled": "yes"}, "dhcp.enabled"),
    ]
    before = api.get("/api/config", expect=200).json["revision"]
    for body, field in bad:
        r = api.put("/api/config", {"dhcp": body}, expect=400)
        assert r.json["error"]["field"] == field, (body, r.json)
    assert api.get("/api/config", expect=200).json["revision"] == before
    assert ns_cell.services()["dnsmasq"]["state"] in ("disabled", "ready")


def test_client_gets_a_lease_in_range_with_the_cells_options(ns_cell, lab):
    enable_dhcp(ns_cell, lab)
    env = lab.udhcpc(hostname="laptop")
    ip = env["ip"]
    a, b = (int(x.split(".")[-1]) for x in RANGE)
    assert ip.startswith("10.77.0.") and a <= int(ip.split(".")[-1]) <= b, env
    assert env.get("router") == CELL_IP and env.get("dns") == CELL_IP, env
    assert env.get("domain") == f"lan.{ZONE}", env
    assert env.get("lease") == "3600", env

    def lease():
        leases = ns_cell.control().get("/api/dhcp/leases", expect=200).json["leases"]
        return next((l for l in leases if l["mac"] == lab.client_mac), None)
    wait_for(lambda: lease() is not None, 5, what="lease listed")
    l = lease()
    assert l["ip"] == ip and l["hostname"] == "laptop" and l["fqdn"] == f"laptop.lan.{ZONE}"
    assert l["reserved"] is False and l["expires"]
    # Its name is in the zone within a second or so (lease file watch).
    wait_for(lambda: lab.dig(ns_cell, f"laptop.lan.{ZONE}") == [ip], 2.0, 0.02, "lease name resolves")


def test_reservation_gives_the_fixed_address_live(ns_cell, lab):
    enable_dhcp(ns_cell, lab)
    api = ns_cell.control()
    pid = ns_cell.services()["dnsmasq"]["pid"]
    mac = lab.client_mac.upper()  # either case in, lower case out
    r = api.post("/api/dhcp/reservations", {"mac": mac, "ip": "10.77.0.42", "name": "desk"}, expect=201).json
    assert r == {"mac": lab.client_mac, "ip": "10.77.0.42", "name": "desk"}
    # Applied with SIGHUP: the same dnsmasq, no lease forgotten.
    assert ns_cell.services()["dnsmasq"]["pid"] == pid
    wait_for(lambda: lab.dig(ns_cell, f"desk.lan.{ZONE}") == ["10.77.0.42"], 2.0, 0.02, "reservation name")
    env = lab.udhcpc(hostname="laptop")
    assert env["ip"] == "10.77.0.42", env

    def lease():
        leases = api.get("/api/dhcp/leases", expect=200).json["leases"]
        return next((l for l in leases if l["mac"] == lab.client_mac and l["ip"] == "10.77.0.42"), None)
    wait_for(lambda: lease() is not None, 5, what="reserved lease listed")
    assert lease()["reserved"] is True and lease()["fqdn"] == f"desk.lan.{ZONE}"

    # Editing and deleting go through the same path.
    api.put(f"/api/dhcp/reservations/{lab.client_mac}", {"ip": "10.77.0.43", "name": "desk"}, expect=200)
    hosts = ns_cell.dir / "config" / "dnsmasq" / "reservations"
    wait_for(lambda: "10.77.0.43" in hosts.read_text(), 2.0, 0.02, "hosts file rewritten")
    wait_for(lambda: lab.dig(ns_cell, f"desk.lan.{ZONE}") == ["10.77.0.43"], 2.0, 0.02, "name follows")
    api.delete(f"/api/dhcp/reservations/{lab.client_mac}", expect=204)
    assert api.get("/api/dhcp/reservations", expect=200).json["reservations"] == []
    assert ns_cell.services()["dnsmasq"]["pid"] == pid


BAD_NAMES = ["ignore", "12h", "a\nb", 'a"b', "a b", "a\u0000b", "a'b", "-ab", "a.b", "A" * 64, "../x", "x;reboot"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_reservation_names_never_reach_a_file(ns_cell, lab, name):
    api = ns_cell.control()
    r = api.post("/api/dhcp/reservations", {"mac": "02:00:00:00:00:99", "ip": "10.77.0.99", "name": name},
                 expect=400)
    # jansson refuses a NUL inside a string while parsing: no field then.
    assert r.json["error"].get("field") == ("name" if "\u0000" not in name else None), r.json
    assert name not in rendered_text(ns_cell)


@pytest.mark.parametrize("body,field", [
    ({"mac": "02:00:00:00:00:9", "ip": "10.77.0.99"}, "mac"),
    ({"mac": "02:00:00:00:00:99\n", "ip": "10.77.0.99"}, "mac"),
    ({"mac": "02-00-00-00-00-99", "ip": "10.77.0.99"}, "mac"),
    ({"mac": "02:00:00:00:00:99", "ip": "10.77.0.999"}, "ip"),
    ({"mac": "02:00:00:00:00:99", "ip": "10.78.0.5"}, "ip"),       # outside the interface's subnet
    ({"mac": "02:00:00:00:00:99", "ip": "10.77.0.255"}, "ip"),     # its broadcast address
    ({"mac": "02:00:00:00:00:99", "ip": CELL_IP}, "ip"),           # the cell itself
    ({"mac": "02:00:00:00:00:99", "ip": 5}, "ip"),
    ({"mac": "02:00:00:00:00:99"}, "ip"),
    ({"mac": "02:00:00:00:00:99", "ip": "10.77.0.99", "extra": 1}, "extra"),
])
def test_bad_reservations_are_refused_naming_the_field(ns_cell, lab, body, field):
    enable_dhcp(ns_cell, lab)
    r = ns_cell.control().post("/api/dhcp/reservations", body, expect=400)
    assert r.json["error"]["field"] == field, r.json


def test_duplicate_mac_and_address_are_conflicts(ns_cell, lab):
    api = ns_cell.control()
    api.post("/api/dhcp/reservations", {"mac": "02:00:00:00:00:01", "ip": "10.77.0.61"}, expect=201)
    r = api.post("/api/dhcp/reservations", {"mac": "02:00:00:00:00:01", "ip": "10.77.0.62"}, expect=409)
    assert r.json["error"]["field"] == "mac"
    r = api.post("/api/dhcp/reservations", {"mac": "02:00:00:00:00:02", "ip": "10.77.0.61"}, expect=409)
    assert r.json["error"]["field"] == "ip"
    api.delete("/api/dhcp/reservations/02:00:00:00:00:01", expect=204)
    api.delete("/api/dhcp/reservations/02:00:00:00:00:01", expect=404)


def test_turning_dhcp_off_stops_dnsmasq(ns_cell, lab):
    enable_dhcp(ns_cell, lab)
    api = ns_cell.control()
    api.put("/api/config", {"dhcp": {"enabled": False}}, expect=200)
    wait_for(lambda: ns_cell.services()["dnsmasq"]["state"] == "disabled", 10, what="dnsmasq disabled")
    assert api.get("/health", expect=200).json["status"] == "ok"
    api.post("/api/containers/dnsmasq/restart", expect=409)
    enable_dhcp(ns_cell, lab)


def test_kill9_of_dnsmasq_keeps_the_leases(ns_cell, lab):
    enable_dhcp(ns_cell, lab)
    env = lab.udhcpc(hostname="laptop")
    api = ns_cell.control()
    leases = lambda: {l["mac"]: l["ip"] for l in api.get("/api/dhcp/leases", expect=200).json["leases"]}
    wait_for(lambda: leases().get(lab.client_mac) == env["ip"], 5, what="lease listed")
    pid = ns_cell.services()["dnsmasq"]["pid"]
    os.kill(pid, 9)
    wait_for(lambda: (lambda s: s["state"] == "ready" and s["pid"] != pid)(ns_cell.services()["dnsmasq"]),
             10, what="dnsmasq back")
    # The lease file is the cell's data: the lease, and the client's
    # address on renewal, are what they were.
    assert leases().get(lab.client_mac) == env["ip"]
    assert lab.udhcpc(hostname="laptop")["ip"] == env["ip"]


def test_kill9_of_chrony_is_repaired(ns_cell):
    pid = ns_cell.services()["chrony"]["pid"]
    os.kill(pid, 9)
    wait_for(lambda: (lambda s: s["state"] == "ready" and s["pid"] != pid)(ns_cell.services()["chrony"]),
             10, what="chrony back")
    api = ns_cell.control()

    def running():
        time.sleep(1.05)  # past the status cache
        return api.get("/api/ntp/status", expect=200).json["running"]
    wait_for(running, 10, 0.1, "chronyc answers the new chronyd")


# ---------------------------------------------------------------- NTP

def test_client_gets_time_from_the_cell(ns_cell, lab):
    enable_dhcp(ns_cell, lab)  # the LAN subnet is served
    env = lab.udhcpc()
    run(["ip", "-n", lab.client_ns, "addr", "replace", f"{env['ip']}/24", "dev", lab.client_if], check=True)
    api = ns_cell.control()

    def synced():
        s = api.get("/api/ntp/status", expect=200).json
        return s["running"] and s["synchronised"] and s
    s = wait_for(synced, 15, 0.5, "chrony serves its local reference")
    assert s["stratum"] == 8 and s["reference"] == "LOCAL", s

    # A real NTP client in the client namespace: chronyd -Q measures the
    # offset against the cell and exits, leaving every clock alone.
    pidfile = lab.tmp / "client-chronyd.pid"
    p = ns_run(lab.client_ns, ["chronyd", "-Q", "-t", "20", "-f", "/dev/null",
                               f"pidfile {pidfile}",
                               f"server {CELL_IP} port {ns_cell.ntp_port} iburst maxsamples 3"], timeout=40)
    out = p.stdout + p.stderr
    assert p.returncode == 0 and re.search(r"System clock wrong by -?[0-9.]+ seconds", out), out

    def client_listed():
        time.sleep(1.1)  # the status is cached for a second
        clients = api.get("/api/ntp/status", expect=200).json["clients"]
        return any(c["address"] == env["ip"] and c["ntp_packets"] > 0 for c in clients)
    wait_for(client_listed, 10, 0.1, "the client in chrony's client list")


def test_ntp_settings_refuse_bad_input(ns_cell):
    api = ns_cell.control()
    for body, field in [({"servers": ["pool.ntp.org\nallow all"]}, "ntp.servers"),
                        ({"servers": ["a b"]}, "ntp.servers"),
                        ({"servers": "pool.ntp.org"}, "ntp.servers"),
                        ({"allow": ["10.0.0.1/8"]}, "ntp.allow"),
                        ({"allow": ["all"]}, "ntp.allow"),
                        ({"local_stratum": 16}, "ntp.local_stratum")]:
        r = api.put("/api/config", {"ntp": body}, expect=400)
        assert r.json["error"]["field"].startswith(field), (body, r.json)
    assert "allow all" not in rendered_text(ns_cell)
