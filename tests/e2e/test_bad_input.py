"""Hostile and broken requests: every one gets a 4xx from the spec (never a
5xx), picd stays up, and nothing changes."""

import json

import pytest

from conftest import unique_source

MIB = 1024 * 1024
BAD_NAMES = ["a\nb", 'a"b', "a b", "a\u0000b", "a{b", "a}b", "{{x}}", "../x", "..", "a/b", "a'b",
             "a\rb", "a;b", "a\\b", "a\tb", "", "a" * 33, "ä", "A"]


@pytest.fixture(scope="module")
def env(shared_cell):
    """(cell, api.sock client with an admin token)."""
    return shared_cell, shared_cell.admin_api()


@pytest.fixture
def unchanged(env):
    """Asserts after the test that picd is alive and nothing changed."""
    cell, _ = env
    rev = cell.revision()
    config = cell.config()
    users = cell.control().get("/api/users", expect=200).json
    yield
    assert cell.running(), f"picd died\n{cell.log_tail()}"
    cell.api().get("/health", expect=200)
    assert cell.config() == config
    assert cell.revision() == rev
    assert cell.control().get("/api/users", expect=200).json == users
    assert cell.control().get("/api/config/pending", expect=200).json == {"changes": {}, "confirm": None}


BODY_ROUTES = [("PUT", "/api/config"), ("POST", "/api/users"), ("POST", "/api/auth/tokens"),
               ("PUT", "/api/users/admin"), ("POST", "/api/config/apply"), ("POST", "/api/auth/login")]


def _invalid(resp, field=None, where=""):
    assert resp.status == 400, f"{where}: {resp}"
    assert resp.error["code"] == "invalid_argument", f"{where}: {resp}"
    if field is not None:
        assert resp.error.get("field") == field, f"{where}: expected field {field!r}: {resp}"


@pytest.mark.parametrize("raw", [b"{", b"{\"a\":}", b"not json", b"{'a': 1}", b"{\"a\":1,}", b"\xff\xfe",
                                 b"{\"public_endpoint\":\"\xff\"}", b"{} x", b"{}{}", b"",
                                 b"{\"public_endpoint\":\"a\x00b\"}", b"[" * 100000, b"{\"a\":" * 50000,
                                 b"{\"ports\":{\"dns\":1e400}}", b"{\"ports\":{\"dns\":99999999999999999999999}}",
                                 b"{\"public_endpoint\":\"\\ud800\"}"],
                         ids=lambda r: repr(r[:24]))
def test_malformed_json(env, unchanged, raw):
    cell, api = env
    for method, path in BODY_ROUTES:
        if raw == b"" and path == "/api/config/apply":
            continue  # its body is optional: empty is no body
        c = cell.api(xff=unique_source()) if path == "/api/auth/login" else api
        r = c.request(method, path, raw=raw)
        _invalid(r, where=f"{method} {path} {raw[:30]!r}")
        assert "field" not in r.error, f"malformed JSON names no field: {method} {path} {r}"


@pytest.mark.parametrize("body", [[], [{"public_endpoint": "x.org"}], "x", 1, 1.5, True, None])
def test_body_must_be_an_object(env, unchanged, body):
    cell, api = env
    for method, path in BODY_ROUTES:
        c = cell.api(xff=unique_source()) if path == "/api/auth/login" else api
        r = c.request(method, path, raw=json.dumps(body).encode())
        _invalid(r, where=f"{method} {path} {body!r}")
        assert "field" not in r.error


def test_duplicate_keys(env, unchanged):
    cell, api = env
    for method, path, raw in (
            ("PUT", "/api/config", b'{"public_endpoint":"a.example.org","public_endpoint":"b.example.org"}'),
            ("PUT", "/api/config", b'{"ports":{"dns":5354,"dns":5355}}'),
            ("PUT", "/api/config", b'{"ports":{"dns":5354},"ports":{"ui":9000}}'),
            ("POST", "/api/users", b'{"username":"dup","username":"dup2","password":"dup-password","role":"user"}'),
            ("POST", "/api/auth/tokens", b'{"name":"a","name":"b","scope":"read"}'),
            ("POST", "/api/config/apply", b'{"timeout_s":60,"timeout_s":70}')):
        _invalid(api.request(method, path, raw=raw), where=raw.decode())
    r = cell.api(xff=unique_source()).post(
        "/api/auth/login", raw=b'{"username":"admin","username":"admin","password":"x"}')
    _invalid(r)


@pytest.mark.parametrize("method,path,body,field", [
    ("PUT", "/api/config", {"bogus": 1}, "bogus"),
    ("PUT", "/api/config", {"public_endpoint": "x.example.org", "Bogus": 1}, "Bogus"),
    ("PUT", "/api/config", {"ports": {"bogus": 1}}, "ports.bogus"),
    ("PUT", "/api/config", {"ports": {"dns": 5354, "dnss": 1}}, "ports.dnss"),
    ("PUT", "/api/config", {"service_ips": {"dns": "172.20.0.9"}}, "service_ips"),
    ("PUT", "/api/config", {"revision": 1}, "revision"),
    ("POST", "/api/users", {"username": "u1", "password": "u1-password", "role": "user", "admin": True}, "admin"),
    ("PUT", "/api/users/admin", {"username": "root"}, "username"),
    ("POST", "/api/auth/tokens", {"name": "t", "scope": "read", "secret": "x"}, "secret"),
    ("POST", "/api/config/apply", {"timeout_s": 60, "force": True}, "force"),
])
def test_unknown_fields(env, unchanged, method, path, body, field):
    _, api = env
    _invalid(api.request(method, path, body), field, f"{method} {path} {body}")


@pytest.mark.parametrize("method,path,body,field", [
    ("PUT", "/api/config", {"public_endpoint": 5}, "public_endpoint"),
    ("PUT", "/api/config", {"public_endpoint": None}, "public_endpoint"),
    ("PUT", "/api/config", {"public_endpoint": True}, "public_endpoint"),
    ("PUT", "/api/config", {"public_endpoint": ["a.org"]}, "public_endpoint"),
    ("PUT", "/api/config", {"cell_name": 1}, "cell_name"),
    ("PUT", "/api/config", {"domain": {}}, "domain"),
    ("PUT", "/api/config", {"vpn_address": 10}, "vpn_address"),
    ("PUT", "/api/config", {"ports": 5353}, "ports"),
    ("PUT", "/api/config", {"ports": [5353]}, "ports"),
    ("PUT", "/api/config", {"ports": None}, "ports"),
    ("PUT", "/api/config", {"ports": {"dns": "5354"}}, "ports.dns"),
    ("PUT", "/api/config", {"ports": {"dns": 5354.0}}, "ports.dns"),
    ("PUT", "/api/config", {"ports": {"dns": 5354.5}}, "ports.dns"),
    ("PUT", "/api/config", {"ports": {"dns": True}}, "ports.dns"),
    ("PUT", "/api/config", {"ports": {"dns": None}}, "ports.dns"),
    ("POST", "/api/users", {"username": 1, "password": "u1-password", "role": "user"}, "username"),
    ("POST", "/api/users", {"username": "u1", "password": ["x"], "role": "user"}, "password"),
    ("POST", "/api/users", {"username": "u1", "password": "u1-password", "role": None}, "role"),
    ("PUT", "/api/users/admin", {"role": True}, "role"),
    ("PUT", "/api/users/admin", {"password": 12345678}, "password"),
    ("POST", "/api/auth/tokens", {"name": {}, "scope": "read"}, "name"),
    ("POST", "/api/auth/tokens", {"name": "t", "scope": 1}, "scope"),
    ("POST", "/api/auth/tokens", {"name": "t", "scope": "read", "expires_in_days": "1"}, "expires_in_days"),
    ("POST", "/api/config/apply", {"timeout_s": "60"}, "timeout_s"),
    ("POST", "/api/config/apply", {"timeout_s": None}, "timeout_s"),
])
def test_wrong_types(env, unchanged, method, path, body, field):
    _, api = env
    _invalid(api.request(method, path, body), field, f"{method} {path} {body}")


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_bad_names(env, unchanged, name):
    cell, api = env
    cases = [("POST", "/api/users", {"username": name, "password": "name-password", "role": "user"}, "username"),
             ("POST", "/api/auth/tokens", {"name": name, "scope": "read"}, "name"),
             ("PUT", "/api/config", {"cell_name": name}, "cell_name"),
             ("PUT", "/api/config", {"domain": name + ".cell"}, "domain"),
             ("PUT", "/api/config", {"public_endpoint": name + ".example.org"}, "public_endpoint")]
    for method, path, body, field in cases:
        if name == "a" * 33 and field in ("domain", "public_endpoint"):
            continue  # a fine DNS label
        r = api.request(method, path, body)
        # A NUL may already stop the JSON parser (no field then).
        _invalid(r, None if "\u0000" in name and "field" not in r.error else field, f"{method} {path} {body!r}")
    r = cell.api(xff=unique_source()).post("/api/auth/login", {"username": name, "password": "whatever-pw"})
    assert r.status in (400, 401), r


def test_bad_path_parameters(env, unchanged):
    _, api = env
    for seg in ("..%2F..%2Fetc", "a%00b", "%7Bx%7D", "a%0Ab", "a%20b", "%2E%2E", "A" * 300, "a%22b"):
        api.get(f"/api/users/{seg}", expect=(400, 404))
        api.put(f"/api/users/{seg}", {"role": "user"}, expect=(400, 404))
        api.delete(f"/api/users/{seg}", expect=(400, 404))
        api.delete(f"/api/auth/tokens/{seg}", expect=(400, 404))
        api.get(f"/api/revisions/{seg}", expect=(400, 404))
    for path in ("/api/users/../users", "/api/users/./admin", "/api//users", "/api/users/admin/../admin"):
        api.get(path, expect=404)


def test_oversized_body(env, unchanged):
    cell, api = env
    big = b'{"public_endpoint":"' + b"a" * (MIB + 16) + b'"}'
    r = api.put("/api/config", raw=big, expect=413)
    assert r.error["code"] == "payload_too_large"
    r = cell.api(xff=unique_source()).post("/api/auth/login", raw=b'{"username":"' + b"a" * (2 * MIB) + b'"}',
                                         expect=413)
    # Chunked: the limit holds without a Content-Length.
    r = api.request("PUT", "/api/config", chunks=(b"[" + b" " * 65536 for _ in range(40)), expect=413)
    # Just under the limit is parsed (and refused for its content, not its size).
    near = b'{"public_endpoint":"' + b"a" * (MIB - 64) + b'"}'
    _invalid(api.put("/api/config", raw=near), "public_endpoint")
    cell.api().get("/health", expect=200)


def test_chunked_body_is_fine(env):
    cell, api = env
    r = api.request("PUT", "/api/config", chunks=[b'{"public_endpoint":', b'"chunked.example.org"}'], expect=200)
    assert r.json["config"]["public_endpoint"] == "chunked.example.org"
    api.put("/api/config", {"public_endpoint": ""}, expect=200)


def test_content_type(env, unchanged):
    cell, api = env
    body = json.dumps({"public_endpoint": "ct.example.org"}).encode()
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/jsonx", "application/json-patch+json", "text/json", None):
        r = api.put("/api/config", raw=body, content_type=ctype, expect=415)
        assert r.error["code"] == "unsupported_media_type"
        r = cell.api(xff=unique_source()).post("/api/auth/login", raw=b'{"username":"admin","password":"x"}',
                                             content_type=ctype, expect=415)


def test_content_type_with_charset_is_json(env):
    cell, api = env
    for ctype in ("application/json; charset=utf-8", "application/json;charset=UTF-8"):
        api.put("/api/config", raw=b'{"public_endpoint":"cs.example.org"}', content_type=ctype, expect=200)
    api.put("/api/config", {"public_endpoint": ""}, expect=200)


def test_unknown_routes(env, unchanged):
    cell, api = env
    for path in ("/api/nope", "/nope", "/", "/api", "/api/", "/api/config/nope", "/api/users/admin/extra",
                 "/api/users/", "/healthz", "/health/x", "/api/auth", "/api/revisions/1/rollback/x",
                 "/API/CONFIG"):
        r = api.get(path, expect=404)
        assert r.error["code"] == "not_found", path
    for method, path in (("PATCH", "/api/config"), ("DELETE", "/api/config"), ("POST", "/health"),
                         ("GET", "/api/auth/login"), ("GET", "/api/config/apply"), ("PUT", "/api/auth/tokens"),
                         ("GET", "/api/revisions/1/rollback"), ("POST", "/api/users/admin")):
        r = api.request(method, path)
        assert r.status == 405 and r.error["code"] == "method_not_allowed", (method, path, r)


def test_empty_and_whitespace_bodies(env, unchanged):
    _, api = env
    for raw in (b"", b"   ", b"\n"):
        _invalid(api.put("/api/config", raw=raw), where=repr(raw))
        _invalid(api.post("/api/users", raw=raw), where=repr(raw))


def test_many_requests_on_one_connection(env, unchanged):
    cell, admin = env
    api = cell.api(admin.auth, persistent=True)
    try:
        for i in range(50):
            api.put("/api/config", raw=b"{bad", expect=400)
            api.get("/api/nope", expect=404)
            api.get("/api/auth/me", expect=200)
    finally:
        api.close()


def test_body_size_boundary(env, unchanged):
    """Exactly 1 MiB is read and judged on its content; one byte more is 413,
    announced by Content-Length or not (chunked)."""
    _, api = env
    for n, status in ((MIB, 400), (MIB + 1, 413)):
        body = b'{"public_endpoint":"' + b"a" * (n - 22) + b'"}'
        assert len(body) == n
        r = api.put("/api/config", raw=body, expect=status)
        if status == 400:
            assert r.error.get("field") == "public_endpoint"
        r = api.request("PUT", "/api/config", chunks=[body[i:i + 65536] for i in range(0, n, 65536)],
                        expect=status)


def test_large_body_is_read_promptly(env):
    """Reading a 1 MiB body must not take seconds (a slow read path lets a
    few unauthenticated clients hold picd's connections for long)."""
    import time
    cell, api = env
    body = b'{"username":"' + b"a" * (MIB - 64) + b'"}'
    t0 = time.monotonic()
    cell.api(xff=unique_source()).post("/api/auth/login", raw=body, expect=400)
    elapsed = time.monotonic() - t0
    assert elapsed < 2.0, f"a 1 MiB login body took {elapsed:.1f}s to answer"
