"""Cell configuration: immediate and staged changes, apply with a confirm
window, automatic rollback (also across a restart of picd), discard."""

import time

from conftest import wait_for

DEV_PORTS = {"ui": 8081, "api": 3000, "dns": 5353, "dhcp": 0, "ntp": 11123, "wireguard": 51820,
             "smtp": 2525, "submission": 2587, "imaps": 2993, "http": 8080, "https": 8443}


def _revisions(cell, limit=10):
    return cell.control().get(f"/api/revisions?limit={limit}", expect=200).json["revisions"]


def test_defaults(cell):
    # `pic init` gave the dev ports; the fixture then moved ui, api, dns and ntp
    # to free ports of this cell's own (test setup, see conftest Cell.init).
    assert cell.init_ports == {"ui": DEV_PORTS["ui"], "api": DEV_PORTS["api"], "dns": DEV_PORTS["dns"]}
    c = cell.config()
    rev = c.pop("revision")
    assert isinstance(rev, int)
    assert c == {
        "cell_name": "test", "domain": "cell", "vpn_address": "10.0.0.1/24", "ip_range": "172.20.0.0/24",
        "public_endpoint": "", "profile": "dev",
        "ports": {**DEV_PORTS, "ui": cell.ui_port, "api": cell.api_port, "dns": cell.dns_port,
                  "ntp": cell.ntp_port},
        "dns": {"forwarders": [], "forward_tls": False},
        "dhcp": {"enabled": False, "interface": "", "range_start": "", "range_end": "", "router": "",
                 "lease_time": 43200},
        # The fixture empties ntp.servers (no test reaches a public pool);
        # a new cell has ["pool.ntp.org"] and local_stratum 0.
        "ntp": {"servers": [], "local_stratum": 8, "allow": []},
        "wireguard": {"interface": "", "uplink": "", "peer_to_peer": False,  # the fixture turns it off
                      "implementation": "auto"},
        "service_ips": {"webui": "172.20.0.1", "dns": "172.20.0.2", "ntp": "172.20.0.3",
                        "mail": "172.20.0.4", "calendar": "172.20.0.5", "files": "172.20.0.6"},
    }
    p = cell.control().get("/api/config/pending", expect=200).json
    assert p == {"changes": {}, "confirm": None}


def test_public_endpoint_applies_at_once(cell):
    rev = cell.revision()
    r = cell.control().put("/api/config", {"public_endpoint": "cell.example.org"}, expect=200).json
    assert r["applied"] == ["public_endpoint"] and r["staged"] == []
    assert r["config"]["public_endpoint"] == "cell.example.org"
    assert r["config"]["revision"] == rev + 1
    assert r["pending"] == {"changes": {}, "confirm": None}
    c = cell.config()
    assert c["public_endpoint"] == "cell.example.org" and c["revision"] == rev + 1
    last = _revisions(cell, 1)[0]
    assert last["number"] == rev + 1
    assert {"entity": "config", "key": "public_endpoint", "before": "", "after": "cell.example.org"} \
        in last["diff"]["changes"]
    # An IPv4 address and "" are endpoints too.
    cell.control().put("/api/config", {"public_endpoint": "192.0.2.7"}, expect=200)
    cell.control().put("/api/config", {"public_endpoint": ""}, expect=200)
    assert cell.config()["public_endpoint"] == ""


def test_domain_is_staged(cell):
    before = cell.config()
    r = cell.control().put("/api/config", {"domain": "home.arpa"}, expect=200).json
    assert r["applied"] == [] and r["staged"] == ["domain"]
    assert r["config"]["domain"] == "cell"
    assert r["pending"]["changes"] == {"domain": {"from": "cell", "to": "home.arpa"}}
    after = cell.config()
    assert after["domain"] == "cell"
    assert {k: v for k, v in after.items() if k != "revision"} == \
        {k: v for k, v in before.items() if k != "revision"}
    p = cell.control().get("/api/config/pending", expect=200).json
    assert p == {"changes": {"domain": {"from": "cell", "to": "home.arpa"}}, "confirm": None}
    # Staging twice keeps the first "from" and the last "to".
    cell.control().put("/api/config", {"domain": "lan.example"}, expect=200)
    p = cell.control().get("/api/config/pending", expect=200).json
    assert p["changes"] == {"domain": {"from": "cell", "to": "lan.example"}}


def test_mixed_update(cell):
    r = cell.control().put("/api/config", {"public_endpoint": "mix.example.org", "cell_name": "other",
                                           "ports": {"dns": cell.dns_port + 1}}, expect=200).json
    assert r["applied"] == ["public_endpoint"]
    assert "cell_name" in r["staged"] and any(s.startswith("ports") for s in r["staged"])
    changes = r["pending"]["changes"]
    assert changes["cell_name"] == {"from": "test", "to": "other"}
    ports = changes.get("ports.dns") or changes.get("ports")
    assert ports is not None, changes
    if "ports.dns" in changes:
        assert ports == {"from": cell.dns_port, "to": cell.dns_port + 1}
    c = cell.config()
    assert c["public_endpoint"] == "mix.example.org" and c["cell_name"] == "test" and c["ports"]["dns"] == cell.dns_port


def test_apply_and_confirm(cell):
    prev = cell.revision()
    cell.control().put("/api/config", {"domain": "home.arpa", "ip_range": "192.168.50.0/24",
                                       "ports": {"dhcp": 67}}, expect=200)
    staged_rev = cell.revision()
    a = cell.control().post("/api/config/apply", {"timeout_s": 120}, expect=200).json
    assert a["revision"] > staged_rev >= prev
    assert a["previous_revision"] < a["revision"]
    assert 110 <= a["seconds_left"] <= 120
    c = cell.config()
    assert c["domain"] == "home.arpa" and c["ip_range"] == "192.168.50.0/24" and c["ports"]["dhcp"] == 67
    assert c["service_ips"] == {"webui": "192.168.50.1", "dns": "192.168.50.2", "ntp": "192.168.50.3",
                                "mail": "192.168.50.4", "calendar": "192.168.50.5", "files": "192.168.50.6"}
    p = cell.control().get("/api/config/pending", expect=200).json
    assert p["changes"] == {}
    assert p["confirm"]["revision"] == a["revision"]
    assert p["confirm"]["previous_revision"] == a["previous_revision"]
    assert p["confirm"]["deadline"] == a["deadline"]
    # A second apply while the confirm waits: 409 (even with something staged).
    cell.control().put("/api/config", {"cell_name": "again"}, expect=200)
    r = cell.control().post("/api/config/apply", {"timeout_s": 30}, expect=409)
    assert r.error["code"] == "conflict"
    cell.control().delete("/api/config/pending", expect=204)
    r = cell.control().post("/api/config/confirm", expect=200).json
    assert r["revision"] >= a["revision"]
    assert cell.control().get("/api/config/pending", expect=200).json == {"changes": {}, "confirm": None}
    cell.control().post("/api/config/confirm", expect=409)
    assert cell.config()["domain"] == "home.arpa"


def test_apply_default_timeout(cell):
    cell.control().put("/api/config", {"cell_name": "renamed"}, expect=200)
    a = cell.control().post("/api/config/apply", expect=200).json
    assert 50 <= a["seconds_left"] <= 60
    cell.control().post("/api/config/confirm", expect=200)
    assert cell.config()["cell_name"] == "renamed"


def _wait_rolled_back(cell, field, value, timeout):
    return wait_for(lambda: cell.config()[field] == value, timeout, interval=0.2,
                    what=f"{field} back to {value!r}")


def _assert_rollback_revision(cell, after_revision):
    revs = [r for r in _revisions(cell, 20) if r["number"] > after_revision]
    auto = [r for r in revs if r["actor"] == "system" and r["summary"].startswith("automatic rollback")]
    assert len(auto) == 1, revs


def test_apply_without_confirm_rolls_back(cell):
    cell.control().put("/api/config", {"domain": "home.arpa", "vpn_address": "10.9.0.1/24"}, expect=200)
    a = cell.control().post("/api/config/apply", {"timeout_s": 5}, expect=200).json
    assert cell.config()["domain"] == "home.arpa"
    t0 = time.monotonic()
    _wait_rolled_back(cell, "domain", "cell", 9)
    assert time.monotonic() - t0 >= 3, "rolled back well before the deadline"
    c = cell.config()
    assert c["vpn_address"] == "10.0.0.1/24"
    _assert_rollback_revision(cell, a["revision"])
    assert cell.control().get("/api/config/pending", expect=200).json == {"changes": {}, "confirm": None}
    cell.control().post("/api/config/confirm", expect=409)


def test_rollback_survives_restart(cell):
    cell.control().put("/api/config", {"domain": "home.arpa"}, expect=200)
    a = cell.control().post("/api/config/apply", {"timeout_s": 5}, expect=200).json
    t0 = time.monotonic()
    assert cell.config()["domain"] == "home.arpa"
    rc = cell.stop()
    assert rc == 0
    cell.proc = None
    # Wait past the deadline while picd is down.
    time.sleep(max(0.0, a["seconds_left"] + 1.5 - (time.monotonic() - t0)))
    cell.start()
    _wait_rolled_back(cell, "domain", "cell", 3)
    _assert_rollback_revision(cell, a["revision"])


def test_confirm_window_survives_restart(cell):
    cell.control().put("/api/config", {"domain": "home.arpa"}, expect=200)
    a = cell.control().post("/api/config/apply", {"timeout_s": 300}, expect=200).json
    cell.restart()
    p = cell.control().get("/api/config/pending", expect=200).json
    assert p["confirm"] is not None and p["confirm"]["revision"] == a["revision"]
    assert p["confirm"]["deadline"] == a["deadline"]
    cell.control().post("/api/config/confirm", expect=200)
    assert cell.config()["domain"] == "home.arpa"


def test_discard_pending(cell):
    cell.control().put("/api/config", {"domain": "home.arpa", "ports": {"ui": 9000}}, expect=200)
    assert cell.control().get("/api/config/pending").json["changes"]
    cell.control().delete("/api/config/pending", expect=204)
    assert cell.control().get("/api/config/pending", expect=200).json == {"changes": {}, "confirm": None}
    c = cell.config()
    assert c["domain"] == "cell" and c["ports"]["ui"] == cell.ui_port
    r = cell.control().post("/api/config/apply", {"timeout_s": 30}, expect=409)
    assert r.error["code"] == "conflict"


def test_nothing_to_apply_or_confirm(cell):
    rev = cell.revision()
    cell.control().post("/api/config/apply", expect=409)
    cell.control().post("/api/config/apply", {"timeout_s": 60}, expect=409)
    cell.control().post("/api/config/confirm", expect=409)
    assert cell.revision() == rev


def test_apply_timeout_bounds(cell):
    cell.control().put("/api/config", {"domain": "home.arpa"}, expect=200)
    for t in (4, 3601, 0, -5, "60", 60.5, None):
        r = cell.control().post("/api/config/apply", {"timeout_s": t}, expect=400)
        assert r.error.get("field") == "timeout_s", (t, r)
    r = cell.control().post("/api/config/apply", {"timeout": 60}, expect=400)
    assert r.error.get("field") == "timeout"
    assert cell.control().get("/api/config/pending").json["confirm"] is None
    cell.control().post("/api/config/apply", {"timeout_s": 3600}, expect=200)
    cell.control().post("/api/config/confirm", expect=200)


def test_validation(cell):
    bad = [
        ({"cell_name": "Upper"}, "cell_name"),
        ({"cell_name": "-dash"}, "cell_name"),
        ({"cell_name": "a" * 33}, "cell_name"),
        ({"cell_name": ""}, "cell_name"),
        ({"domain": "a..b"}, "domain"),
        ({"domain": "-a.cell"}, "domain"),
        ({"domain": "cell."}, "domain"),
        ({"domain": "a" * 64 + ".cell"}, "domain"),
        ({"domain": "UPPER.cell"}, "domain"),
        ({"domain": ""}, "domain"),
        ({"vpn_address": "10.0.0.0/24"}, "vpn_address"),
        ({"vpn_address": "10.0.0.1/31"}, "vpn_address"),
        ({"vpn_address": "10.0.0.1/7"}, "vpn_address"),
        ({"vpn_address": "10.0.0.1"}, "vpn_address"),
        ({"vpn_address": "10.0.0.256/24"}, "vpn_address"),
        ({"vpn_address": "010.0.0.1/24"}, "vpn_address"),
        ({"ip_range": "100.64.0.0/24"}, "ip_range"),
        ({"ip_range": "172.20.0.1/24"}, "ip_range"),
        ({"ip_range": "172.20.0.0/30"}, "ip_range"),
        ({"ip_range": "172.16.0.0/15"}, "ip_range"),
        ({"ip_range": "10.0.0.0/24"}, "ip_range"),
        ({"ip_range": "10.0.0.0/16"}, "ip_range"),
        ({"public_endpoint": "bad host"}, "public_endpoint"),
        ({"public_endpoint": "https://x.org"}, "public_endpoint"),
        ({"public_endpoint": "x.org:51820"}, "public_endpoint"),
        ({"ports": {"dns": 0}}, "ports.dns"),
        ({"ports": {"dns": 65536}}, "ports.dns"),
        ({"ports": {"ui": -1}}, "ports.ui"),
        ({"ports": {"dhcp": -1}}, "ports.dhcp"),
        ({"ports": {"dhcp": 65536}}, "ports.dhcp"),
        ({"profile": "system"}, "profile"),
        ({"revision": 5}, "revision"),
        ({"service_ips": {}}, "service_ips"),
    ]
    rev = cell.revision()
    for body, field in bad:
        r = cell.control().put("/api/config", body, expect=400)
        assert r.error["code"] == "invalid_argument" and r.error.get("field") == field, (body, r)
    assert cell.revision() == rev
    assert cell.control().get("/api/config/pending").json["changes"] == {}
    # One bad field spoils the whole request.
    cell.control().put("/api/config", {"public_endpoint": "ok.example.org", "domain": "a..b"}, expect=400)
    assert cell.config()["public_endpoint"] == ""
    # Limits that are fine.
    ok = [{"ports": {"dhcp": 0}}, {"ports": {"dns": 1, "https": 65535}}, {"vpn_address": "10.1.2.3/8"},
          {"vpn_address": "10.8.0.1/30"}, {"ip_range": "192.168.0.0/16"}, {"ip_range": "172.31.255.248/29"},
          {"cell_name": "a" * 32}, {"domain": "a-b.c-d.e"}]
    for body in ok:
        cell.control().put("/api/config", body, expect=200)


def test_ip_range_must_not_overlap_staged_vpn(cell):
    # The check is against the VPN subnet the config will have.
    r = cell.control().put("/api/config", {"vpn_address": "192.168.7.1/24", "ip_range": "192.168.7.0/24"},
                           expect=400)
    assert r.error.get("field") in ("ip_range", "vpn_address")


def test_user_reads_config_only(cell):
    cell.create_user("bob", "bob-password")
    api = cell.api(cell.login("bob", "bob-password"))
    api.get("/api/config", expect=200)
    api.put("/api/config", {"public_endpoint": "x.example.org"}, expect=403)
    api.get("/api/config/pending", expect=403)
    api.post("/api/config/apply", expect=403)
    api.post("/api/config/confirm", expect=403)
    api.delete("/api/config/pending", expect=403)


def test_rollback_survives_kill9(cell):
    cell.control().put("/api/config", {"cell_name": "renamed"}, expect=200)
    a = cell.control().post("/api/config/apply", {"timeout_s": 5}, expect=200).json
    t0 = time.monotonic()
    assert cell.config()["cell_name"] == "renamed"
    cell.kill9()
    time.sleep(max(0.0, a["seconds_left"] + 1.5 - (time.monotonic() - t0)))
    cell.start()
    _wait_rolled_back(cell, "cell_name", "test", 3)
    _assert_rollback_revision(cell, a["revision"])


def test_restart_inside_window_keeps_deadline(cell):
    cell.control().put("/api/config", {"cell_name": "renamed"}, expect=200)
    a = cell.control().post("/api/config/apply", {"timeout_s": 6}, expect=200).json
    t0 = time.monotonic()
    cell.restart()
    # Still inside the window after the restart: not rolled back yet ...
    if time.monotonic() - t0 < 4:
        assert cell.config()["cell_name"] == "renamed"
    # ... and rolled back at the original deadline, not a fresh one.
    _wait_rolled_back(cell, "cell_name", "test", max(1.0, a["seconds_left"] + 3 - (time.monotonic() - t0)))
