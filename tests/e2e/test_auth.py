"""Authentication over api.sock: 401 on every protected route, sessions and
their cookie, CSRF, the peer-credential admin on control.sock, and the login
rate limits."""

import json

from conftest import ADMIN, ADMIN_PASSWORD, Session, fill_template, parse_set_cookie, unique_source

BOGUS_TOKEN = "pic_0123456789abcdef_bogusbogusbogusbogusbogus"


def _sweep(cell, routes, auth):
    failures = []
    for r in routes:
        if r["role"] == "none":
            continue
        method, path = r["method"].upper(), fill_template(r["path"])
        body = {} if method in ("POST", "PUT", "DELETE") else None
        client = cell.api(auth)
        resp = client.request(method, path, **({"body": body} if body is not None else {}))
        if resp.status != 401 or resp.error.get("code") != "unauthenticated":
            failures.append(f"{method} {path}: {resp.status} {resp.raw[:200]!r}")
    return failures


def test_every_protected_route_needs_auth(shared_cell, routes):
    protected = [r for r in routes if r["role"] != "none"]
    assert len(protected) >= 15
    failures = []
    for label, auth in (("no credentials", None),
                        ("bogus bearer", BOGUS_TOKEN),
                        ("bogus cookie", Session("x", "bogus-session-value", "bogus-csrf", "", {}))):
        failures += [f"[{label}] {f}" for f in _sweep(shared_cell, routes, auth)]
    # A malformed Authorization header is no better.
    for header in ("Bearer", "Bearer ", "Basic YWRtaW46eA==", "Bearer pic_", "bearer " + BOGUS_TOKEN):
        r = shared_cell.api(headers={"Authorization": header}).get("/api/config")
        if r.status != 401:
            failures.append(f"[Authorization: {header!r}] GET /api/config: {r.status}")
    assert not failures, "\n".join(failures)


def test_unprotected_routes(shared_cell, routes):
    none = {(r["method"].upper(), r["path"]) for r in routes if r["role"] == "none"}
    assert none == {("GET", "/health"), ("POST", "/api/auth/login")}
    r = shared_cell.api().get("/health", expect=200)
    assert r.json["status"] == "ok" and r.json["version"] == "0.1.0"


def test_request_ids_differ(shared_cell):
    a = shared_cell.api().get("/health").headers["X-Request-Id"]
    b = shared_cell.api().get("/health").headers["X-Request-Id"]
    assert a != b


def test_request_id_from_the_proxy_is_kept(shared_cell):
    r = shared_cell.api(headers={"X-Request-Id": "caddy-1234.abc_DEF"}).get("/health")
    assert r.headers["X-Request-Id"] == "caddy-1234.abc_DEF"
    for bad in ("has space", "a" * 65, "semi;colon", "quo\"te"):
        r = shared_cell.api(headers={"X-Request-Id": bad}).get("/health")
        assert r.headers["X-Request-Id"] != bad


def test_login_cookie_and_me(cell):
    s = cell.login(ADMIN, ADMIN_PASSWORD)
    assert s.body["user"] == {"username": ADMIN, "role": "admin"}
    name, value, attrs = parse_set_cookie(s.set_cookie)
    assert name == "pic_session" and len(value) >= 16
    assert attrs.get("httponly") is True, s.set_cookie
    assert str(attrs.get("samesite", "")).lower() == "strict", s.set_cookie
    assert attrs.get("path") == "/", s.set_cookie
    assert "secure" not in attrs, f"Secure without X-Forwarded-Proto: https: {s.set_cookie}"
    me = cell.api(s).get("/api/auth/me", expect=200).json
    assert me == {"username": ADMIN, "role": "admin", "auth": "session"}


def test_cookie_is_secure_behind_tls(cell):
    s = cell.login(ADMIN, ADMIN_PASSWORD, headers={"X-Forwarded-Proto": "https"})
    _, _, attrs = parse_set_cookie(s.set_cookie)
    assert attrs.get("secure") is True, s.set_cookie
    assert attrs.get("httponly") is True and str(attrs.get("samesite")).lower() == "strict"


def test_bad_credentials(cell):
    api = cell.api(xff=unique_source())
    r = api.post("/api/auth/login", {"username": ADMIN, "password": "wrong password"}, expect=401)
    assert r.error["code"] == "unauthenticated"
    assert not r.headers.get_all("Set-Cookie")
    r = api.post("/api/auth/login", {"username": "nobody", "password": ADMIN_PASSWORD}, expect=401)
    assert r.error["code"] == "unauthenticated"
    r = api.post("/api/auth/login", {"username": ADMIN}, expect=400)
    assert r.error.get("field") == "password"


def test_logout_ends_the_session(cell):
    s = cell.login()
    api = cell.api(s)
    api.get("/api/auth/me", expect=200)
    r = api.post("/api/auth/logout", expect=204)
    cleared = [parse_set_cookie(h) for h in r.headers.get_all("Set-Cookie") or []]
    assert any(n == "pic_session" and a.get("max-age") == "0" for n, _, a in cleared), cleared
    api.get("/api/auth/me", expect=401)
    api.get("/api/config", expect=401)


def test_sessions_are_independent(cell):
    a, b = cell.login(), cell.login()
    assert a.cookie != b.cookie and a.csrf != b.csrf
    cell.api(a).post("/api/auth/logout", expect=204)
    cell.api(b).get("/api/auth/me", expect=200)
    # Another session's CSRF token does not fit this session.
    c = cell.login()
    cell.api(b).put("/api/config", {"public_endpoint": "x.example.org"}, csrf=c.csrf, expect=403)


def test_sessions_do_not_append_revisions(cell):
    before = cell.revision()
    s = cell.login()
    cell.api(s).post("/api/auth/logout", expect=204)
    assert cell.revision() == before


def test_csrf_required_for_cookie_writes(cell):
    s = cell.login()
    api = cell.api(s)
    writes = [
        ("PUT", "/api/config", {"public_endpoint": "csrf.example.org"}),
        ("POST", "/api/auth/tokens", {"name": "csrf", "scope": "read"}),
        ("POST", "/api/users", {"username": "carol", "password": "carol-password", "role": "user"}),
        ("POST", "/api/auth/logout", None),
    ]
    rev = cell.revision()
    for method, path, body in writes:
        kw = {"body": body} if body is not None else {}
        for csrf in (False, "wrong-csrf-token"):
            r = api.request(method, path, csrf=csrf, **kw)
            assert r.status == 403 and r.error["code"] == "permission_denied", (method, path, csrf, r)
    assert cell.revision() == rev, "a request refused for CSRF changed something"
    api.get("/api/auth/me", expect=200)  # logout without CSRF did not log out
    # With the token: success.
    api.put("/api/config", {"public_endpoint": "csrf.example.org"}, expect=200)
    tok = api.post("/api/auth/tokens", {"name": "csrf", "scope": "read"}, expect=201).json
    api.delete(f"/api/auth/tokens/{tok['id']}", csrf=False, expect=403)
    api.delete(f"/api/auth/tokens/{tok['id']}", expect=204)
    api.post("/api/users", {"username": "carol", "password": "carol-password", "role": "user"}, expect=201)
    api.post("/api/auth/logout", expect=204)


def test_bearer_needs_no_csrf(cell):
    token, _ = cell.create_token("admin")
    api = cell.api(token)
    assert api.get("/api/auth/me", expect=200).json["auth"] == "token"
    api.put("/api/config", {"public_endpoint": "bearer.example.org"}, expect=200)
    api.post("/api/users", {"username": "dave", "password": "dave-password", "role": "user"}, expect=201)


def test_peercred_on_control_sock(cell):
    me = cell.control().get("/api/auth/me", expect=200).json
    assert me == {"username": ADMIN, "role": "admin", "auth": "peercred"}
    # No CSRF needed, no credentials needed.
    cell.control().put("/api/config", {"public_endpoint": "root.example.org"}, expect=200)


def test_rate_limit_per_user(cell):
    cell.create_user("bob", "bob-password-1")
    for i in range(5):
        cell.api(xff=unique_source()).post("/api/auth/login", {"username": "bob", "password": f"bad-{i}-xxx"},
                                            expect=401)
    # Five failures: the sixth attempt is refused without checking the password,
    # from any source, even with the right password.
    for password in ("bad-again-xx", "bob-password-1"):
        r = cell.api(xff=unique_source()).post("/api/auth/login", {"username": "bob", "password": password},
                                                expect=429)
        assert r.error["code"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 300
    # Other users are not affected.
    cell.login(ADMIN, ADMIN_PASSWORD)


def test_rate_limit_per_source(cell):
    cell.create_user("erin", "erin-password")
    src = "127.9.9.9"
    api = cell.api(xff=src)
    for i in range(10):
        # Different user names, so the per-user limit never triggers.
        api.post("/api/auth/login", {"username": f"nouser{i}", "password": "whatever-pw"}, expect=401)
    r = api.post("/api/auth/login", {"username": "erin", "password": "erin-password"}, expect=429)
    assert r.error["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Only the first address of X-Forwarded-For counts.
    r = cell.api(headers={"X-Forwarded-For": f"{src}, 127.0.0.1"}).post(
        "/api/auth/login", {"username": "erin", "password": "erin-password"}, expect=429)
    # Another source is fine.
    cell.api(headers={"X-Forwarded-For": f"127.0.0.1, {src}"}).post(
        "/api/auth/login", {"username": "erin", "password": "erin-password"}, expect=200)
    cell.login("erin", "erin-password")


def test_rate_limit_per_source_counts_successes(cell):
    # "at most 10 attempts per 60 s": good passwords count too.
    api = cell.api(xff="127.9.9.10")
    for _ in range(10):
        api.post("/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD}, expect=200)
    r = api.post("/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD}, expect=429)
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_rate_limit_local_source(cell):
    # Without X-Forwarded-For the source is "local".
    api = cell.api()
    for i in range(10):
        api.post("/api/auth/login", {"username": f"ghost{i}", "password": "whatever-pw"}, expect=401)
    api.post("/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD}, expect=429)
    cell.login(ADMIN, ADMIN_PASSWORD, xff="127.8.8.8")


def test_login_body_is_strict(cell):
    api = cell.api(xff=unique_source())
    r = api.post("/api/auth/login", {"username": ADMIN, "password": ADMIN_PASSWORD, "remember": True}, expect=400)
    assert r.error.get("field") == "remember"
    r = api.post("/api/auth/login", raw=json.dumps({"username": ADMIN, "password": 5}).encode(), expect=400)
    assert r.error.get("field") == "password"


def test_expired_session_is_refused(cell):
    cell.create_user("bob", "bob-password")
    s = cell.login("bob", "bob-password")
    cell.api(s).get("/api/auth/me", expect=200)
    # Move the session's expiry into the past in the store (unix seconds).
    cell.sqlite("UPDATE sessions SET expires_at = CAST(strftime('%s','now') AS INTEGER) - 5 "
                "WHERE username = 'bob'")
    cell.api(s).get("/api/auth/me", expect=401)


def test_login_expires_at_is_in_the_future(cell):
    import datetime
    s = cell.login()
    exp = datetime.datetime.strptime(s.body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now + datetime.timedelta(minutes=5) < exp < now + datetime.timedelta(days=400)
