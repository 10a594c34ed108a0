"""api/openapi.yaml against itself and against picd's route table, both ways."""

import re

from jsonschema import Draft202012Validator

from conftest import Spec, SPEC_PATH, normalize_template

ERROR_STATUSES = {"400": "BadRequest", "401": "Unauthenticated", "403": "Forbidden",
                  "404": "NotFound", "405": "MethodNotAllowed", "409": "Conflict",
                  "413": "PayloadTooLarge", "415": "UnsupportedMediaType",
                  "429": "RateLimited", "500": "Internal"}


def _spec_ops(spec):
    return {(m, normalize_template(t)): (t, op) for m, t, op in spec.operations()}


def test_spec_is_openapi_31_with_valid_schemas(spec):
    assert re.fullmatch(r"3\.1\.\d+", spec.doc["openapi"])
    for name, schema in spec.doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    # Every $ref in the document resolves.
    refs = []

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("$ref"), str):
                refs.append(o["$ref"])
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(spec.doc)
    assert refs
    for ref in set(refs):
        spec.resolver.resolve(ref)
    schemes = spec.doc["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {**schemes["cookieAuth"], "type": "apiKey", "in": "cookie",
                                     "name": "pic_session"}
    assert schemes["bearerAuth"]["scheme"] == "bearer"


DOWNLOAD_TYPES = {"text/plain", "image/svg+xml", "image/png"}


def test_every_operation_is_well_formed(spec):
    ids = set()
    for method, template, op in spec.operations():
        where = f"{method} {template}"
        assert op.get("operationId") and op["operationId"] not in ids, where
        ids.add(op["operationId"])
        role = op.get("x-pic-role")
        assert role in ("none", "user", "admin"), where
        responses = op["responses"]
        assert "500" in responses, where
        for status, resp in responses.items():
            resp = spec.deref(resp)
            assert "X-Request-Id" in resp.get("headers", {}), f"{where} {status}: no X-Request-Id"
            if status in ERROR_STATUSES:
                assert responses[status] == {"$ref": f"#/components/responses/{ERROR_STATUSES[status]}"}, \
                    f"{where} {status}"
            elif status == "204":
                assert "content" not in resp, where
            else:
                # JSON, except a live stream of server-sent events.
                # JSON, or a live stream, or (a download) JSON plus the
                # other forms the same resource comes in.
                kinds = list(resp["content"])
                assert kinds in (["application/json"], ["text/event-stream"]) or (
                    kinds[0] == "application/json" and set(kinds[1:]) <= DOWNLOAD_TYPES), where
                if "text/event-stream" in resp["content"]:
                    assert method == "GET" and status == "200", where
                    assert "429" in responses, f"{where}: the number of open streams is bounded"
        params = re.findall(r"\{(\w+)\}", template)
        declared = {spec.deref(p)["name"] for p in op.get("parameters", []) if spec.deref(p)["in"] == "path"}
        assert declared == set(params), where
        if role == "none":
            assert op.get("security") == [], where
            assert "401" not in responses or op["operationId"] == "login", where
        else:
            assert "401" in responses, where
            if method != "GET":
                assert "403" in responses, where
                assert op.get("security"), f"{where}: state-changing routes name cookie+CSRF or bearer"
        if method != "GET":
            for s in ("400", "413", "415"):
                assert s in responses, f"{where}: a body can always be refused with {s}"
        body = op.get("requestBody")
        if body:
            schema = spec.deref(body["content"]["application/json"]["schema"])
            assert schema.get("additionalProperties") is False, where


def test_every_route_of_picd_is_in_the_spec(spec, routes):
    ops = _spec_ops(spec)
    missing = [f"{r['method']} {r['path']}" for r in routes
               if (r["method"].upper(), normalize_template(r["path"])) not in ops]
    assert not missing, f"routes of picd missing from api/openapi.yaml: {missing}"


def test_every_spec_operation_is_a_route_of_picd(spec, routes):
    table = {(r["method"].upper(), normalize_template(r["path"])) for r in routes}
    missing = [f"{m} {t}" for (m, t), _ in _spec_ops(spec).items() if (m, t) not in table]
    assert not missing, f"operations in api/openapi.yaml that picd does not route: {missing}"


def test_roles_agree(spec, routes):
    ops = _spec_ops(spec)
    wrong = []
    for r in routes:
        key = (r["method"].upper(), normalize_template(r["path"]))
        if key in ops and ops[key][1].get("x-pic-role") != r["role"]:
            wrong.append(f"{r['method']} {r['path']}: picd {r['role']}, spec {ops[key][1].get('x-pic-role')}")
    assert not wrong, wrong


def test_route_table_has_no_duplicates(routes):
    keys = [(r["method"].upper(), normalize_template(r["path"])) for r in routes]
    assert len(keys) == len(set(keys)), keys


def test_spec_loads_from_disk_as_the_client_uses_it():
    s = Spec(SPEC_PATH)
    assert s.find("GET", "/api/users/bob")[0] == "/api/users/{username}"
    assert s.find("GET", "/api/config/pending")[0] == "/api/config/pending"
    assert s.find("GET", "/api/services/caddy/logs")[0] == "/api/services/{name}/logs"
    assert s.find("GET", "/api/services/caddy/logs/stream")[0] == "/api/services/{name}/logs/stream"
    assert s.find("GET", "/api/services/status")[0] == "/api/services/status"
    assert s.find("GET", "/nope") is None


def _valid(spec, name, value):
    schema = spec.doc["components"]["schemas"][name]
    return not list(spec.validator(schema).iter_errors(value))


SERVICE = {"name": "caddy", "description": "Reverse proxy and web UI", "kind": "longrun", "state": "ready", "pid": 1234,
           "since": "2026-11-29T05:56:58Z", "uptime_s": 3, "restarts": 0, "last_exit": None,
           "next_start_in_s": None}


def test_service_schema_is_strict(spec):
    """The Service schema ties the fields to the state, so a response that
    contradicts itself fails validation."""
    assert _valid(spec, "Service", SERVICE)
    backoff = {**SERVICE, "state": "backoff", "pid": None, "uptime_s": None, "next_start_in_s": 2,
               "last_exit": {"time": "2026-11-29T05:56:58Z", "code": None, "signal": "SIGKILL"}}
    assert _valid(spec, "Service", backoff)
    failed = {**backoff, "state": "failed", "next_start_in_s": None,
              "last_exit": {"time": "2026-11-29T05:56:58Z", "code": 1, "signal": None}}
    assert _valid(spec, "Service", failed)
    assert not _valid(spec, "Service", {**SERVICE, "state": "ready", "pid": None})
    assert not _valid(spec, "Service", {**SERVICE, "state": "starting", "pid": None})
    assert not _valid(spec, "Service", {**SERVICE, "kind": "daemon"})
    # A oneshot (the kernel's WireGuard interface) has no process once made;
    # while its start command runs, it has that command's.
    oneshot = {**SERVICE, "kind": "oneshot", "pid": None, "last_exit": {"time": "2026-11-29T05:56:58Z", "code": 0,
                                                                          "signal": None}}
    assert _valid(spec, "Service", oneshot)
    assert _valid(spec, "Service", {**oneshot, "state": "starting", "pid": 99})
    assert _valid(spec, "Service", {**oneshot, "state": "starting"})
    assert not _valid(spec, "Service", {**oneshot, "pid": 99})
    assert not _valid(spec, "Service", {**oneshot, "state": "stopping"})
    assert not _valid(spec, "Service", {**SERVICE, "state": "ready", "uptime_s": None})
    assert not _valid(spec, "Service", {**SERVICE, "state": "sleeping"})
    assert not _valid(spec, "Service", {**SERVICE, "extra": 1})
    assert not _valid(spec, "Service", {k: v for k, v in SERVICE.items() if k != "last_exit"})
    assert not _valid(spec, "Service", {**backoff, "next_start_in_s": None})
    assert not _valid(spec, "Service", {**backoff, "pid": 99})
    assert not _valid(spec, "Service", {**failed, "last_exit": None})
    assert not _valid(spec, "Service", {**failed, "last_exit": {"time": "2026-11-29T05:56:58Z", "code": 1,
                                                                "signal": "SIGTERM"}})


def test_health_and_apply_status_schemas_are_strict(spec):
    h = {"status": "ok", "version": "0.1.0", "uptime_s": 1, "services": {"caddy": "ready"}}
    assert _valid(spec, "Health", h)
    assert _valid(spec, "Health", {**h, "status": "degraded", "services": {"caddy": "backoff"}})
    assert not _valid(spec, "Health", {**h, "services": {"caddy": "failed"}})
    assert not _valid(spec, "Health", {**h, "status": "degraded"})
    assert not _valid(spec, "Health", {k: v for k, v in h.items() if k != "services"})
    st = {"revision": 3, "time": "2026-11-29T05:56:58Z", "ok": True,
          "files": [{"path": "/c/config/caddy/caddy.json", "service": "caddy", "action": "written"}],
          "services": [{"name": "caddy", "action": "reload", "ok": True, "error": None}],
          "totals": {"writes": 1, "reloads": 1}}
    assert _valid(spec, "ApplyStatus", st)
    bad = {**st, "ok": False, "files": [],
           "services": [{"name": "caddy", "action": "none", "ok": False, "error": "rejected"}]}
    assert _valid(spec, "ApplyStatus", bad)
    assert _valid(spec, "ApplyStatus", {**st, "revision": None, "time": None, "files": [], "services": []})
    assert not _valid(spec, "ApplyStatus", {**bad, "ok": True})
    assert not _valid(spec, "ApplyStatus", {**st, "ok": False})
    assert not _valid(spec, "ApplyStatus", {k: v for k, v in st.items() if k != "totals"})
    assert not _valid(spec, "ApplyStatus", {**st, "files": [{**st["files"][0], "action": "moved"}]})
    assert not _valid(spec, "ApplyStatus", {**st, "services": [{**st["services"][0], "action": "kick"}]})
    assert not _valid(spec, "ApplyStatus", {**st, "services": [{**st["services"][0], "error": "x"}]})
