"""The supervisor, end to end with real processes: picd runs Caddy as its
child, brings it back after kill -9, gives up on a binary that exits at once
(failed after five tries) until someone restarts it, takes it down on
SIGTERM and along with itself on kill -9, and hands it nothing of its own
(no fds, no capabilities, no environment).

PIC_CADDY_BINARY is picd's test hook for the Caddy binary; the scripts that
stand in for Caddy here are written into the test's temp dir."""

import os
import re
import signal
import stat
import time

import pytest

from conftest import ALL_READY, Cell, EventStream, http_get, port_answers, process_state, wait_for


def _script(path, text):
    path.write_text(text)
    path.chmod(stat.S_IRWXU)
    return path


def _caddy_answers(cell, port=None):
    try:
        status, _, body = http_get(port or cell.ui_port, "/health", timeout=2)
    except OSError:
        return False
    return status == 200 and b'"status"' in body


def _fds(pid):
    """{fd number: link target} of a process."""
    out = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except FileNotFoundError:
            pass  # closed meanwhile
    return out


def _unix_socket_inodes(paths):
    """Inodes of the listening unix sockets bound to these paths (/proc/net/unix)."""
    want = {str(p) for p in paths}
    inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and parts[7] in want:
                inodes.add(parts[6])
    return inodes


def _log_texts(cell, lines=1000):
    return [ln["text"] for ln in cell.control().get(f"/api/services/caddy/logs?lines={lines}",
                                                     expect=200).json["lines"]]


# ---------------------------------------------------------------- kill -9 of Caddy


def test_kill9_of_caddy_is_repaired_within_5s(cell):
    before = cell.caddy()
    assert before["state"] == "ready" and before["pid"], before
    assert _caddy_answers(cell)
    os.kill(before["pid"], signal.SIGKILL)
    t0 = time.monotonic()

    def back():
        svc = cell.caddy()
        return svc if svc["state"] == "ready" and svc["pid"] != before["pid"] and _caddy_answers(cell) else None
    after = wait_for(back, 5.0, 0.05, "Caddy back and serving /health on the UI port")
    took = time.monotonic() - t0
    assert took < 5.0, took
    assert after["restarts"] == before["restarts"] + 1, (before, after)
    assert after["last_exit"]["signal"] == "SIGKILL" and after["last_exit"]["code"] is None, after
    # The API port is served again too, and the old process is gone (reaped by picd).
    assert _caddy_answers(cell, cell.api_port)
    assert process_state(before["pid"]) is None
    texts = _log_texts(cell)
    assert "exited on signal KILL" in texts, texts[-20:]
    assert any(t.startswith("restarting in ") for t in texts), texts[-20:]
    h = cell.health()
    assert h["status"] == "ok" and h["services"] == ALL_READY


# ---------------------------------------------------------------- a crash loop


def test_binary_that_exits_at_once_ends_in_failed(workdir):
    """Exits after 0, 1, 3, 7 and 15 s (backoff 1 s doubling): the fifth exit
    within 60 s is a crash loop, and the service stays failed, with its last
    exit and log lines, while picd keeps serving; a restart through the API
    takes it out of failed."""
    fake = _script(workdir / "fake-caddy", "#!/bin/sh\n"
                   "if [ \"$1\" = validate ]; then exit 0; fi\n"
                   "echo \"fake caddy: giving up at once ($1)\" >&2\n"
                   "exit 3\n")
    cell = Cell(workdir)
    cell.env = {"PIC_CADDY_BINARY": str(fake)}
    cell.init()
    cell.start(wait_services=False)
    # Follow the log live meanwhile: the exits come as they happen, and the
    # wait is long enough for a keepalive (every 15 s).
    follow = EventStream(cell.control_sock, "/api/services/caddy/logs/stream?lines=1000")
    try:
        seen = []

        def failed():
            svc = cell.caddy()
            seen.append(svc)
            return svc if svc["state"] == "failed" else None
        svc = wait_for(failed, 30.0, 0.1, "caddy failed")
        backoffs = [s for s in seen if s["state"] == "backoff"]
        assert backoffs, "never saw the backoff state"
        assert all(0 <= s["next_start_in_s"] <= 8 for s in backoffs), backoffs
        assert svc["pid"] is None and svc["uptime_s"] is None and svc["next_start_in_s"] is None, svc
        assert svc["restarts"] == 4, svc  # five runs: the first and four restarts
        assert svc["last_exit"]["code"] == 3 and svc["last_exit"]["signal"] is None, svc
        # It stays failed: no sixth run.
        time.sleep(1.2)
        again = cell.caddy()
        assert again["state"] == "failed" and again["restarts"] == 4, again

        # Its last lines: what it printed and what picd noted.
        lines = cell.control().get("/api/services/caddy/logs", expect=200).json["lines"]
        texts = [ln["text"] for ln in lines]
        printed = [ln for ln in lines if ln["stream"] == "stderr" and "fake caddy: giving up at once (run)" in ln["text"]]
        assert len(printed) == 5, texts
        notes = [ln["text"] for ln in lines if ln["stream"] == "picd"]
        assert sum(t == "exited with status 3" for t in notes) == 5, notes
        assert sum(t.startswith(f"started {fake}") for t in notes) == 5, notes
        for delay in (1, 2, 4, 8):
            assert f"restarting in {delay} s" in notes, notes
        assert any("failed" in t for t in notes[-2:]), notes
        # The live stream saw the same lines, and a keepalive comment.
        follow.wait_for_line(lambda ln: ln["stream"] == "picd" and "failed" in ln["text"], 5.0)
        streamed = [e["json"] for e in follow.events if "json" in e]
        assert [ln for ln in streamed if ln["text"] == "exited with status 3"] == \
            [ln for ln in lines if ln["text"] == "exited with status 3"]
        follow.wait_for_comment("keepalive", 6.0)

        # picd keeps serving, on both sockets; health says degraded.
        for client in (cell.api(), cell.control()):
            h = client.get("/health", expect=200).json
            assert h["status"] == "degraded" and h["services"]["caddy"] == "failed", h
        cell.control().get("/api/config", expect=200)
        assert cell.running()

        # A restart takes it out of failed (and counts).
        r = cell.admin_api().post("/api/containers/caddy/restart", expect=200).json
        assert r["state"] in ("starting", "backoff"), r
        assert r["restarts"] == 5, r
        notes = [t for t in _log_texts(cell) if "restart requested by" in t]
        assert notes and "admin" in notes[-1], notes
        # It runs again, and crashes again: backoff, not failed.
        wait_for(lambda: cell.caddy()["state"] == "backoff", 5.0, 0.05, "caddy back in backoff")
        assert cell.caddy()["state"] != "failed"
        assert sum("giving up at once (run)" in t for t in _log_texts(cell)) == 6
    finally:
        follow.close()
        cell.shutdown()


def test_binary_that_cannot_be_executed(workdir):
    """A binary that is not there is a start failure like an exit: backoff,
    with picd's reason in the log; picd itself is fine."""
    cell = Cell(workdir)
    cell.env = {"PIC_CADDY_BINARY": str(workdir / "no-such-caddy")}
    cell.init()
    cell.start(wait_services=False)
    try:
        svc = wait_for(lambda: (lambda s: s if s["state"] in ("backoff", "failed") else None)(cell.caddy()),
                       5.0, 0.05, "caddy in backoff")
        assert svc["pid"] is None and svc["last_exit"] is not None, svc
        texts = _log_texts(cell)
        # Its checker cannot run either, so no config was ever written: picd
        # says so rather than start it on built-in defaults.
        assert any("no-such-caddy" in t or "cannot execute" in t or "no config" in t for t in texts), texts
        h = cell.api().get("/health", expect=200).json
        assert h["status"] == "degraded"
    finally:
        cell.shutdown()


# ---------------------------------------------------------------- restart through the API


def test_restart_through_the_api(cell):
    before = cell.caddy()
    r = cell.control().post("/api/containers/caddy/restart", expect=200).json
    assert r["name"] == "caddy"
    assert r["state"] in ("stopping", "starting"), r
    after = cell.wait_service("ready", pred=lambda s: s["pid"] != before["pid"])
    assert after["restarts"] == before["restarts"] + 1, (before, after)
    # A stop it asked for: SIGTERM, a clean exit.
    assert after["last_exit"]["signal"] in ("SIGTERM", None), after
    assert process_state(before["pid"]) is None
    wait_for(lambda: _caddy_answers(cell), 5.0, 0.05, "Caddy serving again")
    texts = _log_texts(cell)
    assert any(t.startswith("restart requested by") for t in texts), texts[-20:]


# ---------------------------------------------------------------- picd going away


def test_sigterm_of_picd_leaves_no_child(cell):
    caddy = cell.caddy()
    pid = caddy["pid"]
    assert process_state(pid) not in (None, "Z")
    assert port_answers(cell.ui_port) and port_answers(cell.api_port)
    assert cell.stop() == 0, cell.log_tail()
    # picd waited for its child and reaped it: no process, not even a zombie.
    assert process_state(pid) is None, f"caddy {pid} still there: {process_state(pid)}"
    assert not port_answers(cell.ui_port), "something still listens on the UI port"
    assert not port_answers(cell.api_port), "something still listens on the API port"
    log = cell.log_path.read_text(errors="replace")
    assert "service 'caddy': stopping -> down" in log or "stopping -> down" in log, cell.log_tail()
    # It starts again, with a fresh Caddy.
    cell.start()
    assert cell.caddy()["pid"] != pid


def test_kill9_of_picd_takes_caddy_along(cell):
    pid = cell.caddy()["pid"]
    cell.kill9()
    # PR_SET_PDEATHSIG: Caddy is told to go when picd dies. With picd gone
    # nobody but init reaps it, so a zombie counts as gone (it holds no port).
    wait_for(lambda: process_state(pid) in (None, "Z"), 5.0, 0.05, f"caddy {pid} to die with picd")
    wait_for(lambda: not port_answers(cell.ui_port) and not port_answers(cell.api_port), 5.0, 0.05,
             "the ports to be free")
    # A new picd starts a fresh Caddy on the same ports, first time.
    cell.start()
    svc = cell.caddy()
    assert svc["state"] == "ready" and svc["pid"] != pid, svc
    assert svc["restarts"] == 0 and svc["last_exit"] is None, svc
    texts = _log_texts(cell)
    assert not any("address already in use" in t for t in texts), [t for t in texts if "address" in t]
    assert _caddy_answers(cell) and _caddy_answers(cell, cell.api_port)


# ---------------------------------------------------------------- what the child gets


def test_child_inherits_no_fd_no_capability_no_environment(workdir):
    cell = Cell(workdir)
    cell.env = {"PIC_TEST_MARKER": "must-not-reach-caddy"}
    cell.init()
    cell.start()
    try:
        # Some traffic first, so that picd has connections and the store open.
        cell.admin_api().get("/api/config", expect=200)
        pid = cell.caddy()["pid"]
        picd_fds = _fds(cell.proc.pid)
        caddy_fds = _fds(pid)
        assert {0, 1, 2} <= set(caddy_fds), caddy_fds
        assert caddy_fds[0] == "/dev/null", caddy_fds
        assert caddy_fds[1].startswith("pipe:") and caddy_fds[2].startswith("pipe:"), caddy_fds
        # Nothing of the store, of picd's sockets or of picd's log.
        for fd, target in caddy_fds.items():
            assert "cell.db" not in target, f"fd {fd} -> {target}"
            assert not target.startswith(str(cell.dir / "run") + "/"), f"fd {fd} -> {target}"
            assert target != str(cell.log_path), f"fd {fd} -> {target}"
        picd_sockets = _unix_socket_inodes([cell.api_sock, cell.control_sock])
        assert picd_sockets, "picd's listening sockets not found in /proc/net/unix"
        for fd, target in caddy_fds.items():
            m = re.fullmatch(r"socket:\[(\d+)\]", target)
            assert not (m and m[1] in picd_sockets), f"caddy fd {fd} is picd's listening socket {target}"
        # Beyond 0-2, nothing Caddy shares with picd: what it has, it opened itself.
        shared = {fd: t for fd, t in caddy_fds.items()
                  if fd > 2 and not t.startswith("anon_inode:") and t in set(picd_fds.values())}
        assert not shared, f"caddy holds picd's objects: {shared}"

        # No capabilities at all in the dev profile.
        with open(f"/proc/{pid}/status") as f:
            caps = dict(line.split(":", 1) for line in f if line.startswith("Cap"))
        caps = {k: v.strip() for k, v in caps.items()}
        assert caps["CapEff"] == "0000000000000000", caps
        assert caps["CapPrm"] == "0000000000000000", caps
        assert caps["CapAmb"] == "0000000000000000", caps
        assert caps["CapInh"] == "0000000000000000", caps

        # An environment of its own, not picd's.
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        assert b"PIC_TEST_MARKER" not in env, sorted(env)
        assert not [k for k in env if k.startswith(b"PIC_")], sorted(env)
        assert env.get(b"HOME", b"").startswith(str(cell.dir).encode()), env.get(b"HOME")
        # Its own session, and picd is its parent.
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        assert int(fields[1]) == cell.proc.pid, fields  # ppid
        assert int(fields[3]) == pid, fields            # session id
    finally:
        cell.shutdown()


@pytest.mark.parametrize("what", ["cell.db", "api.sock"])
def test_child_fd_check_would_notice(cell, what):
    """The fd check above reads the right things: picd itself holds them."""
    fds = _fds(cell.proc.pid)
    if what == "cell.db":
        assert any("cell.db" in t for t in fds.values()), fds
    else:
        inodes = _unix_socket_inodes([cell.api_sock])
        assert any(re.fullmatch(rf"socket:\[{i}\]", t) for t in fds.values() for i in inodes), fds
