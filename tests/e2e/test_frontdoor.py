"""Caddy as the front door, over real TCP on loopback: the UI listener
(ui_port) proxies /api/* and /health to picd's api.sock and serves the web UI
from PIC_WEBUI_DIST with an SPA fallback; the API listener (api_port)
proxies everything. X-Forwarded-For from a client is replaced by Caddy, so
spoofing it does not dodge the login rate limit. Responses from picd through
Caddy are checked against the spec like any other."""

import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import ALL_READY, ADMIN, ADMIN_PASSWORD, Cell, Session, http_get, parse_set_cookie

INDEX = b"<!doctype html><html><body><div id=\"root\">pic-e2e index marker</div></body></html>\n"
SCRIPT = b"console.log('pic-e2e asset');\n"


@pytest.fixture(scope="module")
def door():
    """A cell whose Caddy serves a web UI dist made here (picd reads
    PIC_WEBUI_DIST)."""
    root = Path(tempfile.mkdtemp(prefix="pic-e2e-", dir="/tmp"))
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "x.js").write_bytes(SCRIPT)
    cell = Cell(root)
    cell.env = {"PIC_WEBUI_DIST": str(dist)}
    cell.init()
    try:
        cell.start()
        cell.dist = dist
        yield cell
    finally:
        if cell.running():
            cell.shutdown()
        shutil.rmtree(root, ignore_errors=True)


def test_api_through_the_ui_port(door):
    ui = door.ui()
    h = ui.get("/health", expect=200).json
    assert h["status"] == "ok" and h["services"] == ALL_READY
    r = ui.get("/api/auth/me", expect=401)
    assert r.error["code"] == "unauthenticated"
    assert r.headers["Server"] == "Caddy"
    # Unknown API paths are picd's 404, never the UI's index.html.
    r = ui.get("/api/no/such/route", expect=404)
    assert r.error["code"] == "not_found"
    # A token works through the proxy.
    token = door.create_token("read")[0]
    me = door.ui(token).get("/api/auth/me", expect=200).json
    assert me == {"username": ADMIN, "role": "admin", "auth": "token", "scope": "read"}
    door.ui(token).get("/api/services/status", expect=200)


def test_api_through_the_api_port(door):
    api = door.api_tcp()
    assert api.get("/health", expect=200).json["status"] == "ok"
    assert api.get("/api/auth/me", expect=401).error["code"] == "unauthenticated"
    # Everything on this port is picd's, also "/".
    r = api.get("/", expect=404)
    assert r.error["code"] == "not_found"
    token = door.create_token("admin")[0]
    assert door.api_tcp(token).get("/api/config", expect=200).json["ports"]["api"] == door.api_port


def test_login_and_session_through_caddy(door):
    ui = door.ui()
    r = ui.post("/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD}, expect=200)
    cookies = [parse_set_cookie(c) for c in r.headers.get_all("Set-Cookie")]
    [(name, value, attrs)] = [c for c in cookies if c[0] == "pic_session"]
    assert attrs.get("httponly") and attrs.get("samesite") == "Strict"
    assert "secure" not in attrs  # plain HTTP on loopback: Caddy says X-Forwarded-Proto http
    s = Session(ADMIN, value, r.json["csrf_token"], "", r.json)
    assert door.ui(s).get("/api/auth/me", expect=200).json["auth"] == "session"
    # CSRF is still required through the proxy.
    door.ui(s).post("/api/auth/tokens", {"name": "via-caddy", "scope": "read"}, csrf=False, expect=403)
    door.ui(s).post("/api/auth/tokens", {"name": "via-caddy", "scope": "read"}, expect=201)
    door.ui(s).post("/api/auth/logout", expect=204)
    door.ui(s).get("/api/auth/me", expect=401)


def test_web_ui_files(door):
    status, headers, body = http_get(door.ui_port, "/")
    assert status == 200 and body == INDEX
    assert headers["Content-Type"].startswith("text/html")
    # The UI's security headers.
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    status, headers, body = http_get(door.ui_port, "/assets/x.js")
    assert status == 200 and body == SCRIPT
    assert "javascript" in headers["Content-Type"]
    status, _, body = http_get(door.ui_port, "/index.html")
    assert status == 200 and body == INDEX


@pytest.mark.parametrize("path", ["/settings", "/peers/laptop", "/login?next=/settings", "/a/b/c/d"])
def test_unknown_ui_paths_fall_back_to_index(door, path):
    status, headers, body = http_get(door.ui_port, path)
    assert status == 200 and body == INDEX, (status, body[:200])
    assert headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/../cell/cell.db", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                                  "/assets/../../cell/cell.db"])
def test_no_way_out_of_the_dist(door, path):
    status, _, body = http_get(door.ui_port, path)
    assert b"root:x:0:0" not in body and b"SQLite format" not in body, (status, body[:100])


def test_api_responses_do_not_get_the_ui_headers(door):
    r = door.ui().get("/health", expect=200)
    assert r.headers.get("Content-Type") == "application/json"
    assert "Content-Security-Policy" not in r.headers


def test_spoofed_x_forwarded_for_does_not_dodge_the_login_limit(cell):
    """Caddy replaces X-Forwarded-For with the peer it saw (127.0.0.1), so
    every login through it shares one per-source budget (10 per 60 s),
    whatever the client claims."""
    ui = cell.ui()
    statuses = []
    for i in range(10):
        # A different claimed source and a different unknown user each time,
        # so that only the per-source limit can bite.
        r = cell.ui(xff=f"203.0.113.{i + 1}").post(
            "/api/auth/login", {"username": f"ghost{i}", "password": "wrong-password"})
        statuses.append(r.status)
    assert statuses == [401] * 10, statuses
    r = cell.ui(xff="198.51.100.77").post("/api/auth/login", {"username": "ghost-x", "password": "wrong-password"},
                                          expect=429)
    assert r.error["code"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    # Not even the right password passes now, through either port, with any header.
    cell.ui(xff="192.0.2.1", headers={"Forwarded": "for=192.0.2.1", "X-Real-IP": "192.0.2.1"}).post(
        "/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD}, expect=429)
    cell.api_tcp(xff="192.0.2.2").post("/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD},
                                       expect=429)
    # The limit is the proxy's peer's, not everyone's: another source (here
    # api.sock with its own X-Forwarded-For, as Caddy would send) still logs in.
    cell.login()
    assert ui.get("/health", expect=200).json["status"] == "ok"
