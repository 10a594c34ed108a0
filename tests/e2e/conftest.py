"""End-to-end fixtures: a real cell (pic init + picd) in a temp directory, and
an HTTP client over its unix sockets that checks every response against
api/openapi.yaml.

Run with Debian's pytest: /usr/bin/python3 -m pytest tests/e2e
(needs python3-jsonschema and python3-yaml). PIC_BUILD names the build
directory (default <repo>/build-asan). Traffic goes only to unix sockets and
to 127.0.0.1: picd supervises Caddy, and every test cell gets two free
loopback ports of its own for Caddy's listeners (see Cell.init), so cells of
different tests never clash.
"""

import http.client
import io
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
        if "text/event-stream" in content:
            # A live stream: not JSON. Its events are checked by EventStream.
            assert ctype.split(";")[0].strip() == "text/event-stream", f"{where}: Content-Type {ctype!r}"
            return None
        media = ctype.split(";")[0].strip()
        if media != "application/json" and media in content:
            # A download (a config file, an image): its type is one the
            # spec lists; the test looks at the bytes itself.
            assert raw, f"{where}: empty {media} body"
            return None
        assert media == "application/json", f"{where}: Content-Type {ctype!r}"
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


def _connection(target, timeout):
    if isinstance(target, tuple):
        host, port = target
        assert host == "127.0.0.1", f"tests talk to loopback only, not {host}"
        return http.client.HTTPConnection(host, port, timeout=timeout)
    return UnixHTTPConnection(target, timeout)


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
        # A unix socket path, or ("127.0.0.1", port) for Caddy's listeners.
        self.sock = sock if isinstance(sock, tuple) else str(sock)
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

        conn = self._conn or _connection(self.sock, self.timeout)
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


class EventStream:
    """A GET of a text/event-stream route, read as it comes with a timeout:
    raw HTTP/1.1 on a unix socket (or ("127.0.0.1", port)), the chunked
    body decoded here. The answer's status and headers are checked against
    the spec; an error answer's JSON body too (in .json); each event's data
    against the LogLine schema."""

    def __init__(self, target, path, auth=None, timeout=10.0, validate=True):
        """validate=False defers the spec check of the answer to check()."""
        self.path = path
        self.events = []          # every event parsed so far
        self.ended = False        # the terminating chunk came (a clean end)
        self.eof = False          # the connection was closed
        self._raw = b""           # undecoded bytes
        self._text = b""          # decoded body not yet parsed into events
        self._chunked = False
        if isinstance(target, tuple):
            assert target[0] == "127.0.0.1"
            self.sock = socket.create_connection(target, timeout=timeout)
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            self.sock.settimeout(timeout)
            self.sock.connect(str(target))
        hdrs = ["Host: localhost", "Accept: text/event-stream"]
        if isinstance(auth, Session):
            hdrs.append(f"Cookie: pic_session={auth.cookie}")
        elif isinstance(auth, str):
            hdrs.append(f"Authorization: Bearer {auth}")
        self.sock.sendall((f"GET {path} HTTP/1.1\r\n" + "\r\n".join(hdrs) + "\r\n\r\n").encode())
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._raw:
            if not self._recv(deadline):
                raise AssertionError(f"GET {path}: connection closed before the headers: {self._raw!r}")
        head, self._raw = self._raw.split(b"\r\n\r\n", 1)
        status_line, _, header_block = head.partition(b"\r\n")
        self.status = int(status_line.split()[1])
        self.headers = http.client.parse_headers(io.BytesIO(header_block + b"\r\n\r\n"))
        self._chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        assert self.status < 500, f"GET {path} -> {self.status}"
        self.json = None
        self.body = b""
        if self.status != 200:
            self.body = self._read_whole_body(deadline)
            self.close()
            try:
                self.json = json.loads(self.body)
            except ValueError:
                pass
        if validate:
            self.check()

    def check(self):
        """The answer's status, headers (and error body) against the spec."""
        body = get_spec().check_response("GET", self.path, self.status, self.headers, self.body)
        if self.status != 200:
            self.json = body

    @property
    def error(self):
        return (self.json or {}).get("error", {})

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"GET {self.path}: nothing more within the timeout")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError(f"GET {self.path}: nothing more within the timeout") from None
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self._raw += data
        return True

    def _read_whole_body(self, deadline):
        if self._chunked:
            while not self.ended:
                self._dechunk()
                if not self.ended and not self._recv(deadline):
                    break
            return self._text
        n = int(self.headers.get("Content-Length") or 0)
        while len(self._raw) < n and self._recv(deadline):
            pass
        return self._raw[:n]

    def _dechunk(self):
        if not self._chunked:
            self._text += self._raw
            self._raw = b""
            return
        while not self.ended:
            line, sep, rest = self._raw.partition(b"\r\n")
            if not sep:
                return
            size = int(line.split(b";")[0], 16)
            if size == 0:
                if rest.startswith(b"\r\n") or b"\r\n\r\n" in rest:
                    self.ended = True
                    self._raw = b""
                return
            if len(rest) < size + 2:
                return
            assert rest[size:size + 2] == b"\r\n", f"bad chunk framing: {self._raw[:200]!r}"
            self._text += rest[:size]
            self._raw = rest[size + 2:]

    def _parse(self):
        out = []
        while b"\n\n" in self._text:
            block, self._text = self._text.split(b"\n\n", 1)
            ev = {}
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    ev.setdefault("comment", line[1:].strip())
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                ev[field] = ev[field] + "\n" + value if field == "data" and "data" in ev else value
            if "data" in ev:
                ev["json"] = json.loads(ev["data"])
                schema = get_spec().doc["components"]["schemas"]["LogLine"]
                errors = list(get_spec().validator(schema).iter_errors(ev["json"]))
                assert not errors, f"GET {self.path}: event data does not match LogLine: {errors[0].message}: {ev}"
                assert ev.get("event") == "line", ev
            out.append(ev)
        self.events += out
        return out

    def next_events(self, timeout=5.0):
        """Waits for at least one more event (or comment) and returns the new ones."""
        deadline = time.monotonic() + timeout
        while True:
            self._dechunk()
            new = self._parse()
            if new:
                return new
            if self.ended or self.eof:
                return []
            self._recv(deadline)

    def wait_for_line(self, pred, timeout=5.0):
        """Reads events until one whose LogLine satisfies pred; returns it."""
        deadline = time.monotonic() + timeout
        for ev in self.events:
            if "json" in ev and pred(ev["json"]):
                return ev
        while True:
            new = self.next_events(max(0.01, deadline - time.monotonic()))
            for ev in new:
                if "json" in ev and pred(ev["json"]):
                    return ev
            if not new:
                raise AssertionError(f"GET {self.path}: the stream ended without the line; saw {self.events}")

    def wait_for_comment(self, text, timeout=5.0):
        """Reads events until a comment line `: text` came."""
        deadline = time.monotonic() + timeout
        while not any(e.get("comment") == text for e in self.events):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"GET {self.path}: no ': {text}' within {timeout}s")
            try:
                if not self.next_events(left) and (self.ended or self.eof):
                    raise AssertionError(f"GET {self.path}: the stream ended without ': {text}'")
            except TimeoutError:
                pass

    def wait_closed(self, timeout=10.0):
        """Reads to the end of the stream; True when the connection ended (a
        clean end: the terminating chunk, or EOF)."""
        deadline = time.monotonic() + timeout
        while not (self.ended or self.eof):
            self._dechunk()
            self._parse()
            if self.ended:
                break
            self._recv(deadline)
        self._dechunk()
        self._parse()
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


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


_ports_handed_out = set()


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on right now (bind port
    0, read the number, close). Never the same port twice in one run."""
    for _ in range(1000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_handed_out:
            _ports_handed_out.add(port)
            return port
    raise AssertionError("no free loopback port")


def port_answers(port, timeout=1.0):
    """Something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def http_get(port, path, headers=None, timeout=5.0):
    """A plain GET to 127.0.0.1:port (Caddy), not checked against the spec:
    for the web UI's files. Returns (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


def process_state(pid):
    """The State letter of /proc/<pid>/status ('S', 'R', 'Z' ...), or None
    when there is no such process."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return line.split()[1]
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


# /health's services of a new cell once it is up: DHCP is off until
# someone picks an interface and a range; the VPN is off in test cells (see Cell.init).
ALL_READY = {"caddy": "ready", "unbound": "ready", "chrony": "ready", "dnsmasq": "disabled", "wireguard": "disabled"}


class Cell:
    """A cell directory and the picd serving it. picd supervises Caddy,
    which listens on 127.0.0.1:ui_port and :api_port (own free ports per
    cell, see init)."""

    def __init__(self, root, password=ADMIN_PASSWORD):
        self.root = Path(root)
        self.dir = self.root / "cell"
        self.db = self.dir / "cell.db"
        self.run_dir = self.dir / "run"
        self.api_sock = self.run_dir / "api.sock"
        self.control_sock = self.run_dir / "control.sock"
        self.caddy_config = self.dir / "config" / "caddy" / "caddy.json"
        self.log_path = self.root / "picd.log"
        self.password = password
        self.proc = None
        self.env = {}            # extra environment for picd (test hooks: PIC_CADDY_BINARY ...)
        self.netns = None        # a network namespace to run picd in
        self.init_ports = None   # ports.ui / ports.api as `pic init` made them
        self.ui_port = self.api_port = None

    # -- process
    def init(self, name="test", own_ports=True):
        pic_init(self.dir, self.password, name)
        self.init_ports = {k: json.loads(self.sqlite(f"SELECT value FROM config WHERE key = 'ports.{k}'"))
                           for k in ("ui", "api", "dns")}
        self.ui_port, self.api_port = self.init_ports["ui"], self.init_ports["api"]
        self.dns_port = self.init_ports["dns"]
        if own_ports:
            # Test setup, not production behaviour: picd starts Caddy on
            # ports.ui and ports.api (8081 and 3000 in the dev profile), so
            # two cells at once (a module's shared_cell and a test's own
            # cell, or another run on this machine) would clash and the
            # second Caddy would crash-loop. Each test cell gets two free
            # loopback ports in its store before picd first starts. No
            # revision records this: to the cell they are its initial ports.
            # Values are JSON text.
            # The same holds for Unbound on ports.dns (5353 in dev) and
            # chrony on ports.ntp (11123).
            self.ui_port, self.api_port, self.dns_port = free_port(), free_port(), free_port()
            self.ntp_port = free_port()
            self.sqlite(f"UPDATE config SET value = '{self.ui_port}' WHERE key = 'ports.ui'; "
                        f"UPDATE config SET value = '{self.api_port}' WHERE key = 'ports.api'; "
                        f"UPDATE config SET value = '{self.dns_port}' WHERE key = 'ports.dns'; "
                        f"UPDATE config SET value = '{self.ntp_port}' WHERE key = 'ports.ntp'")
        # Traffic rule: no test reaches a public NTP pool. A new cell's
        # chrony would ask pool.ntp.org (and the host's resolver for it);
        # test cells start with no upstream, and serve their own clock.
        self.sqlite("UPDATE config SET value = '[]' WHERE key = 'ntp.servers'; "
                    "UPDATE config SET value = '8' WHERE key = 'ntp.local_stratum'")
        # Traffic rule again: VPN addresses only inside a namespace a test
        # made. A cell on the host gets no WireGuard interface (its
        # default, pic0 with 10.0.0.1/24, would be the host's); the VPN
        # tests set a name of their own inside their namespace.
        self.sqlite("UPDATE config SET value = '\"\"' WHERE key = 'wireguard.interface'")

    def start(self, timeout=STARTUP_TIMEOUT, env=None, wait_services=True):
        """Starts picd (with self.env and env added to the environment) and
        waits until both sockets answer; with wait_services also until
        GET /health says "ok" (Caddy ready)."""
        assert self.proc is None or self.proc.poll() is not None, "picd already running"
        log = open(self.log_path, "ab")
        log.write(f"---- picd start {time.strftime('%H:%M:%S')}\n".encode())
        log.flush()
        e = dict(os.environ)
        e.update(self.env)
        e.update(env or {})
        # In a network namespace, `ip netns exec` execs picd itself: the
        # pid is picd's.
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = subprocess.Popen(prefix + [str(PICD), "--dir", str(self.dir)], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, close_fds=True, env=e)
        log.close()
        self.wait_ready(timeout, wait_services=wait_services)

    def wait_ready(self, timeout=STARTUP_TIMEOUT, wait_services=True):
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(f"picd exited with {rc} while starting\n{self.log_tail()}")
            if self.api_sock.exists() and self.control_sock.exists():
                status = self._health_status()
                if status == "ok" or (status and not wait_services):
                    return
            if time.monotonic() >= deadline:
                raise AssertionError(f"picd not ready after {timeout}s (health status {self._health_status()!r})\n"
                                     f"{self.log_tail()}")
            time.sleep(0.02)

    def _health_status(self):
        """GET /health on both sockets: its "status" when both answer 200
        and agree, else None."""
        seen = set()
        for sock in (self.api_sock, self.control_sock):
            try:
                conn = UnixHTTPConnection(sock, timeout=2)
                conn.request("GET", "/health")
                r = conn.getresponse()
                body = r.read()
                conn.close()
            except OSError:
                return None
            if r.status != 200:
                return None
            try:
                seen.add(json.loads(body).get("status"))
            except ValueError:
                return None
        return seen.pop() if len(seen) == 1 else None

    def _health_ok(self):
        return self._health_status() is not None

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
        """Stops picd and asserts it exited 0, with no sanitizer report in its log."""
        rc = self.stop()
        assert rc in (None, 0), f"picd exited with {rc} after SIGTERM\n{self.log_tail()}"
        reports = self.sanitizer_reports()
        assert not reports, "picd's log has sanitizer reports:\n" + "\n".join(reports[:20])

    SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

    def sanitizer_reports(self):
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [ln for ln in lines if any(m in ln for m in self.SANITIZER_MARKS)]

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

    def ui(self, auth=None, **kw):
        """Caddy's UI listener, 127.0.0.1:ui_port (/api and /health go to picd)."""
        return Client(("127.0.0.1", self.ui_port), auth=auth, **kw)

    def api_tcp(self, auth=None, **kw):
        """Caddy's API listener, 127.0.0.1:api_port (everything goes to picd)."""
        return Client(("127.0.0.1", self.api_port), auth=auth, **kw)

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

    # -- services
    def services(self):
        """GET /api/services/status as {name: Service}."""
        return {s["name"]: s for s in self.control().get("/api/services/status", expect=200).json["services"]}

    def caddy(self):
        return self.services()["caddy"]

    def health(self):
        return self.control().get("/health", expect=200).json

    def apply_status(self):
        return self.control().get("/api/apply/status", expect=200).json

    def wait_service(self, state="ready", name="caddy", timeout=10.0, pred=None):
        """Polls until the service is in `state` (and pred(service) holds);
        returns the Service."""
        last = {}

        def check():
            svc = last["svc"] = self.services()[name]
            return svc if svc["state"] == state and (pred is None or pred(svc)) else None
        try:
            return wait_for(check, timeout, 0.05, f"{name} {state}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last seen {last.get('svc')}\n{self.log_tail()}") from None

    def wait_apply(self, revision, timeout=10.0):
        """Polls GET /api/apply/status until it reports `revision` (the
        reconcile runs just after the commit); returns it."""
        last = {}

        def check():
            st = last["st"] = self.apply_status()
            return st if st["revision"] == revision else None
        try:
            return wait_for(check, timeout, 0.05, f"the reconcile of revision {revision}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last seen {last.get('st')}") from None


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
