"""picd's life: clean shutdown, refusing to start (not a cell, a newer
schema, a live picd already there), socket modes, PIC_DIR, --list-routes."""

import json
import os
import shutil
import signal
import stat
import subprocess
import time

import pytest

from conftest import PICD, Client, run, wait_for


def _run_picd(args, env=None, timeout=10):
    try:
        return run([PICD, *args], env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"picd {args} did not exit within {timeout}s")


def _refused_with_one_line(p, what):
    assert p.returncode > 0, f"{what}: exit status {p.returncode}\nstderr: {p.stderr}"
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"{what}: expected a one-line reason on stderr, got:\n{p.stderr}"
    assert "AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr
    return lines[0]


def test_sigterm_exits_zero_and_removes_sockets(cell):
    assert cell.api_sock.exists() and cell.control_sock.exists()
    assert cell.stop() == 0
    assert not cell.api_sock.exists(), "api.sock left behind"
    assert not cell.control_sock.exists(), "control.sock left behind"
    # And it starts again.
    cell.start()
    cell.api().get("/health", expect=200)


def test_sigterm_with_open_connections(cell):
    api = cell.api(cell.create_token("read")[0], persistent=True)
    api.get("/api/config", expect=200)  # an idle keep-alive connection stays open
    try:
        assert cell.stop() == 0
    finally:
        api.close()


def test_socket_modes_and_layout(cell):
    st = os.stat(cell.control_sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
    assert st.st_uid == os.getuid()
    assert stat.S_ISSOCK(os.stat(cell.api_sock).st_mode)
    secrets = os.stat(cell.dir / "secrets")
    assert stat.S_ISDIR(secrets.st_mode) and stat.S_IMODE(secrets.st_mode) == 0o700
    pidfile = cell.run_dir / "picd.pid"
    assert pidfile.read_text().strip() == str(cell.proc.pid)


def test_health(cell):
    h = cell.api().get("/health", expect=200).json
    assert h["status"] == "ok" and h["version"] == "0.1.0" and h["uptime_s"] >= 0
    h2 = cell.control().get("/health", expect=200).json
    assert h2["uptime_s"] >= h["uptime_s"]


def test_not_a_cell(workdir):
    empty = workdir / "empty"
    empty.mkdir()
    line = _refused_with_one_line(_run_picd(["--dir", empty]), "empty dir")
    assert str(empty) in line or "cell" in line.lower()
    _refused_with_one_line(_run_picd(["--dir", workdir / "missing"]), "missing dir")
    garbage = workdir / "garbage"
    (garbage / "run").mkdir(parents=True)
    (garbage / "cell.db").write_bytes(b"this is not a database" * 100)
    _refused_with_one_line(_run_picd(["--dir", garbage]), "cell.db not SQLite")
    assert not (empty / "cell.db").exists(), "picd created a store where there was none"


def test_bad_arguments(workdir):
    p = _run_picd(["--no-such-option"])
    assert p.returncode > 0
    p = _run_picd([], env={"PIC_DIR": ""})
    assert p.returncode > 0


def test_schema_newer_than_picd(cell):
    assert cell.stop() == 0
    cell.proc = None
    copy = cell.root / "c2"
    shutil.copytree(cell.dir, copy, ignore=shutil.ignore_patterns("*.sock", "picd.pid"))
    cell.sqlite("PRAGMA user_version=9999", db=copy / "cell.db")
    line = _refused_with_one_line(_run_picd(["--dir", copy]), "schema 9999")
    assert "schema" in line.lower() or "version" in line.lower() or "newer" in line.lower(), line
    assert cell.sqlite("PRAGMA user_version", db=copy / "cell.db") == "9999", "picd touched a newer store"
    # The original is fine.
    cell.start()
    cell.api().get("/health", expect=200)


def test_second_picd_is_refused(cell):
    p = _run_picd(["--dir", cell.dir])
    _refused_with_one_line(p, "second picd")
    # The first one still serves both sockets.
    assert cell.running()
    assert cell.api_sock.exists() and cell.control_sock.exists()
    cell.api().get("/health", expect=200)
    cell.control().get("/api/auth/me", expect=200)
    assert (cell.run_dir / "picd.pid").read_text().strip() == str(cell.proc.pid)


def test_pic_dir_environment(cell):
    assert cell.stop() == 0
    cell.proc = None
    env = dict(os.environ, PIC_DIR=str(cell.dir))
    with open(cell.log_path, "ab") as log:
        proc = subprocess.Popen([str(PICD)], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_for(lambda: proc.poll() is not None or (cell.api_sock.exists() and cell.control_sock.exists()),
                 10, what="picd with PIC_DIR")
        assert proc.poll() is None, cell.log_tail()
        wait_for(lambda: _health(cell), 5, what="health")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0, cell.log_tail()


def _health(cell):
    try:
        return Client(cell.api_sock).get("/health").status == 200
    except OSError:
        return False


def test_log_levels(cell):
    assert cell.stop() == 0
    cell.proc = None
    p = _run_picd(["--dir", cell.dir, "--log-level", "loud"])
    assert p.returncode > 0
    with open(cell.log_path, "ab") as log:
        proc = subprocess.Popen([str(PICD), "--dir", str(cell.dir), "--log-level", "debug"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_for(lambda: proc.poll() is not None or _health(cell), 10, what="picd --log-level debug")
        assert proc.poll() is None, cell.log_tail()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0, cell.log_tail()


def test_list_routes():
    p = _run_picd(["--list-routes"])
    assert p.returncode == 0, p.stderr
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    assert lines
    for line in lines:
        r = json.loads(line)
        assert set(r) == {"method", "path", "role"}, line
        assert r["method"] in ("GET", "POST", "PUT", "DELETE", "PATCH"), line
        assert r["path"].startswith("/"), line
        assert r["role"] in ("none", "user", "admin"), line


def test_restart_is_quick(cell):
    t0 = time.monotonic()
    cell.restart()
    assert time.monotonic() - t0 < 5
