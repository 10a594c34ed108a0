"""Which WireGuard runs the VPN: wireguard.implementation, end to end.

The cell runs in a network namespace of its own; a client namespace joined
by a veth pair brings a tunnel up with wg-quick, so "recovered" means a
real handshake, not just a process. Traffic stays inside the two.

    client ns pk-<n>-client: pkv<n>b 10.79.0.2/24 <--veth--> cell ns pk-<n>-cell: pkv<n>a 10.79.0.1/24
    VPN: the cell 10.0.0.1/24 on pkwg<n>; the peer on pkwq<n>

This machine's kernel has no WireGuard module. What runs here: "auto"
picks wireguard-go and says so; "kernel" forced fails clearly (ip's own
"Unknown device type" in the service's log, backoff then failed, nothing
else touched) and going back recovers live, by hand or by the confirm
window's rollback. NOT RUN HERE: the kernel's success path
(test_kernel_path_where_the_module_exists skips itself without the module).
"""

import os
import subprocess
import time

import pytest

from conftest import Cell, free_port, run, wait_for
from test_vpn import USERSPACE, VpnLab, ns_run

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")

CELL_LAN, CLIENT_LAN = "10.79.0.1", "10.79.0.2"
IP_WORDS = "Error: Unknown device type."


class Lab(VpnLab):
    def __init__(self, tmp):
        n = os.getpid() % 100000
        super().__init__(tmp, (f"pk-{n}-cell", f"pk-{n}-client", f"pkv{n}a", f"pkv{n}b", f"pkwg{n}", f"pkwq{n}"),
                         (CELL_LAN, CLIENT_LAN))

    def kernel_has_wireguard(self):
        """What wireguard_kernel_supported() asks, in the cell's namespace."""
        probe = "pkwgprobe"
        if ns_run(self.cell_ns, ["ip", "link", "add", probe, "type", "wireguard"]).returncode != 0:
            return False
        ns_run(self.cell_ns, ["ip", "link", "del", probe])
        return True


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(tmp_path_factory.mktemp("vpnkernel")) as lab:
        yield lab


@pytest.fixture(scope="module")
def module_absent(lab):
    if lab.kernel_has_wireguard():
        pytest.skip("this kernel has WireGuard: the module-less path does not apply")


@pytest.fixture(scope="module")
def cell(request, lab, tmp_path_factory):
    c = Cell(tmp_path_factory.mktemp("kernelcell"))
    c.init()
    c.wg_port = free_port()
    c.sqlite(f"UPDATE config SET value = '\"{lab.wg_cell}\"' WHERE key = 'wireguard.interface'; "
             f"UPDATE config SET value = '{c.wg_port}' WHERE key = 'ports.wireguard'; "
             f"UPDATE config SET value = '\"{CELL_LAN}\"' WHERE key = 'public_endpoint'")
    c.netns = lab.cell_ns
    c.start()
    request.addfinalizer(c.shutdown)
    wait_for(lambda: c.services()["wireguard"]["state"] == "ready", 15, what="wireguard ready")
    return c


def wg_service(cell):
    return cell.services()["wireguard"]


def wg_log(cell, lines=1000):
    return cell.control().get(f"/api/services/wireguard/logs?lines={lines}", expect=200).json["lines"]


def status(cell):
    return cell.control().get("/api/wireguard/status", expect=200).json


def set_implementation(cell, value, timeout_s=300, confirm=True):
    """Staged like any change that could cut the admin off: PUT, apply, confirm."""
    api = cell.control()
    r = api.put("/api/config", {"wireguard": {"implementation": value}}, expect=200).json
    assert r["staged"] == ["wireguard.implementation"] and r["applied"] == []
    assert r["config"]["wireguard"]["implementation"] != value
    api.post("/api/config/apply", {"timeout_s": timeout_s}, expect=200)
    if confirm:
        api.post("/api/config/confirm", expect=200)
    assert cell.config()["wireguard"]["implementation"] == value


def interface_answers(lab, cell):
    """wg talks to the cell's interface: its port and key, and it is up with the cell's address."""
    show = ns_run(lab.cell_ns, ["wg", "show", lab.wg_cell, "dump"])
    if show.returncode != 0:
        return False
    first = show.stdout.splitlines()[0].split("\t")
    addr = ns_run(lab.cell_ns, ["ip", "-o", "-4", "addr", "show", "dev", lab.wg_cell]).stdout
    up = "UP" in ns_run(lab.cell_ns, ["ip", "-o", "link", "show", "dev", lab.wg_cell]).stdout
    return first[1] == status(cell)["public_key"] and int(first[2]) == cell.wg_port and "10.0.0.1/24" in addr and up


def wg_go_pid(cell):
    s = wg_service(cell)
    return s["state"] == "ready" and s["pid"]


def test_auto_picks_wireguard_go_here_and_says_so(cell, lab, module_absent):
    assert cell.config()["wireguard"]["implementation"] == "auto"
    s = wg_service(cell)
    assert s["state"] == "ready" and s["pid"]
    with open(f"/proc/{s['pid']}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[:3] == [b"/usr/bin/wireguard-go", b"-f", lab.wg_cell.encode()]
    st = status(cell)
    assert st["implementation"] == "userspace" and st["running"] is True
    texts = [ln["text"] for ln in wg_log(cell) if ln["stream"] == "picd"]
    assert "implementation: userspace, wireguard-go (auto: this kernel has no WireGuard)" in texts
    assert interface_answers(lab, cell)


def test_forced_kernel_fails_clearly_and_touches_nothing_else(cell, lab, module_absent):
    before = cell.services()
    go_pid = before["wireguard"]["pid"]
    set_implementation(cell, "kernel")
    wait_for(lambda: wg_service(cell)["state"] in ("backoff", "failed"), 10, what="wireguard in backoff")
    # ip's own words, the start command it ran and how it ended.
    log = wg_log(cell)
    stderr = [ln["text"] for ln in log if ln["stream"] == "stderr"]
    notes = [ln["text"] for ln in log if ln["stream"] == "picd"]
    assert IP_WORDS in stderr, log[-20:]
    assert "implementation: kernel (as configured)" in notes
    assert f"start command: /usr/sbin/ip link add dev {lab.wg_cell} type wireguard" in \
        [n.rsplit(" (pid", 1)[0] for n in notes]
    assert "start command exited with status 2" in notes
    s = wg_service(cell)
    assert s["pid"] is None and s["last_exit"]["code"] == 2
    st = status(cell)
    assert st["implementation"] == "kernel" and st["running"] is False
    # wireguard-go is gone and took its interface with it; no kernel link was made.
    wait_for(lambda: not os.path.exists(f"/proc/{go_pid}"), 5, what="wireguard-go gone")
    assert ns_run(lab.cell_ns, ["ip", "link", "show", "dev", lab.wg_cell]).returncode != 0
    # Everything else is as it was.
    after = cell.services()
    for name, svc in before.items():
        if name != "wireguard":
            assert after[name]["state"] == svc["state"] and after[name]["pid"] == svc["pid"], name
    assert cell.health()["services"]["wireguard"] in ("backoff", "failed")
    # Left alone, it keeps failing the same way: failed after 5 exits
    # (1 + 2 + 4 + 8 s of backoff), not a loop.
    wait_for(lambda: wg_service(cell)["state"] == "failed", 30, 0.5, what="wireguard failed")
    notes = [ln["text"] for ln in wg_log(cell) if ln["stream"] == "picd"]
    assert notes.count("start command exited with status 2") == 5
    assert "5 exits within 60 s: failed; restart it to try again" in notes


def test_back_to_auto_recovers_live_with_a_handshake(cell, lab, module_absent):
    assert wg_service(cell)["state"] == "failed"
    set_implementation(cell, "auto")
    # At once, not after a backoff: the setting changed its files.
    wait_for(lambda: wg_go_pid(cell), 10, what="wireguard-go ready again")
    notes = [ln["text"] for ln in wg_log(cell) if ln["stream"] == "picd"]
    assert "its config changed: starting it again now" in notes
    assert status(cell)["implementation"] == "userspace"
    assert interface_answers(lab, cell)

    # A peer brings its tunnel up from the config it downloads: a handshake.
    api = cell.control()
    peer = api.post("/api/peers", {"name": "laptop"}, expect=201).json
    conf = api.get("/api/peers/laptop/config?format=conf", expect=200).raw.decode()
    conf = "\n".join(ln for ln in conf.splitlines() if not ln.startswith("DNS =")) + "\n"
    f = lab.client_conf()
    f.write_text(conf)
    f.chmod(0o600)
    p = ns_run(lab.client_ns, ["wg-quick", "up", str(f)], env=USERSPACE, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert lab.ping("10.0.0.1"), "no answer from the cell through the tunnel"
    dump = ns_run(lab.cell_ns, ["wg", "show", lab.wg_cell, "dump"], check=True).stdout.splitlines()[1:]
    handshakes = {ln.split("\t")[0]: int(ln.split("\t")[4]) for ln in dump}
    assert handshakes[peer["public_key"]] > 0, "no handshake recorded by the cell"


def test_unconfirmed_kernel_rolls_back_by_itself(cell, lab, module_absent):
    """The admin who forces "kernel" through the VPN loses the VPN, so
    cannot confirm: the confirm window brings wireguard-go back."""
    go_pid = wg_go_pid(cell)
    assert go_pid
    set_implementation(cell, "kernel", timeout_s=5, confirm=False)
    wait_for(lambda: wg_service(cell)["state"] in ("backoff", "failed"), 10, what="wireguard down")
    assert status(cell)["implementation"] == "kernel"
    wait_for(lambda: cell.config()["wireguard"]["implementation"] == "auto", 15, 0.2, what="the rollback")
    wait_for(lambda: wg_go_pid(cell), 10, what="wireguard-go back")
    assert wg_go_pid(cell) != go_pid
    assert status(cell)["implementation"] == "userspace"
    assert interface_answers(lab, cell)
    # The peer's tunnel comes back by itself (its client retries).
    wait_for(lambda: lab.ping("10.0.0.1", count=1), 30, 0.5, what="tunnel back")


def test_bad_setting_is_refused_naming_the_field(cell):
    api = cell.control()
    rev = cell.revision()
    for bad in ("Kernel", "wireguard-go", "", 1, None):
        e = api.put("/api/config", {"wireguard": {"implementation": bad}}, expect=400).error
        assert e["field"] == "wireguard.implementation", e
    e = api.put("/api/config", {"wireguard": {"implemantation": "auto"}}, expect=400).error
    assert "implemantation" in e["field"]
    assert cell.revision() == rev
    assert api.get("/api/config/pending", expect=200).json["changes"] == {}


@pytest.mark.skip(reason="NOT RUN on this machine: its kernel has no WireGuard module. "
                         "Remove this mark on a kernel with the module.")
def test_kernel_path_where_the_module_exists(cell, lab):
    """Written for a kernel with WireGuard, never run here: forced kernel
    (auto would pick it too) makes a kernel link with no process, which the
    same bring-up configures, and a stop deletes it."""
    assert lab.kernel_has_wireguard()
    set_implementation(cell, "kernel")
    wait_for(lambda: wg_service(cell)["state"] == "ready" and wg_service(cell)["pid"] is None, 10,
             what="the kernel interface ready")
    st = status(cell)
    assert st["implementation"] == "kernel" and st["running"] is True
    kind = ns_run(lab.cell_ns, ["ip", "-d", "-j", "link", "show", "dev", lab.wg_cell], check=True).stdout
    assert '"info_kind":"wireguard"' in kind
    assert interface_answers(lab, cell)
    set_implementation(cell, "userspace")
    wait_for(lambda: wg_go_pid(cell), 10, what="wireguard-go instead")
    assert '"info_kind":"tun"' in ns_run(lab.cell_ns, ["ip", "-d", "-j", "link", "show", "dev", lab.wg_cell],
                                         check=True).stdout
