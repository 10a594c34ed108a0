"""`pic dns`, `pic dhcp`, `pic ntp` and the typed fields of `pic config set`
(lists, booleans, integers) against a real cell: each verb's readable and
--json output, usage errors (exit 2, found before any connection), and
refusals (exit 1, with picd's message and the field it names).

Run with Debian's pytest: /usr/bin/python3 -m pytest tests/e2e/test_cli_network.py
PIC_BUILD names the build directory. The cells are conftest's (`test.cell`);
traffic goes only to their unix sockets and to 127.0.0.1: forwarders and NTP
servers set here are loopback addresses, and DHCP is never turned on.
"""

import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import PIC, wait_for

ZONE = "test.cell"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


# ---------------------------------------------------------------- helpers


def pic(dir, *args, timeout=60):
    """pic --dir DIR ARGS; a sanitizer report on stderr fails the test
    whatever the exit code."""
    argv = [str(PIC), "--dir", str(dir)] + [str(a) for a in args]
    env = {k: v for k, v in os.environ.items() if k not in ("PIC_DIR", "PIC_TOKEN")}
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, f"{argv}: sanitizer report:\n{p.stderr}"
    return p


def ok(p):
    assert p.returncode == 0, f"{p.args} -> {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def fails(p, code, field=None):
    """Exit `code` with a message; for a refusal, the field picd named."""
    assert p.returncode == code, (f"{p.args}: expected exit {code}, got {p.returncode}\n"
                                  f"stdout: {p.stdout}\nstderr: {p.stderr}")
    assert p.stderr.startswith("pic"), f"{p.args}: exit {code} without a message: {p.stderr!r}"
    if field is not None:
        assert f"(field: {field})" in p.stderr, f"{p.args}: want field {field}: {p.stderr}"
    return p


def as_json(p):
    ok(p)
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise AssertionError(f"{p.args}: stdout is not JSON ({e}):\n{p.stdout}") from None


def table(stdout):
    """Rows of a column table (header first), split on runs of 2+ spaces."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


def fields(stdout):
    """`key: value` lines as a dict."""
    out = {}
    for line in stdout.splitlines():
        k, sep, v = line.partition(":")
        if sep and not k.startswith(" "):
            out.setdefault(k.strip(), v.strip())
    return out


@pytest.fixture(scope="module")
def c(shared_cell):
    """(cell, pic bound to its directory)."""
    return shared_cell, lambda *args, **kw: pic(shared_cell.dir, *args, **kw)


def _records(cell):
    return cell.control().get("/api/dns/records", expect=200).json["records"]


def _config(cell):
    return cell.control().get("/api/config", expect=200).json


def _settings(cell):
    """The configuration without its revision number, to compare after a
    test has put things back (which takes revisions)."""
    return {k: v for k, v in _config(cell).items() if k != "revision"}


# ---------------------------------------------------------------- no picd needed

VERB_PATHS = [
    ["dns"], ["dns", "list"], ["dns", "show"], ["dns", "add"], ["dns", "set"], ["dns", "rm"],
    ["dhcp"], ["dhcp", "show"], ["dhcp", "set"], ["dhcp", "reservations"], ["dhcp", "reserve"],
    ["dhcp", "unreserve"], ["dhcp", "leases"],
    ["ntp"], ["ntp", "status"], ["ntp", "set"],
]


def test_top_level_help_lists_the_verbs(tmp_path):
    p = ok(pic(tmp_path, "--help"))
    for verb in ("dns", "dhcp", "ntp"):
        assert f"\n  {verb} " in p.stdout, verb
    for verb in ("dns", "dhcp", "ntp"):
        assert ok(pic(tmp_path, "help", verb)).stdout == ok(pic(tmp_path, verb, "--help")).stdout


@pytest.mark.parametrize("path", VERB_PATHS, ids=" ".join)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_on_every_verb(path, flag, tmp_path):
    p = ok(pic(tmp_path, *path, flag))
    assert p.stdout.startswith("Usage: pic " + " ".join(path)), p.stdout
    assert p.stderr == ""
    if len(path) == 2:
        assert "--json" in p.stdout and "--help" in p.stdout


def test_help_says_what_matters(tmp_path):
    for path, words in ((["dns", "add"], ["--ttl", "--priority", "--weight", "--port", "MX", "SRV", "@"]),
                        (["dns", "set"], ["ID", "Replace record ID as a whole", "default"]),
                        (["dns", "list"], ["--search", "--type", "--limit", "--offset"]),
                        (["dhcp", "set"], ["--enable", "--disable", "--interface", "--range START END",
                                           "--router", "--lease-time"]),
                        (["dhcp", "reserve"], ["MAC", "IP", "--name", "--replace"]),
                        (["ntp", "set"], ["--server", "--local-stratum", "--allow", "--no-servers", "--no-allow"]),
                        (["config", "set"], ["dns.forwarders", "dns.forward_tls", "dhcp.enabled",
                                             "dhcp.lease_time", "ntp.servers", "ntp.local_stratum", "ntp.allow",
                                             "--empty", "FIELD=A,B,C"])):
        p = ok(pic(tmp_path, *path, "--help"))
        for w in words:
            assert w in p.stdout, (path, w)


@pytest.mark.parametrize("args", [
    ["dns"],
    ["dns", "nope"],
    ["dns", "list", "extra"],
    ["dns", "list", "--limit", "many"],
    ["dns", "list", "--offset"],
    ["dns", "list", "--bogus"],
    ["dns", "show"],
    ["dns", "show", "abc"],
    ["dns", "show", "0"],
    ["dns", "show", "1", "2"],
    ["dns", "add"],
    ["dns", "add", "www", "A"],
    ["dns", "add", "www", "A", "192.0.2.1", "extra"],
    ["dns", "add", "www", "A", "192.0.2.1", "--ttl", "soon"],
    ["dns", "add", "www", "A", "192.0.2.1", "--ttl"],
    ["dns", "add", "m", "MX", "mail", "--priority", "high"],
    ["dns", "add", "s", "SRV", "x", "--port", "1.5"],
    ["dns", "set", "www", "A", "192.0.2.1"],
    ["dns", "set", "x", "www", "A", "192.0.2.1"],
    ["dns", "set", "0", "www", "A", "192.0.2.1"],
    ["dns", "rm"],
    ["dns", "rm", "abc"],
    ["dns", "rm", "1", "2"],
    ["dhcp"],
    ["dhcp", "nope"],
    ["dhcp", "show", "extra"],
    ["dhcp", "set"],
    ["dhcp", "set", "extra"],
    ["dhcp", "set", "--enable", "--disable"],
    ["dhcp", "set", "--range", "192.168.1.10"],
    ["dhcp", "set", "--range", "192.168.1.10", "--router", "192.168.1.1"],
    ["dhcp", "set", "--lease-time", "long"],
    ["dhcp", "set", "--interface"],
    ["dhcp", "reservations", "extra"],
    ["dhcp", "reserve"],
    ["dhcp", "reserve", "aa:bb:cc:dd:ee:ff"],
    ["dhcp", "reserve", "aa:bb:cc:dd:ee:ff", "192.168.1.10", "extra"],
    ["dhcp", "reserve", "aa:bb:cc:dd:ee:ff", "192.168.1.10", "--name"],
    ["dhcp", "unreserve"],
    ["dhcp", "unreserve", "a", "b"],
    ["dhcp", "leases", "extra"],
    ["ntp"],
    ["ntp", "nope"],
    ["ntp", "status", "extra"],
    ["ntp", "set"],
    ["ntp", "set", "extra"],
    ["ntp", "set", "--local-stratum", "high"],
    ["ntp", "set", "--server"],
    ["ntp", "set", "--server", "127.0.0.1", "--no-servers"],
    ["ntp", "set", "--allow", "10.9.0.0/24", "--no-allow"],
    ["config", "set", "dns.forwarders"],
    ["config", "set", "ntp.allow"],
    ["config", "set", "dns.forwarders", "127.0.0.2", "--empty"],
    ["config", "set", "--empty", "domain=x"],
    ["config", "set", "dns.forwarders", "127.0.0.2", "dns.forward_tls=true"],
    ["config", "set", "dns.forward_tls"],
], ids=lambda a: " ".join(a))
def test_usage_errors(args, tmp_path):
    # Found before any connection: exit 2 without a picd.
    p = fails(pic(tmp_path, *args), 2)
    assert "Usage: pic" in p.stderr
    assert p.stdout == ""


def test_unreachable(tmp_path):
    for args in (["dns", "list"], ["dhcp", "show"], ["dhcp", "leases"], ["ntp", "status"],
                 ["config", "set", "dns.forwarders", "--empty"]):
        p = fails(pic(tmp_path, *args), 3)
        assert "is picd running?" in p.stderr


# ---------------------------------------------------------------- dns


def test_dns_add_list_show_set_rm(c):
    cell, run = c
    rev = cell.revision()
    p = ok(run("dns", "add", "cli-www", "a", "192.0.2.1"))  # the type in either case
    m = re.fullmatch(r"Added record (\d+): cli-www A 192\.0\.2\.1 \(ttl 300\)\.\n", p.stdout)
    assert m, p.stdout
    www = int(m[1])
    p = ok(run("dns", "add", "cli-mail", "MX", "mail.example.org.", "--priority", "10", "--ttl", "60"))
    assert "MX mail.example.org. (priority 10, ttl 60)" in p.stdout
    srv = as_json(run("dns", "add", "_sip._tcp.cli", "SRV", "cli-www", "--priority", "1", "--weight", "5",
                      "--port", "5060", "--json"))
    assert (srv["priority"], srv["weight"], srv["port"], srv["fqdn"]) == (1, 5, 5060, f"_sip._tcp.cli.{ZONE}")
    txt = as_json(run("--json", "dns", "add", "cli-txt", "TXT", 'v=spf1 "quoted" mx -all'))
    assert txt["value"] == 'v=spf1 "quoted" mx -all'
    assert cell.revision() == rev + 4

    rows = table(ok(run("dns", "list", "--search", "cli")).stdout)
    assert rows[0] == ["ID", "NAME", "TYPE", "VALUE", "TTL", "EXTRA"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["cli-www"] == [str(www), "cli-www", "A", "192.0.2.1", "300"]
    assert by_name["cli-mail"][2:] == ["MX", "mail.example.org.", "60", "priority 10"]
    assert by_name["_sip._tcp.cli"][2:] == ["SRV", "cli-www", "300", "priority 1, weight 5, port 5060"]
    assert by_name["cli-txt"][2:] == ["TXT", 'v=spf1 "quoted" mx -all', "300"]
    # Sorted by name, as the API answers.
    assert [r[1] for r in rows[1:]] == sorted(by_name)

    # --json is the API's listing; --type filters (either case); pages.
    j = as_json(run("dns", "list", "--json", "--search", "cli"))
    assert j == cell.control().get("/api/dns/records?search=cli", expect=200).json and j["total"] == 4
    j = as_json(run("--json", "dns", "list", "--search", "cli", "--type", "mx"))
    assert [r["name"] for r in j["records"]] == ["cli-mail"] and j["total"] == 1
    p = ok(run("dns", "list", "--search", "cli", "--limit", "2", "--offset", "1"))
    assert len(table(p.stdout)) == 1 + 2 + 1 and "Records 2-3 of 4" in p.stdout
    j = as_json(run("--json", "dns", "list", "--search", "cli", "--limit", "2", "--offset", "1"))
    assert [r["name"] for r in j["records"]] == [r[1] for r in rows[2:4]] and j["total"] == 4
    assert ok(run("dns", "list", "--search", "no-such-thing")).stdout == "No matching records.\n"
    assert "No records past offset 100" in ok(run("dns", "list", "--search", "cli", "--offset", "100")).stdout

    p = ok(run("dns", "show", www))
    f = fields(p.stdout)
    assert f == {"id": str(www), "name": "cli-www", "fqdn": f"cli-www.{ZONE}", "type": "A", "value": "192.0.2.1",
                 "ttl": "300"}
    assert "priority" not in p.stdout
    assert fields(ok(run("dns", "show", by_name["cli-mail"][0])).stdout)["priority"] == "10"
    assert as_json(run("--json", "dns", "show", www)) == cell.control().get(f"/api/dns/records/{www}").json

    # set is a full replacement: A becomes MX, and back to A loses the priority.
    p = ok(run("dns", "set", www, "cli-www", "MX", "mx1.example.org.", "--priority", "5"))
    assert p.stdout == f"Replaced record {www}: cli-www MX mx1.example.org. (priority 5, ttl 300).\n"
    new = as_json(run("--json", "dns", "set", www, "cli-www", "A", "192.0.2.9", "--ttl", "120"))
    assert new == {"id": www, "name": "cli-www", "type": "A", "value": "192.0.2.9", "ttl": 120,
                   "fqdn": f"cli-www.{ZONE}"}

    # rm; a second time it is gone (404: exit 1).
    rev = cell.revision()
    assert ok(run("dns", "rm", www)).stdout == f"Removed record {www}.\n"
    assert cell.revision() == rev + 1
    fails(run("dns", "rm", www), 1)
    fails(run("dns", "show", www), 1)
    fails(run("dns", "set", www, "x", "TXT", "x"), 1)
    for rec in _records(cell):
        if "cli" in rec["name"]:
            assert as_json(run("--json", "dns", "rm", rec["id"])) == {}
    assert not [r for r in _records(cell) if "cli" in r["name"]]


@pytest.mark.parametrize("args,field", [
    (["a b", "A", "192.0.2.1"], "name"),
    (["UPPER", "A", "192.0.2.1"], "name"),
    (["x\ny", "A", "192.0.2.1"], "name"),
    (["bad", "A", "300.1.1.1"], "value"),
    (["bad", "A", "192.0.2.1", "--priority", "1"], "priority"),
    (["bad", "MX", "mail"], "priority"),
    (["bad", "MX", "mail", "--priority", "65536"], "priority"),
    (["bad", "MX", "mail", "--priority", "1", "--weight", "1"], "weight"),
    (["_sip._tcp", "SRV", "x", "--priority", "1", "--weight", "1"], "port"),
    (["sip", "SRV", "x", "--priority", "1", "--weight", "1", "--port", "1"], "name"),
    (["bad", "PTR", "x"], "type"),
    (["bad", "CNAME", "a b"], "value"),
    (["bad", "TXT", "line\nbreak"], "value"),
    (["bad", "A", "192.0.2.1", "--ttl", "86401"], "ttl"),
    (["bad", "A", "192.0.2.1", "--ttl", "-1"], "ttl"),
])
def test_dns_add_refused(c, args, field):
    cell, run = c
    before, rev = _records(cell), cell.revision()
    fails(run("dns", "add", *args), 1, field)
    assert _records(cell) == before and cell.revision() == rev


def test_dns_refusals_and_json_errors(c):
    cell, run = c
    rec = as_json(run("--json", "dns", "add", "cli-dup", "A", "192.0.2.20"))
    try:
        # The same record again: a conflict (409), exit 1.
        p = fails(run("dns", "add", "cli-dup", "A", "192.0.2.20"), 1)
        # A refused set changes nothing.
        fails(run("dns", "set", rec["id"], "cli dup", "A", "192.0.2.20"), 1, "name")
        assert cell.control().get(f"/api/dns/records/{rec['id']}").json == rec
        # --json prints the error body on stdout as well.
        p = fails(run("--json", "dns", "add", "cli-mx", "MX", "mail"), 1, "priority")
        err = json.loads(p.stdout)["error"]
        assert err["code"] == "invalid_argument" and err["field"] == "priority"
        p = fails(run("--json", "dns", "add", "cli-dup", "A", "192.0.2.20"), 1)
        assert json.loads(p.stdout)["error"]["code"] == "conflict"
        # Query parameters picd refuses, by name.
        fails(run("dns", "list", "--type", "PTR"), 1, "type")
        fails(run("dns", "list", "--limit", "0"), 1, "limit")
        fails(run("dns", "list", "--offset", "-1"), 1, "offset")
        fails(run("dns", "list", "--search", "x" * 300), 1, "search")
        p = fails(run("dns", "show", "999999999"), 1)
        assert "999999999" in p.stderr
    finally:
        ok(run("dns", "rm", rec["id"]))


def test_dns_record_answers(c):
    """A record added with pic answers on the cell's resolver (loopback)."""
    cell, run = c
    dig = shutil.which("dig")
    assert dig, "dig is missing (Debian package dnsutils; make test installs it)"

    def answer():
        out = subprocess.run([dig, "+short", "+time=1", "+tries=1", "@127.0.0.1", "-p", str(cell.dns_port),
                              f"cli-live.{ZONE}", "A"], capture_output=True, text=True, timeout=10)
        return out.stdout.split()

    rec = as_json(run("--json", "dns", "add", "cli-live", "A", "192.0.2.77"))
    try:
        wait_for(lambda: answer() == ["192.0.2.77"], 5.0, 0.05, "cli-live resolves")
    finally:
        ok(run("dns", "rm", rec["id"]))
    wait_for(lambda: answer() == [], 5.0, 0.05, "cli-live gone")


# ---------------------------------------------------------------- config set: typed fields


def test_config_set_dns_list_and_boolean(c):
    cell, run = c
    rev = cell.revision()
    try:
        # The list form: one value per word.
        p = ok(run("config", "set", "dns.forwarders", "127.0.0.2@5300", "127.0.0.3"))
        assert p.stdout == "applied: dns.forwarders\n"
        assert _config(cell)["dns"]["forwarders"] == ["127.0.0.2@5300", "127.0.0.3"]
        assert cell.revision() == rev + 1
        assert as_json(run("--json", "config", "get", "dns.forwarders")) == ["127.0.0.2@5300", "127.0.0.3"]
        # --empty clears it.
        ok(run("config", "set", "dns.forwarders", "--empty"))
        assert _config(cell)["dns"]["forwarders"] == []
        # The assignment form: comma-separated, beside other fields; a boolean.
        j = as_json(run("--json", "config", "set", "dns.forwarders=127.0.0.4,127.0.0.5@53", "dns.forward_tls=false"))
        assert j["applied"] == ["dns.forwarders"] and j["staged"] == []
        assert j["config"]["dns"] == {"forwarders": ["127.0.0.4", "127.0.0.5@53"], "forward_tls": False}
        tls = "127.0.0.6@853#dns.example.net"
        p = ok(run("config", "set", "dns.forward_tls=true", f"dns.forwarders={tls}"))
        assert "dns.forward_tls" in p.stdout and "dns.forwarders" in p.stdout
        assert _config(cell)["dns"] == {"forwarders": [tls], "forward_tls": True}
        assert ok(run("config", "get", "dns.forward_tls")).stdout == "true\n"
        ok(run("config", "set", "dns.forward_tls=false"))
        assert _config(cell)["dns"]["forward_tls"] is False
        # FIELD= clears a list too; the same value again is no change.
        ok(run("config", "set", "dns.forwarders="))
        assert _config(cell)["dns"]["forwarders"] == []
        n = cell.revision()
        assert ok(run("config", "set", "dns.forwarders", "--empty")).stdout == "No change.\n"
        assert cell.revision() == n
    finally:
        ok(run("config", "set", "dns.forwarders=", "dns.forward_tls=false"))


@pytest.mark.parametrize("args,field", [
    (["dns.forward_tls=yes"], "dns.forward_tls"),
    (["dns.forward_tls=1"], "dns.forward_tls"),
    (["dns.forward_tls="], "dns.forward_tls"),
    (["dns.forwarders=127.0.0.2,,127.0.0.3"], "dns.forwarders[1]"),
    (["dns.forwarders", "127.0.0.2", "not-an-address"], "dns.forwarders[1]"),
    (["dns.forwarders", "127.0.0.2", "127.0.0.2"], "dns.forwarders"),
    (["dns.forwarders"] + [f"127.0.0.{i}" for i in range(2, 11)], "dns.forwarders"),
    (["dns.nope=1"], "dns.nope"),
])
def test_config_set_dns_refused(c, args, field):
    cell, run = c
    before = _config(cell)
    fails(run("config", "set", *args), 1, field)
    assert _config(cell) == before


# ---- these need picd's DHCP and NTP settings (`dhcp` and `ntp` in /api/config)


def test_config_set_dhcp_ntp_types(c):
    cell, run = c
    before = _settings(cell)
    try:
        j = as_json(run("--json", "config", "set", "dhcp.lease_time=3600", "dhcp.enabled=false",
                        "ntp.local_stratum=10", "ntp.servers=127.0.0.1,127.0.0.2", "ntp.allow=10.9.0.0/24"))
        assert j["staged"] == []
        conf = j["config"]
        assert conf["dhcp"]["lease_time"] == 3600 and conf["dhcp"]["enabled"] is False
        assert conf["ntp"] == {"servers": ["127.0.0.1", "127.0.0.2"], "local_stratum": 10, "allow": ["10.9.0.0/24"]}
        ok(run("config", "set", "ntp.allow", "--empty"))
        assert _config(cell)["ntp"]["allow"] == []
        ok(run("config", "set", "ntp.servers", "127.0.0.3"))
        assert _config(cell)["ntp"]["servers"] == ["127.0.0.3"]
        assert ok(run("config", "get", "dhcp.lease_time")).stdout == "3600\n"
    finally:
        ok(run("config", "set", f"dhcp.lease_time={before['dhcp']['lease_time']}",
               f"ntp.local_stratum={before['ntp']['local_stratum']}",
               "ntp.servers=" + ",".join(before["ntp"]["servers"]), "ntp.allow=" + ",".join(before["ntp"]["allow"])))
    assert _settings(cell) == before


@pytest.mark.parametrize("args,field", [
    (["dhcp.enabled=maybe"], "dhcp.enabled"),
    (["dhcp.lease_time=soon"], "dhcp.lease_time"),
    (["dhcp.lease_time=10"], "dhcp.lease_time"),
    (["ntp.local_stratum=16"], "ntp.local_stratum"),
    (["ntp.local_stratum=x"], "ntp.local_stratum"),
    (["ntp.allow", "not-a-cidr"], "ntp.allow[0]"),
])
def test_config_set_dhcp_ntp_refused(c, args, field):
    cell, run = c
    before = _config(cell)
    fails(run("config", "set", *args), 1, field)
    assert _config(cell) == before


# ---------------------------------------------------------------- dhcp


def test_dhcp_show(c):
    cell, run = c
    p = ok(run("dhcp", "show"))
    head, _, rest = p.stdout.partition("\n\n")
    f = fields(head)
    assert f["enabled"] == "no"
    assert set(f) == {"enabled", "interface", "range", "router", "lease time"}
    assert f["lease time"].startswith(f"{_config(cell)['dhcp']['lease_time']} s (")
    interfaces = cell.control().get("/api/dhcp/interfaces", expect=200).json["interfaces"]
    if interfaces:
        rows = table(rest)
        assert rows[0] == ["INTERFACE", "ADDRESSES"]
        assert [r[0] for r in rows[1:]] == [i["name"] for i in interfaces]
    else:
        assert "No interface" in rest
    j = as_json(run("--json", "dhcp", "show"))
    assert j == {"dhcp": _config(cell)["dhcp"], "interfaces": interfaces}


def test_dhcp_set(c):
    cell, run = c
    before = _config(cell)["dhcp"]
    rev = cell.revision()
    try:
        p = ok(run("dhcp", "set", "--lease-time", "3600", "--router", "192.168.77.1"))
        assert p.stdout.startswith("applied: ")
        assert set(p.stdout.split(": ", 1)[1].strip().split(", ")) == {"dhcp.lease_time", "dhcp.router"}
        dhcp = _config(cell)["dhcp"]
        assert (dhcp["lease_time"], dhcp["router"], dhcp["enabled"]) == (3600, "192.168.77.1", False)
        assert cell.revision() == rev + 1
        f = fields(ok(run("dhcp", "show")).stdout.partition("\n\n")[0])
        assert f["router"] == "192.168.77.1" and f["lease time"] == "3600 s (1h 0m 0s)"

        j = as_json(run("--json", "dhcp", "set", "--range", "192.168.77.100", "192.168.77.200", "--router", ""))
        assert set(j["applied"]) == {"dhcp.range_start", "dhcp.range_end", "dhcp.router"} and j["staged"] == []
        assert (j["config"]["dhcp"]["range_start"], j["config"]["dhcp"]["range_end"]) == ("192.168.77.100",
                                                                                        "192.168.77.200")
        f = fields(ok(run("dhcp", "show")).stdout.partition("\n\n")[0])
        assert f["range"] == "192.168.77.100 - 192.168.77.200" and f["router"].startswith("(the cell's")
        # --disable while off: no change.
        n = cell.revision()
        assert ok(run("dhcp", "set", "--disable")).stdout == "No change.\n"
        assert cell.revision() == n
    finally:
        ok(run("dhcp", "set", "--lease-time", before["lease_time"], "--router", before["router"],
               "--range", before["range_start"], before["range_end"], "--interface", before["interface"]))
    assert _config(cell)["dhcp"] == before


@pytest.mark.parametrize("args,field", [
    (["--lease-time", "10"], "dhcp.lease_time"),
    (["--lease-time", "31536001"], "dhcp.lease_time"),
    (["--router", "300.1.1.1"], "dhcp.router"),
    (["--router", "router.example"], "dhcp.router"),
    (["--range", "192.168.77.10", "nope"], "dhcp.range_end"),
    (["--range", "192.168.77", "192.168.77.20"], "dhcp.range_start"),
    (["--interface", "bad name"], "dhcp.interface"),
    (["--interface", "x" * 16], "dhcp.interface"),
])
def test_dhcp_set_refused(c, args, field):
    cell, run = c
    before = _config(cell)
    fails(run("dhcp", "set", *args), 1, field)
    assert _config(cell) == before


def test_dhcp_enable_refused_without_a_usable_interface(c):
    # Never turned on here (no DHCP on this machine's networks): an interface
    # that does not exist is refused, naming a dhcp field.
    cell, run = c
    before = _config(cell)
    p = fails(run("dhcp", "set", "--enable", "--interface", "picnone0", "--range", "192.168.77.100",
                  "192.168.77.200"), 1)
    assert "(field: dhcp." in p.stderr
    assert _config(cell) == before and before["dhcp"]["enabled"] is False


def test_dhcp_reservations(c):
    cell, run = c
    api = cell.control()
    rev = cell.revision()
    assert ok(run("dhcp", "reservations")).stdout == "No reservations.\n"
    assert as_json(run("--json", "dhcp", "reservations")) == {"reservations": []}
    try:
        p = ok(run("dhcp", "reserve", "AA:BB:CC:DD:EE:01", "192.168.77.10", "--name", "printer"))
        assert p.stdout == "Reserved 192.168.77.10 for aa:bb:cc:dd:ee:01, named 'printer'.\n"
        j = as_json(run("--json", "dhcp", "reserve", "aa:bb:cc:dd:ee:02", "192.168.77.11"))
        assert j == {"mac": "aa:bb:cc:dd:ee:02", "ip": "192.168.77.11", "name": ""}
        assert cell.revision() == rev + 2

        rows = table(ok(run("dhcp", "reservations")).stdout)
        assert rows == [["MAC", "IP", "NAME"], ["aa:bb:cc:dd:ee:01", "192.168.77.10", "printer"],
                        ["aa:bb:cc:dd:ee:02", "192.168.77.11", "-"]]
        assert as_json(run("--json", "dhcp", "reservations")) == api.get("/api/dhcp/reservations").json

        # Refused: a MAC or an address that has a reservation, bad input.
        n = cell.revision()
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee:01", "192.168.77.12"), 1)
        fails(run("dhcp", "reserve", "AA:BB:CC:DD:EE:01", "192.168.77.12"), 1)
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee:03", "192.168.77.10"), 1)
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee", "192.168.77.12"), 1, "mac")
        fails(run("dhcp", "reserve", "aa-bb-cc-dd-ee-03", "192.168.77.12"), 1, "mac")
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee:03", "192.168.77.300"), 1, "ip")
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee:03", "192.168.77.12", "--name", "Bad Name"), 1, "name")
        p = fails(run("--json", "dhcp", "reserve", "zz:bb:cc:dd:ee:03", "192.168.77.12"), 1, "mac")
        assert json.loads(p.stdout)["error"]["field"] == "mac"
        assert cell.revision() == n

        # --replace: a new address and name; without --name the name goes.
        p = ok(run("dhcp", "reserve", "aa:bb:cc:dd:ee:01", "192.168.77.20", "--name", "laser", "--replace"))
        assert p.stdout == "Now reserved 192.168.77.20 for aa:bb:cc:dd:ee:01, named 'laser'.\n"
        j = as_json(run("--json", "dhcp", "reserve", "AA:BB:CC:DD:EE:01", "192.168.77.21", "--replace"))
        assert j == {"mac": "aa:bb:cc:dd:ee:01", "ip": "192.168.77.21", "name": ""}
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee:09", "192.168.77.22", "--replace"), 1)  # none (404)
        fails(run("dhcp", "reserve", "aa:bb:cc:dd:ee:01", "192.168.77.11", "--replace"), 1)  # ee:02's address

        assert ok(run("dhcp", "unreserve", "aa:bb:cc:dd:ee:01")).stdout == \
            "Removed the reservation of aa:bb:cc:dd:ee:01.\n"
        fails(run("dhcp", "unreserve", "aa:bb:cc:dd:ee:01"), 1)
        fails(run("dhcp", "unreserve", "not-a-mac"), 1)
        assert as_json(run("--json", "dhcp", "unreserve", "AA:BB:CC:DD:EE:02")) == {}
        assert ok(run("dhcp", "reservations")).stdout == "No reservations.\n"
    finally:
        for r in api.get("/api/dhcp/reservations", expect=200).json["reservations"]:
            api.delete(f"/api/dhcp/reservations/{r['mac']}", expect=204)


def test_dhcp_leases(c):
    cell, run = c
    assert ok(run("dhcp", "leases")).stdout == "No leases.\n"
    assert as_json(run("--json", "dhcp", "leases")) == {"leases": []}


def test_dhcp_leases_table(cell):
    """Leases as dnsmasq writes them (its lease file, planted here: DHCP
    stays off, so no dnsmasq rewrites it), with an untrusted host name."""
    run = lambda *a: pic(cell.dir, *a)  # noqa: E731
    ok(run("dhcp", "reserve", "aa:bb:cc:dd:ee:01", "192.168.77.10", "--name", "printer"))
    later = int(time.time()) + 3600
    lease_file = cell.dir / "data" / "dnsmasq" / "leases"
    lease_file.parent.mkdir(parents=True, exist_ok=True)
    lease_file.write_text(f"{later} aa:bb:cc:dd:ee:01 192.168.77.10 printer 01:aa:bb:cc:dd:ee:01\n"
                          f"0 aa:bb:cc:dd:ee:02 192.168.77.11 Laptop *\n"
                          f"{later} aa:bb:cc:dd:ee:03 192.168.77.12 bad\\032name *\n"
                          f"{later} aa:bb:cc:dd:ee:04 192.168.77.13 * *\n")
    j = as_json(run("--json", "dhcp", "leases"))
    assert j == cell.control().get("/api/dhcp/leases", expect=200).json
    assert [x["ip"] for x in j["leases"]] == ["192.168.77.10", "192.168.77.11", "192.168.77.12", "192.168.77.13"]
    rows = table(ok(run("dhcp", "leases")).stdout)
    assert rows[0] == ["IP", "MAC", "HOSTNAME", "EXPIRES", "RESERVED"]
    by_ip = {r[0]: r for r in rows[1:]}
    assert by_ip["192.168.77.10"][1:3] == ["aa:bb:cc:dd:ee:01", "printer"] and by_ip["192.168.77.10"][4] == "yes"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", by_ip["192.168.77.10"][3])
    assert by_ip["192.168.77.11"][2:] == ["laptop", "never", "no"]
    assert by_ip["192.168.77.12"][2] == "-" and by_ip["192.168.77.13"][2] == "-"


# ---------------------------------------------------------------- ntp


def test_ntp_status(c):
    cell, run = c
    j = as_json(run("--json", "ntp", "status"))
    assert set(j) == {"running", "synchronised", "stratum", "reference", "offset_s", "leap", "sources", "clients"}
    p = ok(run("ntp", "status"))
    f = fields(p.stdout)
    if not j["running"]:
        assert f["running"].startswith("no")
        return
    assert f["running"] == "yes" and f["synchronised"] in ("yes", "no")
    assert f["stratum"] == str(j["stratum"]) and f["leap"] == j["leap"]
    assert re.fullmatch(r"[+-]\d+(\.\d+)? (ns|us|ms|s)", f["offset"]), f["offset"]
    blocks = p.stdout.split("\n\n")
    assert len(blocks) == 3
    sources, clients = table(blocks[1]), table(blocks[2])
    if j["sources"]:
        assert sources[0] == ["SOURCE", "MODE", "STATE", "STRATUM", "REACH", "LAST RX", "OFFSET"]
        assert [r[0] for r in sources[1:]] == [s["address"] for s in j["sources"]]
    else:
        assert sources == [["No sources."]]
    if j["clients"]:
        assert clients[0] == ["CLIENT", "NTP PACKETS", "LAST"]
    else:
        assert clients == [["No clients."]]


def test_ntp_set(c):
    cell, run = c
    before = _config(cell)["ntp"]
    rev = cell.revision()
    try:
        p = ok(run("ntp", "set", "--server", "127.0.0.1", "--server", "127.0.0.2", "--local-stratum", "10",
                   "--allow", "10.9.0.0/24", "--allow", "10.9.1.0/24"))
        assert p.stdout.startswith("applied: ")
        assert _config(cell)["ntp"] == {"servers": ["127.0.0.1", "127.0.0.2"], "local_stratum": 10,
                                        "allow": ["10.9.0.0/24", "10.9.1.0/24"]}
        assert cell.revision() == rev + 1
        j = as_json(run("--json", "ntp", "set", "--no-allow", "--local-stratum", "0"))
        assert set(j["applied"]) == {"ntp.allow", "ntp.local_stratum"} and j["staged"] == []
        assert j["config"]["ntp"] == {"servers": ["127.0.0.1", "127.0.0.2"], "local_stratum": 0, "allow": []}
        ok(run("ntp", "set", "--server", "127.0.0.3"))
        assert _config(cell)["ntp"]["servers"] == ["127.0.0.3"]
        n = cell.revision()
        assert ok(run("ntp", "set", "--server", "127.0.0.3")).stdout == "No change.\n"
        assert cell.revision() == n
    finally:
        args = ["ntp", "set", "--local-stratum", before["local_stratum"]]
        args += [a for s in before["servers"] for a in ("--server", s)] or ["--no-servers"]
        args += [a for s in before["allow"] for a in ("--allow", s)] or ["--no-allow"]
        ok(run(*args))
    assert _config(cell)["ntp"] == before


@pytest.mark.parametrize("args,field", [
    (["--local-stratum", "16"], "ntp.local_stratum"),
    (["--local-stratum", "-1"], "ntp.local_stratum"),
    (["--allow", "not-a-cidr"], "ntp.allow[0]"),
    (["--allow", "10.9.0.0/24", "--allow", "10.9.0.0/24"], "ntp.allow"),
    ([a for i in range(9) for a in ("--server", f"127.0.0.{i + 1}")], "ntp.servers"),
    (["--server", "a b"], "ntp.servers[0]"),
    (["--server", "x\"}"], "ntp.servers[0]"),
])
def test_ntp_set_refused(c, args, field):
    cell, run = c
    before = _config(cell)
    fails(run("ntp", "set", *args), 1, field)
    assert _config(cell) == before
