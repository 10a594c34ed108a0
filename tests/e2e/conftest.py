"""End-to-end fixtures: a real cell (pic init + picd) in a temp directory, and
an HTTP client over its unix sockets that checks every response against
api/openapi.yaml.

Run with Debian's pytest: /usr/bin/python3 -m pytest tests/e2e
(needs python3-jsonschema and python3-yaml). PIC_BUILD names the build
directory (default <repo>/build-asan). Only unix sockets are used: no test
opens a network address.
"""

import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator, RefResolver

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("PIC_BUILD", REPO / "build-asan"))
PICD = BUILD / "src" / "picd"
PIC = BUILD / "src" / "cli" / "pic"
SPEC_PATH = REPO / "api" / "openapi.yaml"

ADMIN = "admin"
ADMIN_PASSWORD = "correct horse battery staple"
STARTUP_TIMEOUT = 10.0
NOBODY = object()


# ---------------------------------------------------------------- the spec


def _compile_template(template):
    parts = []
    for seg in template.split("/"):
        m = re.fullmatch(r"\{(\w+)\}", seg)
        parts.append(f"(?P<{m[1]}>[^/]+)" if m else re.escape(seg))
    return re.compile("^" + "/".join(parts) + "$")


class Spec:
    """api/openapi.yaml, loaded once, with a response validator."""

    METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

    def __init__(self, path):
        with open(path) as f:
            self.doc = yaml.safe_load(f)
        self.resolver = RefResolver(base_uri="", referrer=self.doc)
        # Literal paths first, then templates with fewer parameters.
        self.paths = sorted(
            ((t, _compile_template(t), item) for t, item in self.doc["paths"].items()),
            key=lambda x: x[0].count("{"))
        self._validators = {}

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj

    def operations(self):
        """Yields (METHOD, path template, operation)."""
        for template, _, item in self.paths:
            for m in self.METHODS:
                if m in item:
                    yield m.upper(), template, item[m]

    def find(self, method, path):
        """Returns (template, item, operation or None), or None when no path matches."""
        for template, rx, item in self.paths:
            if rx.match(path):
                return template, item, item.get(method.lower())
        return None

    def validator(self, schema):
        key = id(schema)
        entry = self._validators.get(key)
        if entry is None:
            # The schema is kept in the entry so that its id() stays unique.
            entry = self._validators[key] = (Draft202012Validator(schema, resolver=self.resolver), schema)
        return entry[0]

    def check_response(self, method, url, status, headers, raw):
        """Raises AssertionError unless the response is one the spec allows."""
        path = urllib.parse.urlsplit(url).path
        where = f"{method} {url} -> {status}"
        found = self.find(method, path)
        if found is None:
            resp = self.deref({"$ref": "#/components/responses/NotFound"})
            assert status == 404, f"{where}: no such path in the spec, expected 404; body {raw[:500]!r}"
        elif found[2] is None:
            resp = self.deref({"$ref": "#/components/responses/MethodNotAllowed"})
            assert status == 405, (f"{where}: path {found[0]} has no {method} in the spec, "
                                   f"expected 405; body {raw[:500]!r}")
        else:
            responses = found[2]["responses"]
            assert str(status) in responses, (
                f"{where}: status not in the spec for {method} {found[0]} "
                f"(allowed {sorted(responses)}); body {raw[:500]!r}")
            resp = self.deref(responses[str(status)])

        assert headers.get("X-Request-Id"), f"{where}: no X-Request-Id header"
        for name, h in resp.get("headers", {}).items():
            h = self.deref(h)
            value = headers.get(name)
            if value is None:
                assert not h.get("required"), f"{where}: required header {name} missing"
                continue
            schema = h.get("schema", {})
            if self.deref(schema).get("type") == "integer":
                assert re.fullmatch(r"[0-9]+", value), f"{where}: header {name}: {value!r} is not an integer"
                value = int(value)
            errors = sorted(self.validator(schema).iter_errors(value), key=str)
            assert not errors, f"{where}: header {name}: {errors[0].message}"

        content = resp.get("content")
        if content is None:
            assert raw == b"", f"{where}: expected no body, got {raw[:500]!r}"
            return None
        ctype = headers.get("Content-Type", "")
        assert ctype.split(";")[0].strip() == "application/json", f"{where}: Content-Type {ctype!r}"
        try:
            body = json.loads(raw)
        except ValueError as e:
            raise AssertionError(f"{where}: body is not JSON ({e}): {raw[:500]!r}") from None
        schema = content["application/json"]["schema"]
        errors = sorted(self.validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]]
            raise AssertionError(f"{where}: body does not match the spec:\n" + "\n".join(lines)
                                 + f"\nbody: {json.dumps(body)[:2000]}")
        return body


@pytest.fixture(scope="session")
def spec():
    return Spec(SPEC_PATH)


_SPEC = None


def get_spec():
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec(SPEC_PATH)
    return _SPEC


# ---------------------------------------------------------------- the client


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30.0):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = str(path)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(self.timeout)
        try:
            s.connect(self.unix_path)
        except OSError:
            s.close()
            raise
        self.sock = s


class Response(tuple):
    """(status, headers, json body or None); also .status .headers .json .raw."""

    def __new__(cls, status, headers, body, raw):
        r = super().__new__(cls, (status, headers, body))
        r.raw = raw
        return r

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    json = property(lambda self: self[2])

    @property
    def error(self):
        return (self[2] or {}).get("error", {})

    def __repr__(self):
        return f"<{self[0]} {self.raw[:300]!r}>"


class Session:
    def __init__(self, username, cookie, csrf, set_cookie, body):
        self.username = username
        self.cookie = cookie          # the value of pic_session
        self.csrf = csrf
        self.set_cookie = set_cookie  # the raw Set-Cookie header
        self.body = body


class Client:
    """HTTP/1.1 over a unix socket. Every response is checked against the
    spec and must not be a 5xx. auth: a Session (cookie; CSRF header added on
    POST/PUT/DELETE unless csrf=False, or csrf="value" to send that) or a
    token string (Bearer)."""

    def __init__(self, sock, *, auth=None, xff=None, headers=None, persistent=False, timeout=30.0):
        self.sock = str(sock)
        self.auth = auth
        self.xff = xff
        self.extra = dict(headers or {})
        self.persistent = persistent
        self.timeout = timeout
        self._conn = None

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=NOBODY, *, raw=None, content_type="application/json",
                headers=None, csrf=True, expect=None, allow_5xx=False, chunks=None):
        """chunks: an iterable of bytes sent with Transfer-Encoding: chunked."""
        hdrs = dict(self.extra)
        if body is not NOBODY:
            raw = json.dumps(body).encode()
        if (raw is not None or chunks is not None) and content_type is not None:
            hdrs["Content-Type"] = content_type
        if self.xff:
            hdrs["X-Forwarded-For"] = self.xff
        if isinstance(self.auth, Session):
            hdrs["Cookie"] = f"pic_session={self.auth.cookie}"
            if method not in ("GET", "HEAD") and csrf:
                hdrs["X-CSRF-Token"] = csrf if isinstance(csrf, str) else self.auth.csrf
        elif isinstance(self.auth, str):
            hdrs["Authorization"] = f"Bearer {self.auth}"
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}

        conn = self._conn or UnixHTTPConnection(self.sock, self.timeout)
        try:
            try:
                if chunks is not None:
                    conn.request(method, path, body=iter(chunks), headers=hdrs, encode_chunked=True)
                else:
                    conn.request(method, path, body=raw, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                # picd may answer (413) and close before reading a large body.
                pass
            r = conn.getresponse()
            data = r.read()
        except BaseException:
            conn.close()
            self._conn = None
            raise
        if self.persistent and not r.will_close:
            self._conn = conn
        else:
            conn.close()
            self._conn = None

        status, rheaders = r.status, r.headers
        if not allow_5xx:
            assert status < 500, f"{method} {path} -> {status} (a 5xx): {data[:1000]!r}"
        body_json = get_spec().check_response(method, path, status, rheaders, data)
        resp = Response(status, rheaders, body_json, data)
        if expect is not None:
            ok = status in expect if isinstance(expect, (tuple, list, set)) else status == expect
            assert ok, f"{method} {path}: expected {expect}, got {status}: {data[:1000]!r}"
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=NOBODY, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=NOBODY, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, body=NOBODY, **kw):
        return self.request("DELETE", path, body, **kw)


def parse_set_cookie(header):
    """'n=v; HttpOnly; SameSite=Strict' -> ('n', 'v', {'httponly': True, 'samesite': 'Strict'})"""
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return name.strip(), value.strip(), attrs


_xff_counter = itertools.count(1)


def unique_source():
    """A fresh X-Forwarded-For value, so logins of one test do not share the
    per-source rate limit. Only ever a header value, never connected to."""
    n = next(_xff_counter)
    return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


# ---------------------------------------------------------------- the cell


def _require_binaries():
    missing = [str(p) for p in (PICD, PIC) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"not built: {', '.join(missing)} (PIC_BUILD={BUILD}); "
                    f"run: meson setup build-asan -Db_sanitize=address,undefined && ninja -C build-asan",
                    pytrace=False)


def run(argv, *, timeout=30, check=False, env=None, input=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout,
                       env=e, input=input, stdin=None if input is not None else subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, f"{argv} -> {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def pic_init(dir, password, name="test"):
    pwfile = Path(dir).parent / f"{Path(dir).name}.password"
    pwfile.write_text(password)
    pwfile.chmod(0o600)
    run([PIC, "init", "--dir", dir, "--name", name, "--admin-password-file", pwfile], check=True)


def wait_for(pred, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Cell:
    """A cell directory and the picd serving it."""

    def __init__(self, root, password=ADMIN_PASSWORD):
        self.root = Path(root)
        self.dir = self.root / "cell"
        self.db = self.dir / "cell.db"
        self.run_dir = self.dir / "run"
        self.api_sock = self.run_dir / "api.sock"
        self.control_sock = self.run_dir / "control.sock"
        self.log_path = self.root / "picd.log"
        self.password = password
        self.proc = None

    # -- process
    def init(self, name="test"):
        pic_init(self.dir, self.password, name)

    def start(self, timeout=STARTUP_TIMEOUT):
        assert self.proc is None or self.proc.poll() is not None, "picd already running"
        log = open(self.log_path, "ab")
        log.write(f"---- picd start {time.strftime('%H:%M:%S')}\n".encode())
        log.flush()
        self.proc = subprocess.Popen([str(PICD), "--dir", str(self.dir)], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, close_fds=True)
        log.close()
        self.wait_ready(timeout)

    def wait_ready(self, timeout=STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(f"picd exited with {rc} while starting\n{self.log_tail()}")
            if self.api_sock.exists() and self.control_sock.exists() and self._health_ok():
                return
            if time.monotonic() >= deadline:
                raise AssertionError(f"picd not ready after {timeout}s\n{self.log_tail()}")
            time.sleep(0.02)

    def _health_ok(self):
        for sock in (self.api_sock, self.control_sock):
            try:
                conn = UnixHTTPConnection(sock, timeout=2)
                conn.request("GET", "/health")
                ok = conn.getresponse().status == 200
                conn.close()
            except OSError:
                return False
            if not ok:
                return False
        return True

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM; returns the exit status (asserted 0 by the caller, see shutdown)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"picd did not exit {timeout}s after SIGTERM\n{self.log_tail()}")
        rc = self.proc.returncode
        return rc

    def shutdown(self):
        """Stops picd and asserts it exited 0."""
        rc = self.stop()
        assert rc in (None, 0), f"picd exited with {rc} after SIGTERM\n{self.log_tail()}"

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def restart(self):
        self.shutdown()
        self.proc = None
        self.start()

    def log_tail(self, n=80):
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no picd log)"
        return "---- picd log (tail) ----\n" + "\n".join(lines[-n:])

    # -- clients
    def api(self, auth=None, **kw):
        return Client(self.api_sock, auth=auth, **kw)

    def control(self, **kw):
        """root on control.sock: the user admin, auth peercred."""
        return Client(self.control_sock, **kw)

    def login(self, username=ADMIN, password=None, xff=None, **kw):
        password = self.password if password is None and username == ADMIN else password
        r = self.api(xff=xff or unique_source()).post(
            "/api/auth/login", {"username": username, "password": password}, expect=200, **kw)
        set_cookies = r.headers.get_all("Set-Cookie") or []
        for sc in set_cookies:
            name, value, _ = parse_set_cookie(sc)
            if name == "pic_session":
                return Session(username, value, r.json["csrf_token"], sc, r.json)
        raise AssertionError(f"login: no pic_session cookie in {set_cookies}")

    def session_client(self, username=ADMIN, password=None):
        return self.api(self.login(username, password))

    def create_user(self, username, password, role="user"):
        return self.control().post("/api/users", {"username": username, "password": password, "role": role},
                                   expect=201).json

    def create_token(self, scope="admin", name=None, username=None, client=None, **extra):
        body = {"name": name or f"t-{scope}-{next(_xff_counter)}", "scope": scope, **extra}
        if username:
            body["username"] = username
        r = (client or self.control()).post("/api/auth/tokens", body, expect=201)
        return r.json["token"], r.json

    def admin_api(self):
        """api.sock with a fresh admin-scoped token of the user admin."""
        return self.api(self.create_token("admin")[0])

    def config(self):
        return self.control().get("/api/config", expect=200).json

    def revision(self):
        return self.config()["revision"]

    def sqlite(self, sql, db=None):
        return run(["sqlite3", db or self.db, sql], check=True).stdout.strip()


# ---------------------------------------------------------------- fixtures


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session")
def binaries():
    _require_binaries()
    return PICD, PIC


@pytest.fixture
def workdir():
    """A short temp dir under /tmp (unix socket paths are limited to 107 bytes)."""
    d = Path(tempfile.mkdtemp(prefix="pic-e2e-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _make_cell(request, root):
    _require_binaries()
    c = Cell(root)
    c.init()
    c.start()
    yield c
    failed = any(getattr(request.node, f"rep_{w}", None) is not None
                 and getattr(request.node, f"rep_{w}").failed for w in ("setup", "call"))
    if failed:
        print(c.log_tail())
    if c.proc is not None and c.proc.poll() is None:
        c.shutdown()
    elif c.proc is not None and c.proc.returncode not in (0, None):
        # The test stopped it itself; a crash it did not ask for still fails.
        rc = c.proc.returncode
        if rc != -signal.SIGKILL:
            raise AssertionError(f"picd exited with {rc}\n{c.log_tail()}")


@pytest.fixture
def cell(request, workdir):
    """A fresh cell `test` (admin password ADMIN_PASSWORD) with picd running.
    The finalizer SIGTERMs picd and asserts it exited 0."""
    yield from _make_cell(request, workdir)


@pytest.fixture(scope="module")
def shared_cell(request):
    """One cell for a whole module of tests that do not change it much."""
    d = Path(tempfile.mkdtemp(prefix="pic-e2e-", dir="/tmp"))
    try:
        yield from _make_cell(request, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def routes():
    """picd --list-routes: [{"method","path","role"}]."""
    _require_binaries()
    p = run([PICD, "--list-routes"], check=True)
    out = []
    for line in p.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            assert set(r) >= {"method", "path", "role"}, f"bad route line {line!r}"
            out.append(r)
    assert out, "picd --list-routes printed nothing"
    return out


def normalize_template(path):
    """'/a/{id}', '/a/:id' and '/a/<id>' all become '/a/{}'."""
    return re.sub(r"\{[^/}]*\}|:[A-Za-z_]\w*|<[^/>]*>", "{}", path)


PARAM_VALUES = {"id": "0123456789abcdef", "username": "admin", "n": "1"}


def fill_template(path):
    """A concrete path for a route template, with plausible parameter values."""
    def sub(m):
        name = re.sub(r"[{}:<>]", "", m.group(0))
        return PARAM_VALUES.get(name, "1")
    return re.sub(r"\{[^/}]*\}|:[A-Za-z_]\w*|<[^/>]*>", sub, path)
