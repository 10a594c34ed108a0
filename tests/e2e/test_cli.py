"""The `pic` command line against a real picd: every verb, readable and
--json output, and the exit codes (0 ok, 1 refused, 2 usage, 3 picd not
reachable, 4 permission denied).

Run with Debian's pytest: /usr/bin/python3 -m pytest tests/e2e/test_cli.py
PIC_BUILD names the build directory (default <repo>/build-asan). The
fixtures live here, not in conftest.py, and only unix sockets are used.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("PIC_BUILD", REPO / "build-asan"))
PIC = BUILD / "src" / "cli" / "pic"
PICD = BUILD / "src" / "picd"

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
STARTUP_TIMEOUT = 10.0

VERBS = ["init", "status", "config", "apply", "confirm", "user", "token", "revisions", "rollback"]
VERB_PATHS = [
    ["init"], ["status"], ["config"], ["config", "get"], ["config", "set"], ["config", "pending"],
    ["config", "discard"], ["apply"], ["confirm"], ["user"], ["user", "add"], ["user", "list"],
    ["user", "passwd"], ["user", "rm"], ["token"], ["token", "create"], ["token", "list"],
    ["token", "revoke"], ["revisions"], ["revisions", "list"], ["revisions", "show"], ["rollback"],
]


# ---------------------------------------------------------------- helpers


def _need_binaries(*paths):
    missing = [str(p) for p in paths if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"not built: {', '.join(missing)} (PIC_BUILD={BUILD}); run: "
                    "meson setup build-asan -Db_sanitize=address,undefined && ninja -C build-asan",
                    pytrace=False)


def pic(*args, dir=None, input=None, env=None, cwd=None, user=None, timeout=60):
    """Runs pic [--dir DIR] ARGS; returns the CompletedProcess. A sanitizer
    report on stderr fails the test whatever the exit code."""
    _need_binaries(PIC)
    argv = [str(PIC)] + (["--dir", str(dir)] if dir is not None else []) + [str(a) for a in args]
    e = {k: v for k, v in os.environ.items() if k not in ("PIC_DIR", "PIC_TOKEN")}
    e.update(env or {})
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=e, cwd=cwd, user=user,
                       input=input, stdin=None if input is not None else subprocess.DEVNULL)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, f"{argv}: sanitizer report:\n{p.stderr}"
    return p


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

    def create(self):
        self.init = as_json(pic("--json", "init", "--dir", self.dir, "--name", "clicell"))

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


def test_init(scratch):
    d = scratch / "a"
    j = as_json(pic("--json", "init", "--dir", d, "--name", "one"))
    assert j["dir"] == str(d) and j["admin_user"] == "admin"
    assert isinstance(j["password"], str) and len(j["password"]) >= 8
    assert (d / "cell.db").exists()

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


def test_status(cli_cell):
    p = ok(cli_cell.pic("status"))
    assert "clicell.cell" in p.stdout
    for key in ("profile:", "vpn address:", "ip range:", "revision:", "picd:", "pending:"):
        assert key in p.stdout, key
    assert "10.0.0.1/24" in p.stdout and "172.20.0.0/24" in p.stdout and " up " in p.stdout
    j = as_json(cli_cell.pic("--json", "status"))
    assert j["health"]["status"] == "ok"
    assert j["config"]["cell_name"] == "clicell"
    assert "changes" in j["pending"]
    # PIC_DIR works like --dir; --json also after the verb.
    j2 = as_json(pic("status", "--json", env={"PIC_DIR": str(cli_cell.dir)}))
    assert j2["config"] == j["config"]


def test_config_get(cli_cell):
    p = ok(cli_cell.pic("config", "get"))
    lines = dict(row for row in (l.split(":", 1) for l in p.stdout.splitlines()) if len(row) == 2)
    assert lines["cell_name"].strip() == "clicell"
    assert lines["ports.dns"].strip() == "5353"
    assert lines["service_ips.webui"].strip() == "172.20.0.1"
    assert ok(cli_cell.pic("config", "get", "ports.dns")).stdout == "5353\n"
    assert ok(cli_cell.pic("config", "get", "profile")).stdout == "dev\n"
    j = as_json(cli_cell.pic("--json", "config", "get"))
    assert j["ports"]["api"] == 3000 and isinstance(j["revision"], int)
    assert as_json(cli_cell.pic("--json", "config", "get", "ports"))["dns"] == 5353
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
    assert ["ports.dns", "5353", "5354"] in rows
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
