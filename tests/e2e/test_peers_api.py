"""The VPN's peers through the API: keys made by the cell or supplied by
the client, addresses from the VPN subnet, the peer's config and its QR
code (decoded by zbarimg byte for byte), the peer's name in the cell's DNS,
and bad input refused before it reaches a file."""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import run, wait_for

ZONE = "test.cell"
ZBARIMG = "/usr/bin/zbarimg"


@pytest.fixture(scope="module")
def api(shared_cell):
    a = shared_cell.control()
    a.put("/api/config", {"public_endpoint": "vpn.example.org"}, expect=200)
    return a


def dig(cell, name):
    out = run(["dig", "@127.0.0.1", "-p", str(cell.dns_port), "+time=1", "+tries=1", "+short", name]).stdout
    return [ln for ln in out.splitlines() if ln and not ln.startswith(";")]


def secrets(cell, name):
    d = cell.dir / "secrets" / "peers"
    return sorted(p.name for p in d.glob(f"{name}.*"))


def test_create_with_cell_keys(shared_cell, api):
    p = api.post("/api/peers", {"name": "phone", "services": ["dns", "calendar"]}, expect=201).json
    assert p["ip"] == "10.0.0.2" and p["key_kept_by_cell"] is True and p["enabled"] is True
    assert p["services"] == ["dns", "calendar"] and p["keepalive"] == 25 and p["expires"] is None
    assert p["fqdn"] == f"phone.peers.{ZONE}"
    assert secrets(shared_cell, "phone") == ["phone.key", "phone.psk"]
    for f in ("phone.key", "phone.psk"):
        assert (shared_cell.dir / "secrets" / "peers" / f).stat().st_mode & 0o777 == 0o600
    # Its name is in the zone, live.
    wait_for(lambda: dig(shared_cell, f"phone.peers.{ZONE}") == ["10.0.0.2"], 2.0, 0.02, "peer name resolves")
    # The key material is in no revision.
    rev = api.get("/api/revisions?limit=1", expect=200).json["revisions"][0]
    text = str(rev)
    key = (shared_cell.dir / "secrets" / "peers" / "phone.key").read_text().strip()
    assert key not in text and "private" not in text


def test_next_address_and_both_paths(api):
    p = api.post("/api/wireguard/peers", {"name": "laptop"}, expect=201).json
    assert p["ip"] == "10.0.0.3"
    names = [x["name"] for x in api.get("/api/wireguard/peers", expect=200).json["peers"]]
    assert names == [x["name"] for x in api.get("/api/peers", expect=200).json["peers"]]
    assert "laptop" in names and "phone" in names
    found = api.get("/api/peers?search=lap", expect=200).json
    assert found["total"] == 1 and found["peers"][0]["name"] == "laptop"


def test_config_and_qr_round_trip(shared_cell, api, tmp_path):
    c = api.get("/api/peers/phone/config", expect=200).json
    conf = c["config"]
    key = (shared_cell.dir / "secrets" / "peers" / "phone.key").read_text().strip()
    psk = (shared_cell.dir / "secrets" / "peers" / "phone.psk").read_text().strip()
    assert f"PrivateKey = {key}" in conf and f"PresharedKey = {psk}" in conf
    assert "Address = 10.0.0.2/32" in conf and "Endpoint = vpn.example.org:" in conf
    assert c["filename"] == "phone.conf" and c["qr_svg"].startswith("<")
    r = api.get("/api/peers/phone/config?format=conf", expect=200)
    assert r.raw.decode() == conf
    assert r.headers["Content-Disposition"] == 'attachment; filename="phone.conf"'
    svg = api.get("/api/peers/phone/config?format=svg", expect=200)
    assert svg.headers["Content-Type"] == "image/svg+xml" and svg.raw.decode() == c["qr_svg"]
    png = api.get("/api/peers/phone/config?format=png", expect=200)
    assert png.headers["Content-Type"] == "image/png" and png.raw[:8] == b"\x89PNG\r\n\x1a\n"
    if not os.access(ZBARIMG, os.X_OK):
        pytest.fail("zbarimg is missing: make deps-test installs zbar-tools")
    f = tmp_path / "qr.png"
    f.write_bytes(png.raw)
    p = subprocess.run([ZBARIMG, "--nodbus", "--raw", "-q", "--oneshot", "-Sdisable", "-Sqrcode.enable", "-Sbinary",
                        str(f)], capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == conf  # byte for byte
    api.get("/api/peers/phone/config?format=pdf", expect=400)
    api.get("/api/peers/nobody/config", expect=404)


def test_client_supplied_key(shared_cell, api):
    pub = "uTOmHXfdbhuBMTiBYWqx87TldoGJyXVWt3sjTNLCR0M="
    p = api.post("/api/peers", {"name": "own-key", "public_key": pub, "full_tunnel": True}, expect=201).json
    assert p["public_key"] == pub and p["key_kept_by_cell"] is False
    assert secrets(shared_cell, "own-key") == ["own-key.psk"]
    conf = api.get("/api/peers/own-key/config", expect=200).json["config"]
    assert "\nPrivateKey" not in conf and "# PrivateKey" in conf
    assert "AllowedIPs = 0.0.0.0/0" in conf
    r = api.post("/api/peers", {"name": "copy", "public_key": pub}, expect=409)
    assert r.json["error"]["field"] == "public_key"


def test_an_expired_peer_can_be_sent_back_whole(shared_cell, api):
    """A form sends the whole peer: its past expiry, untouched, is no error;
    a different past time still is."""
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    api.post("/api/peers", {"name": "lapsing", "expires": soon}, expect=201)
    wait_for(lambda: api.get("/api/peers/lapsing", expect=200).json["expired"], 10, 0.2, "the peer expired")
    p = api.put("/api/peers/lapsing", {"keepalive": 10, "expires": soon}, expect=200).json
    assert p["keepalive"] == 10 and p["expires"] == soon and p["expired"] is True
    r = api.put("/api/peers/lapsing", {"expires": "2001-01-01T00:00:00Z"}, expect=400)
    assert r.json["error"]["field"] == "expires"
    p = api.put("/api/peers/lapsing", {"expires": None}, expect=200).json
    assert p["expires"] is None and p["expired"] is False
    api.delete("/api/peers/lapsing", expect=204)


def test_update_and_delete(shared_cell, api):
    p = api.put("/api/peers/laptop", {"services": ["files"], "enabled": False, "keepalive": 0,
                                      "expires": "2099-01-01T00:00:00Z"}, expect=200).json
    assert p["services"] == ["files"] and p["enabled"] is False and p["expires"] == "2099-01-01T00:00:00Z"
    before = shared_cell.revision()
    api.put("/api/peers/laptop", {"services": ["files"]}, expect=200)
    assert shared_cell.revision() == before  # no-op: no revision
    for body, field in [({"name": "x"}, "name"), ({"ip": "10.0.0.9"}, "ip"), ({"public_key": "x"}, "public_key")]:
        r = api.put("/api/peers/laptop", body, expect=400)
        assert r.json["error"]["field"] == field
    api.delete("/api/peers/laptop", expect=204)
    api.delete("/api/peers/laptop", expect=404)
    assert secrets(shared_cell, "laptop") == []
    wait_for(lambda: dig(shared_cell, f"laptop.peers.{ZONE}") == [], 2.0, 0.02, "name gone")


INJECTIONS = ["a\nb", "a\rb", 'a"b', "a'b", "a b", "a{b", "a}b", "../x", "a;b", "A", "-a", "a" * 33, "[Peer]"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_the_name_never_reaches_a_file(shared_cell, api, value):
    r = api.post("/api/peers", {"name": value}, expect=400)
    assert r.json["error"]["field"] == "name"
    if any(c in value for c in "\n\r\"'{}; [") or "../" in value:
        for path in (shared_cell.dir / "config").rglob("*"):
            if path.is_file():
                assert value not in path.read_text(errors="replace"), path
    assert not any(value in p.name for p in (shared_cell.dir / "secrets" / "peers").iterdir())


@pytest.mark.parametrize("body,field", [
    ({"name": "k1", "public_key": "not a key"}, "public_key"),
    ({"name": "k2", "public_key": "uTOmHXfdbhuBMTiBYWqx87TldoGJyXVWt3sjTNLCR0M=\n"}, "public_key"),
    ({"name": "k3", "public_key": "uTOmHXfdbhuBMTiBYWqx87TldoGJyXVWt3sjTNLCR0N="}, "public_key"),  # padding bits
    ({"name": "i1", "ip": "10.0.0.1"}, "ip"),      # the cell itself
    ({"name": "i2", "ip": "10.0.0.255"}, "ip"),    # broadcast
    ({"name": "i3", "ip": "192.168.9.9"}, "ip"),   # outside the VPN
    ({"name": "i4", "ip": "10.0.0.2"}, "ip"),      # phone's
    ({"name": "s1", "services": ["ssh"]}, "services"),
    ({"name": "s2", "services": "dns"}, "services"),
    ({"name": "t1", "keepalive": 3601}, "keepalive"),
    ({"name": "t2", "keepalive": "25"}, "keepalive"),
    ({"name": "e1", "expires": "2000-01-01T00:00:00Z"}, "expires"),
    ({"name": "e2", "expires": "tomorrow"}, "expires"),
    ({"name": "e3", "expires": "2099-02-30T00:00:00Z"}, "expires"),
    ({"name": "f1", "full_tunnel": "yes"}, "full_tunnel"),
    ({"name": "x1", "extra": 1}, "extra"),
    ({"name": "phone"}, "name"),                  # taken: 409
])
def test_bad_peers_are_refused_naming_the_field(api, body, field):
    r = api.post("/api/peers", body)
    assert r.status in (400, 409), r
    assert r.json["error"]["field"] == field, r.json


def test_peer_names_survive_a_restart(cell):
    api = cell.control()
    api.post("/api/peers", {"name": "tablet"}, expect=201)
    cell.restart()
    wait_for(lambda: dig(cell, f"tablet.peers.{ZONE}") == ["10.0.0.2"], 5.0, 0.05, "name after restart")
    assert (cell.dir / "secrets" / "wireguard.key").stat().st_mode & 0o777 == 0o600
