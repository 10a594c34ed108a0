"""`pic peer list|show|add|set|config|qr|rm` against a real cell: each
verb's readable and --json output, usage errors (exit 2, found before any
connection), refusals (exit 1, naming the field picd refused), the config
written to a 0600 file and never over an existing one, and the QR code that
`pic peer qr` draws in half blocks: turned back into a bitmap here, compared
module for module with picd's own SVG of the same config, and decoded by
zbarimg into the config byte for byte.

Run with Debian's pytest: /usr/bin/python3 -m pytest tests/e2e/test_cli_peer.py
PIC_BUILD names the build directory. The cell is conftest's; its VPN is off
(wireguard.interface ""), which still lets peers be added and their configs
made. Traffic goes only to the cell's unix sockets.
"""

import fcntl
import json
import os
import pty
import re
import stat
import struct
import subprocess
import termios
import zlib

import pytest

from conftest import PIC

ZONE = "test.cell"
ZBARIMG = "/usr/bin/zbarimg"
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
KEY = "uTOmHXfdbhuBMTiBYWqx87TldoGJyXVWt3sjTNLCR0M="
NO_ENDPOINT_NOTE = "public_endpoint is not set"


# ---------------------------------------------------------------- helpers


def pic(dir, *args, timeout=60, cwd=None):
    """pic --dir DIR ARGS; a sanitizer report on stderr fails the test
    whatever the exit code."""
    argv = [str(PIC), "--dir", str(dir)] + [str(a) for a in args]
    env = {k: v for k, v in os.environ.items() if k not in ("PIC_DIR", "PIC_TOKEN")}
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
                       cwd=cwd)
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


@pytest.fixture
def clean(shared_cell):
    """Removes every peer a test left."""
    yield
    api = shared_cell.control()
    for p in api.get("/api/peers", expect=200).json["peers"]:
        api.delete(f"/api/peers/{p['name']}", expect=204)


def _peers(cell):
    return cell.control().get("/api/peers", expect=200).json


def _peer(cell, name):
    return cell.control().get(f"/api/peers/{name}", expect=200).json


def _config(cell, name):
    return cell.control().get(f"/api/peers/{name}/config", expect=200).json


# ---- the QR code, back from the terminal

# (top light, bottom light) of each glyph: qr_terminal draws the light
# modules and leaves the dark ones blank.
GLYPHS = {" ": (0, 0), "\u2584": (0, 1), "\u2580": (1, 0), "\u2588": (1, 1)}
TERMINAL_MARGIN = 2
SVG_MARGIN = 4


def terminal_bitmap(text):
    """The half-block drawing as rows of modules, 1 = dark, quiet zone
    included; asserts it is well formed."""
    lines = text.split("\n")
    assert lines[-1] == "", "the code ends in a newline"
    lines = lines[:-1]
    size = len(lines[0])
    assert all(len(ln) == size for ln in lines), "ragged lines"
    assert set("".join(lines)) <= set(GLYPHS), f"unexpected characters: {set(''.join(lines)) - set(GLYPHS)}"
    assert len(lines) == (size + 1) // 2, (len(lines), size)
    rows = []
    for ln in lines:
        rows.append([1 - GLYPHS[ch][0] for ch in ln])
        rows.append([1 - GLYPHS[ch][1] for ch in ln])
    # An odd size: the last line's lower half is past the code.
    return rows[:size]


def strip_margin(bitmap, margin):
    n = len(bitmap)
    for y, row in enumerate(bitmap):
        for x, v in enumerate(row):
            if min(x, y) < margin or max(x, y) >= n - margin:
                assert v == 0, f"a dark module in the quiet zone at {x},{y}"
    return [row[margin:n - margin] for row in bitmap[margin:n - margin]]


def svg_bitmap(svg):
    """The modules of picd's SVG (qr_svg: one `M x yhNv1h-Nz` per run of
    dark modules), without its quiet zone."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg)[1])
    width = size - 2 * SVG_MARGIN
    bitmap = [[0] * width for _ in range(width)]
    d = re.search(r'<path fill="#000" d="([^"]*)"', svg)[1]
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", d)
    assert "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in runs) == d, "an SVG path this test does not know"
    for x, y, n in runs:
        for i in range(int(n)):
            bitmap[int(y) - SVG_MARGIN][int(x) - SVG_MARGIN + i] = 1
    return bitmap


def png(bitmap, scale=4, pad=4):
    """An 8-bit grayscale PNG of the modules, scale pixels each, with pad
    more light modules around: written by hand (no PIL here)."""
    n = len(bitmap) + 2 * pad
    raw = bytearray()
    for y in range(n):
        row = bytearray()
        for x in range(n):
            inside = pad <= x < n - pad and pad <= y < n - pad
            row += bytes([0 if inside and bitmap[y - pad][x - pad] else 255]) * scale
        raw += (b"\x00" + row) * scale

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    w = n * scale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, w, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


def zbar_decode(path):
    if not os.access(ZBARIMG, os.X_OK):
        pytest.fail("zbarimg is missing: make deps-test installs zbar-tools")
    p = subprocess.run([ZBARIMG, "--nodbus", "--raw", "-q", "--oneshot", "-Sdisable", "-Sqrcode.enable", "-Sbinary",
                        str(path)], capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode()


def check_qr(drawing, config, svg, tmp_path):
    """The drawing is the config's code: the same modules as picd's SVG of
    it, a square of 17 + 4 * version modules, and it decodes to the config
    byte for byte."""
    modules = strip_margin(terminal_bitmap(drawing), TERMINAL_MARGIN)
    width = len(modules)
    assert (width - 17) % 4 == 0 and 1 <= (width - 17) // 4 <= 40, width
    assert modules == svg_bitmap(svg)
    f = tmp_path / "qr.png"
    f.write_bytes(png(modules))
    assert zbar_decode(f) == config


# ---------------------------------------------------------------- no picd needed

VERBS = ["list", "show", "add", "set", "config", "qr", "rm"]


def test_top_level_help_lists_peer(tmp_path):
    p = ok(pic(tmp_path, "--help"))
    assert "\n  peer " in p.stdout
    assert ok(pic(tmp_path, "help", "peer")).stdout == ok(pic(tmp_path, "peer", "--help")).stdout
    group = ok(pic(tmp_path, "peer", "--help")).stdout
    for verb in VERBS:
        assert f"\n  {verb} " in group, verb


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_on_every_verb(verb, flag, tmp_path):
    p = ok(pic(tmp_path, "peer", verb, flag))
    assert p.stdout.startswith(f"Usage: pic peer {verb}"), p.stdout
    assert p.stderr == ""
    assert "--json" in p.stdout and "--help" in p.stdout


def test_help_says_what_matters(tmp_path):
    for verb, words in (("list", ["--search", "--limit", "--offset"]),
                        ("add", ["--ip", "--public-key", "--service", "--no-services", "--full-tunnel",
                                 "--keepalive", "--disabled", "--expires", "--config FILE", "--force", "--qr",
                                 "0600", "webui, dns, ntp, mail, calendar, files", "2026-12-31T23:59:59Z"]),
                        ("set", ["--service", "--no-services", "--full-tunnel", "--split-tunnel", "--keepalive",
                                 "--enable", "--disable", "--expires", "--no-expiry"]),
                        ("config", ["-o, --output FILE", "--force", "0600", "private key"]),
                        ("qr", ["dark", "byte for byte"])):
        p = ok(pic(tmp_path, "peer", verb, "--help"))
        for w in words:
            assert w in p.stdout, (verb, w)


@pytest.mark.parametrize("args", [
    ["peer"],
    ["peer", "nope"],
    ["peer", "list", "extra"],
    ["peer", "list", "--limit", "many"],
    ["peer", "list", "--offset"],
    ["peer", "list", "--bogus"],
    ["peer", "show"],
    ["peer", "show", "a", "b"],
    ["peer", "add"],
    ["peer", "add", ""],
    ["peer", "add", "a", "b"],
    ["peer", "add", "a", "--keepalive", "often"],
    ["peer", "add", "a", "--keepalive"],
    ["peer", "add", "a", "--service"],
    ["peer", "add", "a", "--service", "dns", "--no-services"],
    ["peer", "add", "a", "--force"],
    ["peer", "add", "a", "--config", ""],
    ["peer", "add", "a", "--qr", "--json"],
    ["--json", "peer", "add", "a", "--qr"],
    ["peer", "add", "a", "--split-tunnel"],
    ["peer", "add", "a", "--no-expiry"],
    ["peer", "add", "a", "--enable"],
    ["peer", "set"],
    ["peer", "set", "a"],
    ["peer", "set", "a", "b", "--enable"],
    ["peer", "set", "a", "--enable", "--disable"],
    ["peer", "set", "a", "--full-tunnel", "--split-tunnel"],
    ["peer", "set", "a", "--service", "dns", "--no-services"],
    ["peer", "set", "a", "--expires", "2099-01-01T00:00:00Z", "--no-expiry"],
    ["peer", "set", "a", "--keepalive", "1.5"],
    ["peer", "set", "a", "--ip", "10.0.0.9"],
    ["peer", "set", "a", "--disabled"],
    ["peer", "config"],
    ["peer", "config", "a", "b"],
    ["peer", "config", "a", "-o"],
    ["peer", "config", "a", "-o", ""],
    ["peer", "config", "a", "--force"],
    ["peer", "qr"],
    ["peer", "qr", "a", "b"],
    ["peer", "qr", "a", "-o", "x"],
    ["peer", "rm"],
    ["peer", "rm", "a", "b"],
], ids=lambda a: " ".join(a) or "''")
def test_usage_errors(args, tmp_path):
    # Found before any connection: exit 2 without a picd.
    p = fails(pic(tmp_path, *args), 2)
    assert "Usage: pic" in p.stderr
    assert p.stdout == ""


def test_unreachable(tmp_path):
    for args in (["peer", "list"], ["peer", "show", "a"], ["peer", "add", "a"], ["peer", "set", "a", "--enable"],
                 ["peer", "config", "a"], ["peer", "qr", "a"], ["peer", "rm", "a"]):
        p = fails(pic(tmp_path, *args), 3)
        assert "is picd running?" in p.stderr


def test_add_config_refused_over_a_file_before_anything(tmp_path):
    # Checked before the request: no picd needed, nothing written.
    f = tmp_path / "x.conf"
    f.write_text("mine\n")
    p = fails(pic(tmp_path, "peer", "add", "a", "--config", f), 1)
    assert "exists" in p.stderr and "--force" in p.stderr
    assert f.read_text() == "mine\n"


# ---------------------------------------------------------------- against a cell


def test_list_empty(c, clean):
    cell, run = c
    assert ok(run("peer", "list")).stdout == "No peers.\n"
    assert as_json(run("--json", "peer", "list")) == {"peers": [], "total": 0}


def test_add_show_list_set_rm(c, clean):
    cell, run = c
    rev = cell.revision()

    p = ok(run("peer", "add", "phone", "--service", "dns", "--service", "calendar"))
    f = fields(p.stdout)
    assert f["name"] == "phone" and f["ip"] == "10.0.0.2" and f["fqdn"] == f"phone.peers.{ZONE}"
    assert f["services"] == "dns, calendar" and f["tunnel"].startswith("split")
    assert f["keepalive"] == "25 s" and f["enabled"] == "yes" and f["expires"] == "never" and f["expired"] == "no"
    assert f["key kept by cell"].startswith("yes")
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", f["public key"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", f["created"])
    assert cell.revision() == rev + 1

    j = as_json(run("--json", "peer", "add", "laptop", "--public-key", KEY, "--full-tunnel", "--keepalive", "0",
                    "--no-services", "--disabled", "--expires", "2099-01-01T00:00:00Z", "--ip", "10.0.0.20"))
    assert j == _peer(cell, "laptop")
    assert (j["ip"], j["public_key"], j["key_kept_by_cell"], j["full_tunnel"], j["keepalive"], j["services"],
            j["enabled"], j["expires"]) == ("10.0.0.20", KEY, False, True, 0, [], False, "2099-01-01T00:00:00Z")

    # show: every field; --json is the API's peer.
    f = fields(ok(run("peer", "show", "laptop")).stdout)
    assert set(f) == {"name", "ip", "fqdn", "public key", "key kept by cell", "services", "tunnel", "keepalive",
                      "enabled", "expires", "expired", "created"}
    assert (f["services"], f["keepalive"], f["enabled"], f["expires"]) == ("none", "off", "no",
                                                                           "2099-01-01T00:00:00Z")
    assert f["tunnel"].startswith("full") and f["key kept by cell"].startswith("no") and f["public key"] == KEY
    assert as_json(run("peer", "show", "phone", "--json")) == _peer(cell, "phone")

    # list
    rows = table(ok(run("peer", "list")).stdout)
    assert rows == [["NAME", "IP", "STATE", "TUNNEL", "SERVICES", "EXPIRES"],
                    ["laptop", "10.0.0.20", "disabled", "full", "none", "2099-01-01T00:00:00Z"],
                    ["phone", "10.0.0.2", "enabled", "split", "dns,calendar", "never"]]
    assert as_json(run("--json", "peer", "list")) == _peers(cell)

    # set: only what is given changes.
    rev = cell.revision()
    f = fields(ok(run("peer", "set", "laptop", "--enable", "--split-tunnel", "--keepalive", "15", "--no-expiry",
                      "--service", "webui")).stdout)
    assert (f["enabled"], f["keepalive"], f["expires"], f["services"]) == ("yes", "15 s", "never", "webui")
    assert f["tunnel"].startswith("split") and f["public key"] == KEY
    assert cell.revision() == rev + 1
    j = as_json(run("--json", "peer", "set", "laptop", "--disable", "--full-tunnel", "--no-services",
                    "--expires", "2098-06-01T12:00:00Z"))
    assert (j["enabled"], j["full_tunnel"], j["services"], j["expires"], j["keepalive"]) == (
        False, True, [], "2098-06-01T12:00:00Z", 15)
    assert j == _peer(cell, "laptop")
    # The same again: no change, no revision.
    n = cell.revision()
    ok(run("peer", "set", "laptop", "--disable"))
    assert cell.revision() == n

    # rm
    assert ok(run("peer", "rm", "laptop")).stdout == "Removed peer 'laptop'.\n"
    assert as_json(run("--json", "peer", "rm", "phone")) == {}
    assert _peers(cell) == {"peers": [], "total": 0}
    for verb in (["show"], ["rm"], ["config"], ["qr"], ["set", "--enable"]):
        p = fails(run("peer", verb[0], "phone", *verb[1:]), 1)
        assert "no peer 'phone'" in p.stderr


def test_list_search_pages_and_expired(c, clean):
    cell, run = c
    for name in ("alpha", "beta", "gamma", "delta"):
        ok(run("peer", "add", name))
    rows = table(ok(run("peer", "list", "--search", "al")).stdout)
    assert [r[0] for r in rows] == ["NAME", "alpha"]
    assert ok(run("peer", "list", "--search", "zzz")).stdout == "No matching peers.\n"
    # By address too.
    ip = _peer(cell, "gamma")["ip"]
    assert [r[0] for r in table(ok(run("peer", "list", "--search", ip)).stdout)[1:]] == ["gamma"]

    p = ok(run("peer", "list", "--limit", "2", "--offset", "1"))
    lines = p.stdout.splitlines()
    assert [r[0] for r in table("\n".join(lines[:-1]))[1:]] == ["beta", "delta"]
    assert lines[-1] == "Peers 2-3 of 4 (see --limit and --offset)."
    assert as_json(run("--json", "peer", "list", "--limit", "2", "--offset", "1")) == \
        cell.control().get("/api/peers?limit=2&offset=1", expect=200).json
    assert ok(run("peer", "list", "--offset", "10")).stdout == "No peers past offset 10 (4 match).\n"
    fails(run("peer", "list", "--limit", "0"), 1, "limit")
    fails(run("peer", "list", "--offset", "-1"), 1, "offset")

    # Expired: picd never takes a past time, so the store is set back here.
    ok(run("peer", "add", "old", "--expires", "2099-01-01T00:00:00Z"))
    cell.sqlite("UPDATE peers SET expires = 1000 WHERE name = 'old'")
    rows = {r[0]: r for r in table(ok(run("peer", "list")).stdout)[1:]}
    assert rows["old"][2] == "expired" and rows["old"][5] == "1970-01-01T00:16:40Z"
    assert fields(ok(run("peer", "show", "old")).stdout)["expired"] == "yes"


@pytest.mark.parametrize("args,field", [
    (["a\nb"], "name"),
    (["a b"], "name"),
    (['a"b'], "name"),
    (["a'b"], "name"),
    (["Upper"], "name"),
    (["--", "-a"], "name"),
    (["a" * 33], "name"),
    (["k1", "--public-key", "not-a-key"], "public_key"),
    (["k2", "--public-key", KEY[:-2] + "N="], "public_key"),
    (["s1", "--service", "ssh"], "services"),
    (["s2", "--service", "dns", "--service", "DNS"], "services"),
    (["i1", "--ip", "192.168.9.9"], "ip"),
    (["i2", "--ip", "10.0.0.1"], "ip"),
    (["i3", "--ip", "10.0.0"], "ip"),
    (["t1", "--keepalive", "3601"], "keepalive"),
    (["t2", "--keepalive", "-1"], "keepalive"),
    (["e1", "--expires", "tomorrow"], "expires"),
    (["e2", "--expires", "2000-01-01T00:00:00Z"], "expires"),
])
def test_add_refused(c, clean, args, field, tmp_path):
    cell, run = c
    rev = cell.revision()
    conf = tmp_path / "refused.conf"
    fails(run("peer", "add", "--config", conf, *args), 1, field)
    assert _peers(cell)["total"] == 0 and cell.revision() == rev
    assert not conf.exists()


def test_add_refused_when_taken(c, clean):
    cell, run = c
    ok(run("peer", "add", "dup", "--public-key", KEY))
    ip = _peer(cell, "dup")["ip"]
    rev = cell.revision()
    fails(run("peer", "add", "dup"), 1, "name")
    fails(run("peer", "add", "other", "--ip", ip), 1, "ip")
    p = fails(run("--json", "peer", "add", "other", "--public-key", KEY), 1, "public_key")
    assert json.loads(p.stdout)["error"]["field"] == "public_key"
    assert cell.revision() == rev and [x["name"] for x in _peers(cell)["peers"]] == ["dup"]


@pytest.mark.parametrize("args,field", [
    (["--service", "ssh"], "services"),
    (["--keepalive", "4000"], "keepalive"),
    (["--expires", "2000-01-01T00:00:00Z"], "expires"),
    (["--expires", "2099-02-30T00:00:00Z"], "expires"),
])
def test_set_refused(c, clean, args, field):
    cell, run = c
    ok(run("peer", "add", "fixed"))
    before, rev = _peer(cell, "fixed"), cell.revision()
    fails(run("peer", "set", "fixed", *args), 1, field)
    assert _peer(cell, "fixed") == before and cell.revision() == rev


def test_config_to_stdout_and_files(c, clean, tmp_path):
    cell, run = c
    ok(run("peer", "add", "phone"))
    conf = _config(cell, "phone")["config"]
    assert "PrivateKey = " in conf and "# Endpoint = " in conf  # no public_endpoint on this cell

    p = ok(run("peer", "config", "phone"))
    assert p.stdout == conf  # byte for byte
    assert NO_ENDPOINT_NOTE in p.stderr
    assert as_json(run("--json", "peer", "config", "phone")) == _config(cell, "phone")

    # -o: a new file, mode 0600 whatever the umask.
    f = tmp_path / "phone.conf"
    p = ok(run("peer", "config", "phone", "-o", f))
    assert p.stdout == f"Wrote the config of peer 'phone' to '{f}' (mode 0600).\n"
    assert f.read_text() == conf and stat.S_IMODE(f.stat().st_mode) == 0o600

    # Never over an existing file (nor through a symlink) unless --force.
    f.write_text("mine\n")
    f.chmod(0o644)
    p = fails(run("peer", "config", "phone", "--output", f), 1)
    assert "exists" in p.stderr and "--force" in p.stderr and f.read_text() == "mine\n"
    target = tmp_path / "target"
    link = tmp_path / "link.conf"
    link.symlink_to(target)
    fails(run("peer", "config", "phone", "-o", link), 1)
    assert not target.exists()

    # --force replaces: the new file is 0600 even where the old one was 0644,
    # and a symlink is replaced, not followed.
    ok(run("peer", "config", "phone", "-o", f, "--force"))
    assert f.read_text() == conf and stat.S_IMODE(f.stat().st_mode) == 0o600
    ok(run("peer", "config", "phone", "-o", link, "--force"))
    assert not link.is_symlink() and link.read_text() == conf and not target.exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["link.conf", "phone.conf"]  # no temporary left

    # A relative file is relative to the working directory.
    ok(run("peer", "config", "phone", "-o", "rel.conf", cwd=tmp_path))
    assert (tmp_path / "rel.conf").read_text() == conf
    fails(run("peer", "config", "phone", "-o", tmp_path / "no" / "dir.conf"), 1)


def test_add_with_config_file(c, clean, tmp_path):
    cell, run = c
    f = tmp_path / "tab.conf"
    p = ok(run("peer", "add", "tab", "--config", f))
    assert f"\nWrote the config to '{f}' (mode 0600).\n" in p.stdout
    assert fields(p.stdout)["name"] == "tab"
    assert f.read_text() == _config(cell, "tab")["config"] and stat.S_IMODE(f.stat().st_mode) == 0o600

    # An existing file: refused before the peer is added.
    rev = cell.revision()
    p = fails(run("peer", "add", "tab2", "--config", f), 1)
    assert "no peer was added" in p.stderr
    assert cell.revision() == rev and [x["name"] for x in _peers(cell)["peers"]] == ["tab"]
    # With --force it is replaced; --json keeps stdout to the peer's JSON.
    j = as_json(run("--json", "peer", "add", "tab2", "--config", f, "--force"))
    assert j == _peer(cell, "tab2")
    assert f.read_text() == _config(cell, "tab2")["config"] and stat.S_IMODE(f.stat().st_mode) == 0o600

    # A device's own key: the config asks for its private key, and says so.
    own = tmp_path / "own.conf"
    p = ok(run("peer", "add", "own", "--public-key", KEY, "--config", own))
    assert "# PrivateKey = " in own.read_text() and "\nPrivateKey" not in own.read_text()
    assert "private key" in p.stderr


def test_qr(c, clean, tmp_path):
    cell, run = c
    ok(run("peer", "add", "phone", "--service", "dns"))
    cfg = _config(cell, "phone")
    p = ok(run("peer", "qr", "phone"))
    check_qr(p.stdout, cfg["config"], cfg["qr_svg"], tmp_path)
    assert NO_ENDPOINT_NOTE in p.stderr
    assert as_json(run("--json", "peer", "qr", "phone")) == cfg

    # A larger config (full tunnel, the device's own key) is another code.
    ok(run("peer", "add", "big", "--public-key", KEY, "--full-tunnel", "--keepalive", "3600"))
    cfg = _config(cell, "big")
    check_qr(ok(run("peer", "qr", "big")).stdout, cfg["config"], cfg["qr_svg"], tmp_path)

    # add --qr: the peer, a blank line, the code.
    p = ok(run("peer", "add", "tablet", "--qr"))
    head, _, drawing = p.stdout.partition("\n\n")
    assert fields(head)["name"] == "tablet"
    cfg = _config(cell, "tablet")
    check_qr(drawing, cfg["config"], cfg["qr_svg"], tmp_path)

    # add --config and --qr together.
    f = tmp_path / "both.conf"
    p = ok(run("peer", "add", "both", "--config", f, "--qr"))
    cfg = _config(cell, "both")
    assert f.read_text() == cfg["config"]
    drawing = p.stdout.split(f"\nWrote the config to '{f}' (mode 0600).\n\n", 1)[1]
    check_qr(drawing, cfg["config"], cfg["qr_svg"], tmp_path)


def test_with_a_public_endpoint(c, clean, tmp_path):
    cell, run = c
    api = cell.control()
    before = api.get("/api/config", expect=200).json["public_endpoint"]
    api.put("/api/config", {"public_endpoint": "vpn.example.org"}, expect=200)
    try:
        ok(run("peer", "add", "phone"))
        p = ok(run("peer", "config", "phone"))
        assert "\nEndpoint = vpn.example.org:" in p.stdout and p.stderr == ""
        cfg = _config(cell, "phone")
        assert p.stdout == cfg["config"]
        p = ok(run("peer", "qr", "phone"))
        assert p.stderr == ""
        check_qr(p.stdout, cfg["config"], cfg["qr_svg"], tmp_path)
    finally:
        api.put("/api/config", {"public_endpoint": before}, expect=200)


def _qr_on_a_terminal(cell, name, columns):
    """`pic peer qr NAME` with stdout on a pty of that many columns:
    (what the terminal got, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("PIC_DIR", "PIC_TOKEN")}
    p = subprocess.Popen([str(PIC), "--dir", str(cell.dir), "peer", "qr", name], stdin=subprocess.DEVNULL,
                         stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not data:
                break
            out += data
    finally:
        os.close(master)
    err = p.stderr.read().decode()
    p.stderr.close()
    assert p.wait(timeout=30) == 0, err
    for mark in SANITIZER_MARKS:
        assert mark not in err, err
    return out.decode(), err


def test_qr_says_when_the_terminal_is_too_narrow(c, clean):
    cell, run = c
    ok(run("peer", "add", "phone"))
    drawing = ok(run("peer", "qr", "phone")).stdout
    columns = len(drawing.split("\n")[0])
    # A cell-made config (keys, both tunnels' comment) fits a classic
    # 80-column terminal: a version 14 code at most, with its margin.
    assert columns <= 77, f"{columns} columns"
    out, err = _qr_on_a_terminal(cell, "phone", columns - 1)
    assert f"the code is {columns} columns wide and the terminal {columns - 1}" in err
    assert out.replace("\r\n", "\n") == drawing
    out, err = _qr_on_a_terminal(cell, "phone", columns)
    assert "columns wide" not in err
