"""The services API: /api/services/status and /api/containers (the same
Service objects), POST /api/containers/{name}/restart, the log of a service
(GET .../logs and the live stream .../logs/stream, server-sent events), and
who may use which. Every response is checked against api/openapi.yaml; the
stream's events against its LogLine schema."""

import time

import pytest

from conftest import ALL_READY, EventStream, wait_for

SERVICE_FIELDS = {"name", "description", "kind", "state", "pid", "since", "uptime_s", "restarts", "last_exit",
                  "next_start_in_s"}
USER, USER_PASSWORD = "carol", "carol-password-1"


@pytest.fixture(scope="module")
def env(shared_cell):
    """The shared cell, a plain user's session and an admin token."""
    shared_cell.create_user(USER, USER_PASSWORD, "user")
    return shared_cell, shared_cell.session_client(USER, USER_PASSWORD), shared_cell.create_token("admin")[0]


def _stable(svc):
    return {k: v for k, v in svc.items() if k != "uptime_s"}


# ---------------------------------------------------------------- status


def test_status_and_containers_list_caddy(env):
    cell, user, _ = env
    services = user.get("/api/services/status", expect=200).json["services"]
    containers = user.get("/api/containers", expect=200).json["containers"]
    assert [s["name"] for s in services] == ["caddy", "unbound", "chrony", "dnsmasq", "wireguard"]
    caddy = services[0]
    assert set(caddy) == SERVICE_FIELDS
    assert caddy["description"] == "Reverse proxy and web UI"
    assert caddy["kind"] == "longrun"
    assert caddy["state"] == "ready" and isinstance(caddy["pid"], int) and caddy["uptime_s"] >= 0
    assert caddy["next_start_in_s"] is None
    # The same objects under the seed's name.
    assert [_stable(s) for s in containers] == [_stable(s) for s in services]
    # And /health agrees.
    h = cell.api().get("/health", expect=200).json
    assert h["services"] == ALL_READY and h["status"] == "ok"
    # The pid is really Caddy, a child of picd.
    with open(f"/proc/{caddy['pid']}/cmdline", "rb") as f:
        argv = f.read().split(b"\0")
    assert argv[0].endswith(b"caddy") and argv[1] == b"run", argv
    with open(f"/proc/{caddy['pid']}/stat") as f:
        assert int(f.read().rsplit(")", 1)[1].split()[1]) == cell.proc.pid


def test_uptime_grows(env):
    cell, _, admin = env
    a = cell.api(admin).get("/api/services/status", expect=200).json["services"][0]
    time.sleep(1.1)
    b = cell.api(admin).get("/api/services/status", expect=200).json["services"][0]
    assert b["uptime_s"] >= a["uptime_s"] + 1 and b["since"] == a["since"] and b["pid"] == a["pid"]


# ---------------------------------------------------------------- who may do what


def test_unknown_service(env):
    cell, _, admin = env
    api = cell.api(admin)
    for path in ("/api/containers/nosuch/restart",):
        r = api.post(path, expect=404)
        assert r.error["code"] == "not_found"
    assert api.get("/api/services/nosuch/logs", expect=404).error["code"] == "not_found"
    s = EventStream(cell.api_sock, "/api/services/nosuch/logs/stream", auth=admin)
    assert s.status == 404 and s.error["code"] == "not_found"
    # The name is not a path.
    api.post("/api/containers/..%2fcaddy/restart", expect=(400, 404))
    api.get("/api/services/caddy%00/logs", expect=(400, 404))


def test_plain_user_may_look_but_not_touch(env):
    cell, user, _ = env
    pid = cell.caddy()["pid"]
    r = user.post("/api/containers/caddy/restart", expect=403)
    assert r.error["code"] == "permission_denied"
    user.post("/api/containers/nosuch/restart", expect=403)
    assert user.get("/api/services/caddy/logs", expect=403).error["code"] == "permission_denied"
    s = EventStream(cell.api_sock, "/api/services/caddy/logs/stream", auth=user.auth)
    assert s.status == 403 and s.error["code"] == "permission_denied"
    user.get("/api/apply/status", expect=403)
    # Nothing happened to Caddy.
    assert cell.caddy()["pid"] == pid


def test_token_scopes(env):
    cell, _, _ = env
    read = cell.create_token("read")[0]
    write = cell.create_token("write")[0]
    cell.api(read).get("/api/services/status", expect=200)
    cell.api(read).get("/api/services/caddy/logs", expect=200)  # GET: read scope, admin role
    cell.api(read).post("/api/containers/caddy/restart", expect=403)
    cell.api(write).post("/api/containers/caddy/restart", expect=403)  # admin route: needs admin scope
    cell.api().get("/api/services/status", expect=401)
    cell.api().post("/api/containers/caddy/restart", expect=401)


def test_restart_needs_csrf_with_a_cookie(env):
    cell, _, _ = env
    pid = cell.caddy()["pid"]
    admin = cell.session_client()
    r = admin.post("/api/containers/caddy/restart", csrf=False, expect=403)
    assert r.error["code"] == "permission_denied"
    assert cell.caddy()["pid"] == pid


# ---------------------------------------------------------------- logs


def test_logs_lines_bounds_and_order(env):
    cell, _, admin = env
    api = cell.api(admin)
    full = api.get("/api/services/caddy/logs?lines=1000", expect=200).json
    assert full["service"] == "caddy"
    lines = full["lines"]
    assert len(lines) >= 5, lines
    assert any(ln["stream"] == "picd" and ln["text"].startswith("started /usr/bin/caddy") for ln in lines)
    assert any(ln["stream"] == "stderr" for ln in lines), "nothing of Caddy's own output"
    times = [ln["time"] for ln in lines]
    assert times == sorted(times), "not oldest first"
    five = api.get("/api/services/caddy/logs?lines=5", expect=200).json["lines"]
    assert len(five) == 5 and five == lines[-5:]
    one = api.get("/api/services/caddy/logs?lines=1", expect=200).json["lines"]
    assert one == lines[-1:]
    default = api.get("/api/services/caddy/logs", expect=200).json["lines"]
    assert default == lines[-100:]
    for bad in ("0", "1001", "-1", "abc", "", "5x", "1e2"):
        r = api.get(f"/api/services/caddy/logs?lines={bad}", expect=400)
        assert r.error["code"] == "invalid_argument" and r.error.get("field") == "lines", (bad, r)


def test_stream_backlog_then_live_lines_then_clean_end(cell):
    admin = cell.create_token("admin")[0]
    logs = cell.api(admin).get("/api/services/caddy/logs?lines=3", expect=200).json["lines"]
    s = EventStream(cell.api_sock, "/api/services/caddy/logs/stream?lines=3", auth=admin)
    try:
        assert s.status == 200
        assert s.headers["Content-Type"].startswith("text/event-stream")
        backlog = []
        while len(backlog) < 3:
            new = s.next_events(5.0)
            assert new, "the stream ended"
            backlog += [e for e in new if "json" in e]
        assert [e["json"] for e in backlog] == logs
        ids = [int(e["id"]) for e in backlog]
        assert ids == sorted(ids) and len(set(ids)) == 3, ids

        # A new line: the restart note, as it happens.
        cell.control().post("/api/containers/caddy/restart", expect=200)
        ev = s.wait_for_line(lambda ln: ln["text"].startswith("restart requested by"), 5.0)
        assert ev["json"]["stream"] == "picd" and int(ev["id"]) > ids[-1]
        s.wait_for_line(lambda ln: ln["text"] == "ready", 10.0)
        ids = [int(e["id"]) for e in s.events if "id" in e]
        assert ids == sorted(ids) and len(ids) == len(set(ids)), ids

        # picd stops: the stream ends cleanly (the last chunk, not a cut
        # connection), after Caddy's end, and picd exits 0.
        n = len(s.events)
        assert cell.stop() == 0, cell.log_tail()
        assert s.wait_closed(5.0)
        assert s.ended, "the stream was cut, not ended with the last chunk"
        # Every line the ring had when the stream ended reached it: also
        # picd's own note of Caddy's exit, the last one (picd logged it).
        last = [e["json"]["text"] for e in s.events[n:] if "json" in e]
        noted = [ln for ln in cell.log_path.read_text(errors="replace").splitlines()
                 if "service 'caddy': exited" in ln]
        assert noted, cell.log_tail()
        assert any(t.startswith("exited") for t in last), (
            f"the stream ended without picd's last note {noted[-1]!r}; its last lines: {last}")
    finally:
        s.close()


def test_stream_default_backlog_is_20(env):
    cell, _, admin = env
    logs = cell.api(admin).get("/api/services/caddy/logs?lines=20", expect=200).json["lines"]
    s = EventStream(cell.api_sock, "/api/services/caddy/logs/stream", auth=admin)
    try:
        got = []
        deadline = time.monotonic() + 5
        while len(got) < len(logs) and time.monotonic() < deadline:
            got += [e["json"] for e in s.next_events(5.0) if "json" in e]
        assert got == logs
    finally:
        s.close()


def test_stream_bad_lines(env):
    cell, _, admin = env
    for bad in ("-1", "1001", "x", "", "2.5"):
        s = EventStream(cell.api_sock, f"/api/services/caddy/logs/stream?lines={bad}", auth=admin)
        assert s.status == 400 and s.error.get("field") == "lines", (bad, s.json)


def test_stream_with_no_backlog(cell):
    """lines=0: only new lines (tail -n 0 -f); the answer comes at once all the same."""
    admin = cell.create_token("admin")[0]
    s = EventStream(cell.api_sock, "/api/services/caddy/logs/stream?lines=0", auth=admin, timeout=3.0)
    try:
        assert s.status == 200
        cell.control().post("/api/containers/caddy/restart", expect=200)
        first = s.next_events(5.0)
        assert first and first[0]["json"]["text"].startswith("restart requested by"), first
    finally:
        s.close()


def test_stream_through_caddy(env):
    """The UI follows a log through the front door."""
    cell, _, admin = env
    s = EventStream(("127.0.0.1", cell.ui_port), "/api/services/caddy/logs/stream?lines=2", auth=admin)
    try:
        assert s.status == 200
        got = []
        while len(got) < 2:
            new = s.next_events(5.0)
            assert new
            got += [e for e in new if "json" in e]
    finally:
        s.close()


def test_more_than_64_streams_are_refused(cell):
    admin = cell.create_token("admin")[0]
    streams = []
    try:
        for i in range(64):
            s = EventStream(cell.api_sock, "/api/services/caddy/logs/stream?lines=1", auth=admin)
            streams.append(s)
            assert s.status == 200, (i, s.status)
        # The spec check of this answer comes last (see the end).
        extra = EventStream(cell.api_sock, "/api/services/caddy/logs/stream?lines=1", auth=admin, validate=False)
        assert extra.status == 429, extra.status
        assert extra.error["code"] == "rate_limited"
        # picd is fine meanwhile.
        cell.api(admin).get("/api/services/status", expect=200)
        cell.control().get("/health", expect=200)
        # Every stream still gets new lines.
        cell.control().post("/api/containers/caddy/restart", expect=200)
        for s in streams[::16]:
            s.wait_for_line(lambda ln: ln["text"].startswith("restart requested by"), 5.0)
    finally:
        for s in streams:
            s.close()
    # Closed streams give their places back (at the latest when they are
    # next written to: here the lines of a restart).
    cell.control().post("/api/containers/caddy/restart", expect=200)
    cell.wait_service("ready")

    def opens():
        s = EventStream(cell.api_sock, "/api/services/caddy/logs/stream?lines=1", auth=admin)
        s.close()
        return s.status == 200
    wait_for(opens, 5.0, 0.2, "a stream to open again after the others closed")
    # 429 is rate_limited, which comes with Retry-After (contract: every 429).
    extra.check()
