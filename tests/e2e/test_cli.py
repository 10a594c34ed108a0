"""The `pic` command line against a real picd: every verb, readable and
--json output, and the exit codes (0 ok, 1 refused, 2 usage, 3 picd not
reachable, 4 permission denied). picd supervises Caddy, so every cell here
gets free TCP ports of its own for Caddy's listeners (see CliCell.create).

Run with Debian's pytest: /usr/bin/python3 -m pytest tests/e2e/test_cli.py
PIC_BUILD names the build directory (default <repo>/build-asan). The
fixtures live here, not in conftest.py, and only unix sockets are used.
"""

import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("PIC_BUILD", REPO / "build-asan"))
PIC = BUILD / "src" / "cli" / "pic"
PICD = BUILD / "src" / "picd"

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
STARTUP_TIMEOUT = 10.0

VERBS = ["init", "status", "config", "apply", "confirm", "user", "token", "revisions", "rollback", "logs",
         "restart"]
VERB_PATHS = [
    ["init"], ["status"], ["config"], ["config", "get"], ["config", "set"], ["config", "pending"],
    ["config", "discard"], ["apply"], ["confirm"], ["user"], ["user", "add"], ["user", "list"],
    ["user", "passwd"], ["user", "rm"], ["token"], ["token", "create"], ["token", "list"],
    ["token", "revoke"], ["revisions"], ["revisions", "list"], ["revisions", "show"], ["rollback"],
    ["logs"], ["restart"],
]


# ---------------------------------------------------------------- helpers


def _need_binaries(*paths):
    missing = [str(p) for p in paths if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"not built: {', '.join(missing)} (PIC_BUILD={BUILD}); run: "
                    "meson setup build-asan -Db_sanitize=address,undefined && ninja -C build-asan",
                    pytrace=False)


def _pic_argv_env(args, dir, env):
    argv = [str(PIC)] + (["--dir", str(dir)] if dir is not None else []) + [str(a) for a in args]
    e = {k: v for k, v in os.environ.items() if k not in ("PIC_DIR", "PIC_TOKEN")}
    e.update(env or {})
    return argv, e


def _no_sanitizer_report(argv, stderr):
    for mark in SANITIZER_MARKS:
        assert mark not in stderr, f"{argv}: sanitizer report:\n{stderr}"


def pic(*args, dir=None, input=None, env=None, cwd=None, user=None, timeout=60):
    """Runs pic [--dir DIR] ARGS; returns the CompletedProcess. A sanitizer
    report on stderr fails the test whatever the exit code."""
    _need_binaries(PIC)
    argv, e = _pic_argv_env(args, dir, env)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=e, cwd=cwd, user=user,
                       input=input, stdin=None if input is not None else subprocess.DEVNULL)
    _no_sanitizer_report(argv, p.stderr)
    return p


class PicFollower:
    """`pic ... logs -f` running in the background; its stdout lines are
    collected by a thread, so a test can wait for one with a timeout."""

    def __init__(self, *args, dir):
        _need_binaries(PIC)
        self.argv, e = _pic_argv_env(args, dir, None)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=e)
        self.lines = queue.Queue()
        self.seen = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, pred, timeout, what):
        """The first line (from the start) for which pred is true."""
        for line in self.seen:
            if pred(line):
                return line
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.argv}: no {what} within {timeout}s; got {self.seen}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(line)
            if pred(line):
                return line

    def finish(self, sig=None, timeout=10):
        """Sends sig (None: none, wait for the exit), returns (code, stderr)."""
        if sig is not None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.argv}: still running {timeout}s after signal {sig}")
        self.thread.join(5)
        stderr = self.proc.stderr.read()
        self.proc.stderr.close()
        _no_sanitizer_report(self.argv, stderr)
        return self.proc.returncode, stderr

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def ok(p):
    assert p.returncode == 0, f"{p.args} -> {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def fails(p, code):
    assert p.returncode == code, (f"{p.args}: expected exit {code}, got {p.returncode}\n"
                                  f"stdout: {p.stdout}\nstderr: {p.stderr}")
    assert p.stderr.strip(), f"{p.args}: exit {code} without a message on stderr"
    return p


def as_json(p):
    ok(p)
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise AssertionError(f"{p.args}: stdout is not JSON ({e}):\n{p.stdout}") from None


def table(stdout):
    """Rows of a column table (header first) split on runs of 2+ spaces."""
    import re
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _socket_answers(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(str(path))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()


class CliCell:
    """A cell made with `pic init` and the picd serving it."""

    def __init__(self, root):
        self.root = Path(root)
        self.dir = self.root / "cell"
        self.sock = self.dir / "run" / "control.sock"
        self.log = self.root / "picd.log"
        self.proc = None
        self.init = None
        self.ports = {}

    def create(self, ui_port=None):
        self.init = as_json(pic("--json", "init", "--dir", self.dir, "--name", "clicell"))
        # Test setup, not something a user does: picd starts Caddy on ports.ui
        # and ports.api (8081 and 3000 by default), and cells of parallel tests
        # would clash there, so each cell gets free ports of its own in the
        # store before picd first starts. The values are JSON text.
        self.ports = {"ui": ui_port or free_port(), "api": free_port(), "dns": free_port(), "ntp": free_port()}
        # And the traffic rule, as conftest's Cell.init: no public NTP pool,
        # no VPN interface on the host.
        settings = {"ntp.servers": [], "ntp.local_stratum": 8, "wireguard.interface": ""}
        db = sqlite3.connect(self.dir / "cell.db")
        try:
            with db:
                for key, port in self.ports.items():
                    n = db.execute("UPDATE config SET value = ? WHERE key = ?", (json.dumps(port), f"ports.{key}"))
                    assert n.rowcount == 1, f"no ports.{key} in the config table"
                for key, value in settings.items():
                    n = db.execute("UPDATE config SET value = ? WHERE key = ?", (json.dumps(value), key))
                    assert n.rowcount == 1, f"no {key} in the config table"
        finally:
            db.close()

    def start(self):
        _need_binaries(PICD)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(PICD), "--dir", str(self.dir)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, close_fds=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not (self.sock.exists() and _socket_answers(self.sock)):
            if self.proc.poll() is not None:
                raise AssertionError(f"picd exited with {self.proc.returncode} while starting\n{self.log_tail()}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"picd not ready after {STARTUP_TIMEOUT}s\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, n=60):
        try:
            return "---- picd log ----\n" + "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no picd log)"

    def pic(self, *args, **kw):
        return pic(*args, dir=self.dir, **kw)


@pytest.fixture(scope="module")
def cli_cell():
    """One cell for this module: `pic init` into a short /tmp dir, picd
    started on it; SIGTERM in the finalizer."""
    _need_binaries(PIC, PICD)
    root = Path(tempfile.mkdtemp(prefix="pic-cli-", dir="/tmp"))
    c = CliCell(root)
    try:
        c.create()
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def scratch():
    """An empty short temp dir, no picd."""
    d = Path(tempfile.mkdtemp(prefix="pic-cli-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- no picd needed


def test_version_and_help():
    p = ok(pic("--version"))
    assert p.stdout.startswith("pic ")
    p = ok(pic("--help"))
    assert p.stdout.startswith("Usage: pic")
    for verb in VERBS:
        assert f"  {verb} " in p.stdout, verb
    for line in ("0  success", "1  the request failed", "2  usage error", "3  cannot reach picd",
                 "4  permission denied"):
        assert line in p.stdout
    assert ok(pic("-h")).stdout == p.stdout
    assert ok(pic("help")).stdout == p.stdout


@pytest.mark.parametrize("path", VERB_PATHS, ids=" ".join)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_on_every_verb(path, flag, scratch):
    # No picd and no cell: help never needs either.
    p = ok(pic(*path, flag, dir=scratch))
    assert p.stdout.startswith("Usage: pic " + path[0]), p.stdout
    assert p.stderr == ""


def test_help_new_verbs():
    for verb, words in (("logs", ["--lines", "--follow", "--json", "SIGINT", "NDJSON"]),
                        ("restart", ["--wait", "--json"]),
                        ("status", ["services", "degraded"])):
        p = ok(pic(verb, "--help"))
        for w in words:
            assert w in p.stdout, (verb, w)
        assert ok(pic("help", verb)).stdout == p.stdout


def test_help_verb():
    p = ok(pic("help", "user"))
    assert "add" in p.stdout and "passwd" in p.stdout
    fails(pic("help", "nope"), 2)


@pytest.mark.parametrize("args", [
    [],
    ["nope"],
    ["--bogus", "status"],
    ["status", "--bogus"],
    ["status", "extra"],
    ["config"],
    ["config", "nope"],
    ["config", "get", "a", "b"],
    ["config", "set"],
    ["config", "set", "domain"],
    ["config", "set", "=x"],
    ["config", "set", "domain=a", "domain=b"],
    ["apply", "--timeout"],
    ["apply", "--timeout", "soon"],
    ["user"],
    ["user", "frob"],
    ["user", "add"],
    ["user", "add", "bob", "--role", "root"],
    ["user", "add", "bob", "--generate", "--password-file", "/dev/null"],
    ["user", "rm"],
    ["token", "create"],
    ["token", "create", "x", "--scope", "root"],
    ["token", "create", "x", "--expires-days", "ten"],
    ["token", "revoke"],
    ["revisions", "--limit", "many"],
    ["revisions", "show"],
    ["revisions", "show", "x"],
    ["rollback"],
    ["rollback", "0"],
    ["init"],
    ["init", "--name"],
    ["init", "--name", "x", "--profile", "prod"],
    ["logs"],
    ["logs", "caddy", "extra"],
    ["logs", "caddy", "-n"],
    ["logs", "caddy", "-n", "many"],
    ["logs", "caddy", "--lines", ""],
    ["logs", "caddy", "--follow=yes"],
    ["logs", "caddy", "-x"],
    ["logs", "-f"],
    ["restart"],
    ["restart", "caddy", "extra"],
    ["restart", "caddy", "--wait=5"],
], ids=lambda a: " ".join(a) or "(none)")
def test_usage_errors(args, scratch):
    # Usage errors are found before any connection: exit 2 even without picd.
    p = fails(pic(*args, dir=scratch), 2)
    assert "Usage: pic" in p.stderr
    assert p.stdout == ""


def test_unreachable(scratch):
    p = fails(pic("status", dir=scratch), 3)
    assert "is picd running?" in p.stderr
    assert str(scratch / "run" / "control.sock") in p.stderr
    # A socket file with nobody listening: connection refused, still 3.
    (scratch / "run").mkdir()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(scratch / "run" / "control.sock"))
    s.close()
    p = fails(pic("user", "list", dir=scratch), 3)
    assert "is picd running?" in p.stderr
    # The stream of `logs -f` fails the same way.
    p = fails(pic("logs", "caddy", "-f", dir=scratch), 3)
    assert "is picd running?" in p.stderr
    fails(pic("restart", "caddy", dir=scratch), 3)


def test_init(scratch):
    d = scratch / "a"
    j = as_json(pic("--json", "init", "--dir", d, "--name", "one"))
    assert j["dir"] == str(d) and j["admin_user"] == "admin"
    assert isinstance(j["password"], str) and len(j["password"]) >= 8
    assert (d / "cell.db").exists()
    # The VPN's key pair is the cell's from the start: a 0600 file.
    key = d / "secrets" / "wireguard.key"
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) == 44 and key.read_text().strip().endswith("=")

    # A cell is never overwritten.
    p = fails(pic("init", "--dir", d, "--name", "one"), 1)
    assert "already" in p.stderr

    # Readable output shows the generated password once.
    p = ok(pic("init", "--dir", scratch / "b", "--name", "two"))
    assert str(scratch / "b") in p.stdout
    assert "admin user: admin" in p.stdout
    pw = [l for l in p.stdout.splitlines() if l.startswith("password: ")]
    assert len(pw) == 1 and len(pw[0]) > len("password: ") + 8

    # A given password is not printed.
    pwfile = scratch / "pw"
    pwfile.write_text("a good password\n")
    j = as_json(pic("--json", "init", "--dir", scratch / "c", "--name", "three",
                    "--admin-password-file", pwfile, "--domain", "example.org", "--profile", "system"))
    assert j["password"] is None
    p = ok(pic("init", "--dir", scratch / "d", "--name", "four", "--admin-password-file", pwfile))
    assert "password:" not in p.stdout

    # Errors name the option.
    p = fails(pic("init", "--dir", scratch / "e", "--name", "five", "--admin-password-file", scratch / "none"), 1)
    assert "--admin-password-file" in p.stderr
    p = fails(pic("init", "--dir", scratch / "f", "--name", "six", "--vpn-address", "10.0.0.0/24"), 1)
    assert "--vpn-address" in p.stderr and "vpn_address" in p.stderr
    p = fails(pic("init", "--dir", scratch / "g", "--name", "Bad Name"), 1)
    assert "--name" in p.stderr


def test_init_default_dir(scratch):
    # Without --dir (and PIC_DIR) the dev profile goes to ./var, and later
    # verbs find it there.
    ok(pic("init", "--name", "here", cwd=scratch))
    assert (scratch / "var" / "cell.db").exists()
    p = fails(pic("status", cwd=scratch), 3)
    assert "var/run/control.sock" in p.stderr
    # PIC_DIR stands for --dir.
    p = fails(pic("status", env={"PIC_DIR": str(scratch / "elsewhere")}), 3)
    assert str(scratch / "elsewhere") in p.stderr


# ---------------------------------------------------------------- against picd


def service(cell, name="caddy"):
    """The Service object of name from `pic --json status`."""
    services = as_json(cell.pic("--json", "status"))["services"]
    found = [s for s in services if s["name"] == name]
    assert len(found) == 1, services
    return found[0]


def wait_ready(cell, name="caddy", timeout=30):
    return wait_until(lambda: (lambda s: s if s["state"] == "ready" else None)(service(cell, name)), timeout,
                      f"{name} to be ready\n{cell.log_tail()}")


def test_status(cli_cell):
    for name in ("caddy", "unbound", "chrony"):
        wait_ready(cli_cell, name)
    p = ok(cli_cell.pic("status"))
    assert "clicell.cell" in p.stdout
    for key in ("profile:", "vpn address:", "ip range:", "revision:", "picd:", "pending:"):
        assert key in p.stdout, key
    assert "10.0.0.1/24" in p.stdout and "172.20.0.0/24" in p.stdout and " up " in p.stdout
    assert "health:           ok" in p.stdout
    # The services table sits below the rest.
    head, _, services = p.stdout.partition("\n\n")
    assert "cell:" in head and "SERVICE" not in head
    rows = table(services)
    assert rows[0] == ["SERVICE", "STATE", "UPTIME", "RESTARTS", "LAST EXIT"]
    caddy = [r for r in rows[1:] if r[0] == "caddy"]
    assert len(caddy) == 1 and caddy[0][1] == "ready" and caddy[0][3].isdigit(), rows
    j = as_json(cli_cell.pic("--json", "status"))
    assert set(j) == {"health", "config", "pending", "services"}
    assert j["health"]["status"] == "ok" and j["health"]["services"]["caddy"] == "ready"
    svc = [s for s in j["services"] if s["name"] == "caddy"][0]
    assert svc["state"] == "ready" and isinstance(svc["pid"], int) and isinstance(svc["uptime_s"], int)
    assert j["config"]["cell_name"] == "clicell"
    assert "changes" in j["pending"]
    # PIC_DIR works like --dir; --json also after the verb.
    j2 = as_json(pic("status", "--json", env={"PIC_DIR": str(cli_cell.dir)}))
    assert j2["config"] == j["config"]


def test_config_get(cli_cell):
    p = ok(cli_cell.pic("config", "get"))
    lines = dict(row for row in (l.split(":", 1) for l in p.stdout.splitlines()) if len(row) == 2)
    assert lines["cell_name"].strip() == "clicell"
    assert lines["ports.dns"].strip() == str(cli_cell.ports["dns"])
    assert lines["service_ips.webui"].strip() == "172.20.0.1"
    assert ok(cli_cell.pic("config", "get", "ports.dns")).stdout == f"{cli_cell.ports['dns']}\n"
    assert ok(cli_cell.pic("config", "get", "profile")).stdout == "dev\n"
    j = as_json(cli_cell.pic("--json", "config", "get"))
    assert j["ports"]["api"] == cli_cell.ports["api"] and isinstance(j["revision"], int)
    assert as_json(cli_cell.pic("--json", "config", "get", "ports"))["dns"] == cli_cell.ports["dns"]
    p = fails(cli_cell.pic("config", "get", "nope"), 1)
    assert "nope" in p.stderr


@pytest.mark.parametrize("assignment,field", [
    ("domain=a b", "domain"),
    ("cell_name=UPPER", "cell_name"),
    ("vpn_address=10.0.0.0/24", "vpn_address"),
    ("ip_range=8.8.8.0/24", "ip_range"),
    ("ports.dns=0", "ports.dns"),
    ("ports.dns=70000", "ports.dns"),
    ("ports.dns=many", "ports.dns"),
    ("ports.nope=1", "ports.nope"),
    ("bogus=1", "bogus"),
])
def test_config_set_invalid(cli_cell, assignment, field):
    before = as_json(cli_cell.pic("--json", "config", "get"))
    p = fails(cli_cell.pic("config", "set", assignment), 1)
    assert f"(field: {field})" in p.stderr, p.stderr
    assert p.stderr.startswith("pic: ")
    assert as_json(cli_cell.pic("--json", "config", "get")) == before


def test_json_error_body(cli_cell):
    p = fails(cli_cell.pic("--json", "config", "set", "domain=a b"), 1)
    err = json.loads(p.stdout)["error"]
    assert err["code"] == "invalid_argument" and err["field"] == "domain"


def test_config_stage_apply_confirm(cli_cell):
    c = cli_cell
    p = ok(c.pic("config", "set", "public_endpoint=vpn.example.org"))
    assert "applied: public_endpoint" in p.stdout and "staged" not in p.stdout
    assert ok(c.pic("config", "get", "public_endpoint")).stdout == "vpn.example.org\n"

    p = ok(c.pic("config", "set", "domain=example.org", "ports.dns=5354"))
    assert "staged:" in p.stdout and "domain" in p.stdout and "ports.dns" in p.stdout
    assert "pic apply" in p.stdout
    assert ok(c.pic("config", "get", "domain")).stdout == "cell\n"

    rows = table(ok(c.pic("config", "pending")).stdout)
    assert rows[0] == ["FIELD", "FROM", "TO"]
    assert ["domain", "cell", "example.org"] in rows
    assert ["ports.dns", str(c.ports["dns"]), "5354"] in rows
    j = as_json(c.pic("--json", "config", "pending"))
    assert j["changes"]["domain"] == {"from": "cell", "to": "example.org"} and j["confirm"] is None
    assert "2 staged changes" in ok(c.pic("status")).stdout

    p = ok(c.pic("apply", "--timeout", "120"))
    assert "pic confirm" in p.stdout and "rolled back" in p.stdout
    assert "confirm:" in ok(c.pic("status")).stdout
    p = ok(c.pic("config", "pending"))
    assert "No staged changes." in p.stdout and "pic confirm" in p.stdout
    fails(c.pic("apply"), 1)  # a confirm is already waiting (409)

    p = ok(c.pic("confirm"))
    assert p.stdout.startswith("Confirmed revision ")
    assert ok(c.pic("config", "get", "domain")).stdout == "example.org\n"
    assert ok(c.pic("config", "get", "ports.dns")).stdout == "5354\n"
    p = fails(c.pic("confirm"), 1)  # nothing waiting (409)
    assert p.stderr.startswith("pic: ")


def test_config_discard(cli_cell):
    c = cli_cell
    ok(c.pic("config", "set", "domain=discard.example"))
    assert as_json(c.pic("--json", "config", "pending"))["changes"]
    p = ok(c.pic("config", "discard"))
    assert "Discarded" in p.stdout
    assert as_json(c.pic("--json", "config", "pending"))["changes"] == {}
    fails(c.pic("apply"), 1)  # nothing staged (409)
    # A 204 under --json prints {}.
    ok(c.pic("config", "set", "domain=discard.example"))
    assert as_json(c.pic("--json", "config", "discard")) == {}
    assert as_json(c.pic("--json", "config", "pending"))["changes"] == {}


def test_apply_json_and_automatic_rollback(cli_cell):
    c = cli_cell
    domain = ok(c.pic("config", "get", "domain")).stdout.strip()
    ok(c.pic("config", "set", "domain=short-lived.example"))
    j = as_json(c.pic("--json", "apply", "--timeout", "5"))
    assert set(j) >= {"revision", "previous_revision", "deadline", "seconds_left"}
    assert 0 < j["seconds_left"] <= 5
    p = fails(c.pic("apply", "--timeout", "2"), 1)  # out of range, or a confirm waiting: refused either way
    wait_until(lambda: ok(c.pic("config", "get", "domain")).stdout.strip() == domain, 20,
               "the automatic rollback")
    revs = as_json(c.pic("--json", "revisions", "--limit", "5"))["revisions"]
    assert any(r["actor"] == "system" and r["summary"].startswith("automatic rollback") for r in revs), revs


def test_apply_timeout_range(cli_cell):
    c = cli_cell
    ok(c.pic("config", "set", "domain=range.example"))
    try:
        p = fails(c.pic("apply", "--timeout", "4"), 1)
        assert "(field: timeout_s)" in p.stderr
    finally:
        ok(c.pic("config", "discard"))


def test_users(cli_cell, tmp_path):
    c = cli_cell
    pwfile = tmp_path / "pw"
    pwfile.write_text("bobs password\n")
    p = ok(c.pic("user", "add", "bob", "--password-file", pwfile))
    assert "bob" in p.stdout and "password:" not in p.stdout
    fails(c.pic("user", "add", "bob", "--password-file", pwfile), 1)  # exists (409)

    # From stdin when it is not a terminal.
    j = as_json(c.pic("--json", "user", "add", "carol", "--role", "admin", input="carols password\n"))
    assert j["username"] == "carol" and j["role"] == "admin" and "password" not in j

    # Generated: shown once.
    p = ok(c.pic("user", "add", "dave", "--generate"))
    assert len([l for l in p.stdout.splitlines() if l.startswith("password: ")]) == 1
    j = as_json(c.pic("--json", "user", "add", "erin", "--generate"))
    assert len(j["password"]) >= 8

    rows = table(ok(c.pic("user", "list")).stdout)
    assert rows[0][:2] == ["USERNAME", "ROLE"]
    names = {r[0]: r[1] for r in rows[1:]}
    assert names["admin"] == "admin" and names["bob"] == "user" and names["carol"] == "admin"
    users = as_json(c.pic("--json", "user", "list"))["users"]
    assert {"admin", "bob", "carol", "dave", "erin"} <= {u["username"] for u in users}

    # Bad input is the API's to refuse, with the field.
    p = fails(c.pic("user", "add", "Bad Name", "--password-file", pwfile), 1)
    assert "(field: username)" in p.stderr
    p = fails(c.pic("user", "add", "frank", input="short\n"), 1)
    assert "(field: password)" in p.stderr
    p = fails(c.pic("user", "add", "frank", "--password-file", tmp_path / "missing"), 1)
    assert "--password-file" in p.stderr

    p = ok(c.pic("user", "passwd", "bob", "--password-file", pwfile))
    assert "bob" in p.stdout
    j = as_json(c.pic("--json", "user", "passwd", "bob", "--generate"))
    assert j["username"] == "bob" and len(j["password"]) >= 8
    p = fails(c.pic("user", "passwd", "bob", input="short\n"), 1)
    assert "(field: password)" in p.stderr
    fails(c.pic("user", "passwd", "nosuchuser", "--password-file", pwfile), 1)

    ok(c.pic("user", "rm", "bob"))
    assert as_json(c.pic("--json", "user", "rm", "dave")) == {}
    fails(c.pic("user", "rm", "bob"), 1)  # gone (404)
    names = {u["username"] for u in as_json(c.pic("--json", "user", "list"))["users"]}
    assert "bob" not in names and "dave" not in names
    # Path tricks stay a user name: no other route is reached.
    fails(c.pic("user", "rm", ".."), 1)
    fails(c.pic("user", "rm", "a/b"), 1)


def test_tokens(cli_cell):
    c = cli_cell
    p = ok(c.pic("token", "create", "ci", "--scope", "write", "--expires-days", "30"))
    secret = [l.split(": ", 1)[1] for l in p.stdout.splitlines() if l.startswith("token: ")]
    assert len(secret) == 1 and secret[0].startswith("pic_")
    assert "only once" in p.stdout

    j = as_json(c.pic("--json", "token", "create", "ro"))
    assert j["token"].startswith("pic_") and j["scope"] == "read" and j["expires_at"] is None
    ro_id, ro_token = j["id"], j["token"]

    rows = table(ok(c.pic("token", "list")).stdout)
    assert rows[0][:4] == ["ID", "NAME", "USER", "SCOPE"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["ci"][3] == "write" and by_name["ro"][3] == "read"
    assert ro_token not in ok(c.pic("token", "list")).stdout  # secrets never listed

    tokens = as_json(c.pic("--json", "token", "list", "--all"))["tokens"]
    assert ro_id in {t["id"] for t in tokens}

    ok(c.pic("user", "add", "tok-owner", input="owners password\n"))
    j = as_json(c.pic("--json", "token", "create", "for-owner", "--user", "tok-owner"))
    assert j["username"] == "tok-owner"
    p = fails(c.pic("token", "create", "bad name"), 1)
    assert "(field: name)" in p.stderr
    p = fails(c.pic("token", "create", "x", "--expires-days", "0"), 1)
    assert "(field: expires_in_days)" in p.stderr

    p = ok(c.pic("token", "revoke", ro_id))
    assert ro_id in p.stdout
    fails(c.pic("token", "revoke", ro_id), 1)  # gone (404)
    assert ro_id not in {t["id"] for t in as_json(c.pic("--json", "token", "list", "--all"))["tokens"]}


def test_revisions_and_rollback(cli_cell):
    c = cli_cell
    ok(c.pic("config", "set", "public_endpoint=before-rollback.example"))
    rows = table(ok(c.pic("revisions")).stdout)
    assert rows[0] == ["NUMBER", "TIME", "ACTOR", "SUMMARY"]
    numbers = [int(r[0]) for r in rows[1:]]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 2

    assert len(table(ok(c.pic("revisions", "--limit", "2")).stdout)) == 3
    assert len(table(ok(c.pic("revisions", "list", "--limit", "1")).stdout)) == 2
    revs = as_json(c.pic("--json", "revisions"))["revisions"]
    assert [r["number"] for r in revs] == numbers
    fails(c.pic("revisions", "--limit", "0"), 1)

    latest = revs[0]
    p = ok(c.pic("revisions", "show", latest["number"]))
    assert f"revision:  {latest['number']}" in p.stdout
    assert "public_endpoint" in p.stdout and "before-rollback.example" in p.stdout
    j = as_json(c.pic("--json", "revisions", "show", latest["number"]))
    assert j["number"] == latest["number"] and "changes" in j["diff"]
    fails(c.pic("revisions", "show", 999999), 1)  # 404

    # Roll back to the revision before the endpoint change.
    target = latest["number"] - 1
    p = ok(c.pic("rollback", target))
    assert f"revision {target}" in p.stdout
    assert ok(c.pic("config", "get", "public_endpoint")).stdout != "before-rollback.example\n"
    j = as_json(c.pic("--json", "rollback", latest["number"]))
    assert j["revision"] > latest["number"]
    assert ok(c.pic("config", "get", "public_endpoint")).stdout == "before-rollback.example\n"
    fails(c.pic("rollback", 999999), 1)


def test_permission_denied(cli_cell):
    # control.sock is root's: another uid cannot open it (nor, here, reach
    # the 0700 temp dir), which is exit 4, not "picd is not running".
    if os.geteuid() != 0:
        pytest.skip("needs root to run pic as another user")
    p = fails(cli_cell.pic("status", user=65534), 4)
    assert "permission denied" in p.stderr.lower()


def test_stopped_picd_is_exit_3(scratch):
    # A cell whose picd was running and has stopped.
    c = CliCell(scratch)
    c.create()
    c.start()
    ok(c.pic("status"))
    c.stop()
    p = fails(c.pic("status"), 3)
    assert "is picd running?" in p.stderr


# ---------------------------------------------------------------- services


def test_logs(cli_cell):
    c = cli_cell
    wait_ready(c)
    p = ok(c.pic("logs", "caddy", "-n", "5"))
    lines = p.stdout.splitlines()
    assert 1 <= len(lines) <= 5, lines
    for line in lines:
        when, stream, _ = (line.split(None, 2) + ["", ""])[:3]
        assert when.endswith("Z") and stream in ("stdout", "stderr", "picd"), line
    assert len(ok(c.pic("logs", "caddy", "--lines", "1")).stdout.splitlines()) == 1
    # Without -n: picd's default, at most 100.
    assert 1 <= len(ok(c.pic("logs", "caddy")).stdout.splitlines()) <= 100

    j = as_json(c.pic("--json", "logs", "caddy", "-n", "5"))
    assert j["service"] == "caddy" and 1 <= len(j["lines"]) <= 5
    assert set(j["lines"][0]) == {"time", "stream", "text"}
    assert as_json(c.pic("logs", "--json", "caddy", "-n", "2"))["lines"] == j["lines"][-2:]

    # The range is picd's to refuse, with the field.
    p = fails(c.pic("logs", "caddy", "-n", "0"), 1)
    assert "(field: lines)" in p.stderr
    fails(c.pic("logs", "caddy", "-n", "1001"), 1)
    p = fails(c.pic("logs", "nosuch"), 1)
    assert "nosuch" in p.stderr and p.stderr.startswith("pic: ")
    p = fails(c.pic("logs", "nosuch", "-f"), 1)
    assert "nosuch" in p.stderr
    p = fails(c.pic("--json", "logs", "nosuch", "-f"), 1)
    assert json.loads(p.stdout)["error"]["code"] == "not_found"
    fails(c.pic("logs", "caddy", "-f", "-n", "1001"), 1)
    # Path tricks stay a service name.
    fails(c.pic("logs", "../health"), 1)


def test_logs_follow_sees_restart(cli_cell):
    c = cli_cell
    wait_ready(c)
    text = PicFollower("logs", "caddy", "-f", "-n", "1", dir=c.dir)
    ndjson = PicFollower("--json", "logs", "caddy", "--follow", "--lines", "3", dir=c.dir)
    try:
        # The backlog comes first: then the stream is open.
        text.wait_line(lambda l: True, 10, "backlog line")
        ndjson.wait_line(lambda l: True, 10, "backlog line")

        p = ok(c.pic("restart", "caddy"))
        assert p.stdout.startswith("caddy: ")
        line = text.wait_line(lambda l: "restart requested by" in l, 5, "'restart requested by' line")
        assert line.split()[1] == "picd", line
        line = ndjson.wait_line(lambda l: "restart requested by" in l, 5, "'restart requested by' line")
        obj = json.loads(line)
        assert obj["stream"] == "picd" and obj["text"].startswith("restart requested by")
        for l in ndjson.seen:
            assert set(json.loads(l)) == {"time", "stream", "text"}, l

        # Both end cleanly on a signal.
        code, stderr = text.finish(signal.SIGINT)
        assert code == 0, stderr
        code, stderr = ndjson.finish(signal.SIGTERM)
        assert code == 0, stderr
    finally:
        text.kill()
        ndjson.kill()
    wait_ready(c)


def test_restart(cli_cell):
    c = cli_cell
    before = wait_ready(c)
    p = ok(c.pic("restart", "caddy"))
    assert p.stdout.startswith("caddy: ") and "ready" not in p.stdout, p.stdout
    after = wait_ready(c)
    assert after["restarts"] >= before["restarts"] + 1 >= 1
    assert after["pid"] != before["pid"]
    assert after["last_exit"] is not None
    rows = table(ok(c.pic("status")).stdout.partition("\n\n")[2])
    caddy = [r for r in rows if r[0] == "caddy"][0]
    assert caddy[1] == "ready" and int(caddy[3]) >= 1 and caddy[4] != "-", rows

    # --wait returns once it is ready again; --json prints the Service.
    p = ok(c.pic("restart", "caddy", "--wait"))
    assert p.stdout.splitlines()[-1].startswith("caddy: ready (pid "), p.stdout
    j = as_json(c.pic("--json", "restart", "--wait", "caddy"))
    assert j["name"] == "caddy" and j["state"] == "ready"
    j = as_json(c.pic("--json", "restart", "caddy"))
    assert j["name"] == "caddy" and j["state"] in ("stopping", "starting", "ready", "down")
    wait_ready(c)


def test_restart_unknown(cli_cell):
    p = fails(cli_cell.pic("restart", "nosuch"), 1)
    assert p.stderr.startswith("pic: ") and "nosuch" in p.stderr
    p = fails(cli_cell.pic("--json", "restart", "nosuch"), 1)
    assert json.loads(p.stdout)["error"]["code"] == "not_found"
    fails(cli_cell.pic("restart", "a/b"), 1)


def test_follow_ends_with_picd(scratch):
    # picd ends its streams when it stops: the follower exits 0 and says so.
    c = CliCell(scratch)
    c.create()
    c.start()
    f = None
    try:
        f = PicFollower("logs", "caddy", "-f", dir=c.dir)
        f.wait_line(lambda l: True, 10, "backlog line")
        c.stop()
        code, stderr = f.finish(timeout=15)
        assert code == 0, stderr
        assert "ended the log stream" in stderr
    finally:
        if f:
            f.kill()
        c.stop()


def test_status_degraded_is_exit_0(scratch):
    # Caddy cannot bind its UI port, so it is not ready: the cell is
    # degraded, which status shows but does not fail on.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        c = CliCell(scratch)
        c.create(ui_port=blocker.getsockname()[1])
        c.start()
        try:
            wait_until(lambda: as_json(c.pic("--json", "status"))["health"]["status"] == "degraded", 20,
                       "a degraded health")
            p = ok(c.pic("status"))
            assert "health:           DEGRADED: caddy is " in p.stdout, p.stdout
            rows = table(p.stdout.partition("\n\n")[2])
            caddy = [r for r in rows if r[0] == "caddy"][0]
            assert caddy[1] != "ready", rows
            j = as_json(c.pic("--json", "status"))
            assert j["health"]["services"]["caddy"] != "ready"
            # Its logs say why.
            assert ok(c.pic("logs", "caddy", "-n", "50")).stdout
        finally:
            c.stop()
