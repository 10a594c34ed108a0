"""DNS records and forwarders through the API: CRUD, search and type filter,
each type's grammar against injection attempts (400 naming the field, and
nothing stored), conflicts (409), roles, revisions, and the forwarder
settings in /api/config. Every response is checked against the spec by the
client."""

import json
import urllib.parse

import pytest

ZONE = "test.cell"  # the fixtures' cell is named `test`, domain `cell`
RECORDS = "/api/dns/records"

# Injection attempts that no name, target or address may carry.
HOSTILE = ["a\nb", 'a"b', "a b", "a\u0000b", "a{b", "a}b", "{{x}}", "../x", "..", "a/b", "a'b", "a\rb",
           "a;b", "a\\b", "a\tb", "", "A", "ä", "a$(id)", "a`id`"]


@pytest.fixture(scope="module")
def env(shared_cell):
    """(cell, control.sock client acting as root/admin)."""
    return shared_cell, shared_cell.control()


def _listing(api, query=""):
    return api.get(RECORDS + query, expect=200).json


def _all(api):
    return _listing(api)["records"]


@pytest.fixture
def nothing_stored(env):
    """Asserts after the test that no record and no revision came of it."""
    cell, api = env
    before, rev = _all(api), cell.revision()
    yield
    assert cell.running(), f"picd died\n{cell.log_tail()}"
    assert _all(api) == before
    assert cell.revision() == rev


def _invalid(resp, field, where=""):
    assert resp.status == 400, f"{where}: {resp}"
    assert resp.error["code"] == "invalid_argument", f"{where}: {resp}"
    if field is not None:
        assert resp.error.get("field") == field, f"{where}: want field {field!r}: {resp}"


def _conflict(resp, where=""):
    assert resp.status == 409, f"{where}: {resp}"
    assert resp.error["code"] == "conflict", f"{where}: {resp}"


def _create(api, **record):
    return api.post(RECORDS, record, expect=201).json


def _delete_all(api, prefix):
    for r in _all(api):
        if r["name"].startswith(prefix):
            api.delete(f"{RECORDS}/{r['id']}", expect=204)


# ---------------------------------------------------------------- CRUD


def test_crud(env):
    cell, api = env
    rev = cell.revision()
    rec = _create(api, name="crud-www", type="A", value="192.0.2.1")
    assert rec == {"id": rec["id"], "name": "crud-www", "type": "A", "value": "192.0.2.1", "ttl": 300,
                   "fqdn": f"crud-www.{ZONE}"}
    assert cell.revision() == rev + 1
    rid = rec["id"]
    assert api.get(f"{RECORDS}/{rid}", expect=200).json == rec
    assert rec in _all(api)

    # PUT is a full replacement: here A becomes MX.
    new = api.put(f"{RECORDS}/{rid}", {"name": "crud-www", "type": "MX", "value": "mail.example.org.",
                                       "priority": 10, "ttl": 60}, expect=200).json
    assert new == {"id": rid, "name": "crud-www", "type": "MX", "value": "mail.example.org.", "priority": 10,
                   "ttl": 60, "fqdn": f"crud-www.{ZONE}"}
    assert api.get(f"{RECORDS}/{rid}", expect=200).json == new
    assert cell.revision() == rev + 2
    # The same body again: 200, no revision.
    assert api.put(f"{RECORDS}/{rid}", {"name": "crud-www", "type": "MX", "value": "mail.example.org.",
                                        "priority": 10, "ttl": 60}, expect=200).json == new
    assert cell.revision() == rev + 2
    # Back to A: the MX's priority is gone.
    back = api.put(f"{RECORDS}/{rid}", {"name": "crud-www", "type": "A", "value": "192.0.2.2"}, expect=200).json
    assert "priority" not in back and back["ttl"] == 300

    api.delete(f"{RECORDS}/{rid}", expect=204)
    assert cell.revision() == rev + 4
    r = api.get(f"{RECORDS}/{rid}", expect=404)
    assert r.error["code"] == "not_found"
    api.delete(f"{RECORDS}/{rid}", expect=404)
    api.put(f"{RECORDS}/{rid}", {"name": "x", "type": "TXT", "value": "x"}, expect=404)
    assert all(x["id"] != rid for x in _all(api))
    # A new record never reuses an id.
    again = _create(api, name="crud-www", type="A", value="192.0.2.1")
    assert again["id"] > rid
    api.delete(f"{RECORDS}/{again['id']}", expect=204)


def test_bad_ids(env, nothing_stored):
    _, api = env
    for seg in ("0", "-1", "abc", "1.0", "1e3", "%20", "0x1", "99999999999999999999", "..%2F1", "a%00b", "%7B1%7D"):
        api.get(f"{RECORDS}/{seg}", expect=(400, 404))
        api.put(f"{RECORDS}/{seg}", {"name": "x", "type": "TXT", "value": "x"}, expect=(400, 404))
        api.delete(f"{RECORDS}/{seg}", expect=(400, 404))
    api.get(f"{RECORDS}/999999999", expect=404)
    for method, path in (("PATCH", f"{RECORDS}/1"), ("DELETE", RECORDS), ("PUT", RECORDS), ("POST", f"{RECORDS}/1")):
        r = api.request(method, path)
        assert r.status == 405, (method, path, r)


def test_each_type(env):
    _, api = env
    made = [
        _create(api, name="types-a", type="A", value="192.0.2.10"),
        _create(api, name="types-aaaa", type="AAAA", value="2001:DB8:0:0:0:0:0:10", ttl=0),
        _create(api, name="types-cname", type="CNAME", value="types-a"),
        _create(api, name="types-ext", type="CNAME", value="host.example.org.", ttl=86400),
        _create(api, name="types-txt", type="TXT", value='v=spf1 "quoted" \\ back {braces} caf\u00e9; end'),
        _create(api, name="types-mx", type="MX", value="types-a", priority=0),
        _create(api, name="_sip._tcp.types", type="SRV", value="types-a.", priority=10, weight=5, port=5060),
        _create(api, name="types-dkim._domainkey", type="TXT", value="v=DKIM1; k=rsa; p=MIIB"),
    ]
    by_name = {r["name"]: r for r in made}
    assert by_name["types-aaaa"]["value"] == "2001:db8::10"  # canonical
    assert by_name["types-aaaa"]["ttl"] == 0
    assert by_name["types-txt"]["value"] == 'v=spf1 "quoted" \\ back {braces} caf\u00e9; end'
    assert by_name["types-mx"]["priority"] == 0 and "weight" not in by_name["types-mx"]
    srv = by_name["_sip._tcp.types"]
    assert (srv["priority"], srv["weight"], srv["port"]) == (10, 5, 5060)
    assert srv["fqdn"] == f"_sip._tcp.types.{ZONE}"
    for r in made:
        if r["type"] not in ("MX", "SRV"):
            assert "priority" not in r
        if r["type"] != "SRV":
            assert "weight" not in r and "port" not in r
    # Records at the apex.
    apex = _create(api, name="@", type="TXT", value="types-apex")
    assert apex["fqdn"] == ZONE
    mx = _create(api, name="@", type="MX", value="types-mx", priority=5)
    for r in made + [apex, mx]:
        api.delete(f"{RECORDS}/{r['id']}", expect=204)


def test_search_and_type_filter(env):
    _, api = env
    made = [
        _create(api, name="srch-b", type="A", value="198.51.100.2"),
        _create(api, name="srch-a", type="A", value="198.51.100.1"),
        _create(api, name="srch-a", type="TXT", value="Hello SRCH world"),
        _create(api, name="srch-c", type="CNAME", value="srch-a"),
        _create(api, name="srch-mx", type="MX", value="srch-b", priority=1),
    ]
    q = urllib.parse.quote
    got = _listing(api, "?search=srch-")
    names = [(r["name"], r["type"], r["value"]) for r in got["records"]]
    # Sorted by name, type, value; "srch-" is in every name.
    assert names == [("srch-a", "A", "198.51.100.1"), ("srch-a", "TXT", "Hello SRCH world"),
                     ("srch-b", "A", "198.51.100.2"), ("srch-c", "CNAME", "srch-a"), ("srch-mx", "MX", "srch-b")]
    assert got["total"] == 5
    # In values too, ASCII case-insensitive.
    assert [r["name"] for r in _listing(api, "?search=198.51.100.")["records"]] == ["srch-a", "srch-b"]
    assert [r["type"] for r in _listing(api, "?search=" + q("hello srch"))["records"]] == ["TXT"]
    # By type, and both.
    a = _listing(api, "?type=A&search=srch")
    assert [r["value"] for r in a["records"]] == ["198.51.100.1", "198.51.100.2"] and a["total"] == 2
    assert [r["name"] for r in _listing(api, "?type=CNAME&search=srch")["records"]] == ["srch-c"]
    assert _listing(api, "?type=SRV&search=srch") == {"records": [], "total": 0}
    assert _listing(api, "?search=no-such-thing-anywhere") == {"records": [], "total": 0}
    # LIKE wildcards are literal.
    assert _listing(api, "?search=" + q("%"))["total"] == 0
    # Pages.
    page = _listing(api, "?search=srch&limit=2&offset=1")
    assert [r["value"] for r in page["records"]] == ["Hello SRCH world", "198.51.100.2"] and page["total"] == 5
    assert _listing(api, "?search=srch&limit=10&offset=5") == {"records": [], "total": 5}
    for r in made:
        api.delete(f"{RECORDS}/{r['id']}", expect=204)


def test_bad_queries(env):
    _, api = env
    q = urllib.parse.quote
    for query, field in (("?type=a", "type"), ("?type=PTR", "type"), ("?type=", "type"), ("?type=A%0A", "type"),
                         ("?search=" + q("a\nb"), "search"), ("?search=" + q("a\tb"), "search"),
                         ("?search=" + "x" * 257, "search"), ("?limit=0", "limit"), ("?limit=1001", "limit"),
                         ("?limit=-1", "limit"), ("?limit=x", "limit"), ("?offset=-1", "offset"),
                         ("?offset=1.5", "offset"), ("?offset=100001", "offset")):
        _invalid(api.get(RECORDS + query), field, query)


# ---------------------------------------------------------------- validation


def _base(rtype):
    return {
        "A": {"name": "v", "type": "A", "value": "192.0.2.1"},
        "AAAA": {"name": "v", "type": "AAAA", "value": "2001:db8::1"},
        "CNAME": {"name": "v", "type": "CNAME", "value": "target"},
        "TXT": {"name": "v", "type": "TXT", "value": "text"},
        "MX": {"name": "v", "type": "MX", "value": "mail", "priority": 10},
        "SRV": {"name": "_v._tcp", "type": "SRV", "value": "sip", "priority": 1, "weight": 1, "port": 5060},
    }[rtype]


TYPES = ["A", "AAAA", "CNAME", "TXT", "MX", "SRV"]


@pytest.mark.parametrize("rtype", TYPES)
def test_hostile_names(env, nothing_stored, rtype):
    _, api = env
    for name in HOSTILE + ["www.", ".www", "a..b", "-a", "a-", "*", "*.x", "x" * 64, "a." * 100 + "a"]:
        body = {**_base(rtype), "name": name}
        r = api.post(RECORDS, body)
        # A NUL already stops the JSON parser: 400 without a field.
        _invalid(r, None if "\u0000" in name else "name", f"{rtype} name {name!r}")


@pytest.mark.parametrize("rtype", ["A", "AAAA", "CNAME", "MX", "SRV"])
def test_hostile_values(env, nothing_stored, rtype):
    _, api = env
    extra = {
        "A": ["192.0.2", "192.0.2.1.", "192.0.2.01", "192.0.2.256", "0x7f000001", "2001:db8::1", "localhost",
              "192.0.2.1\n", "192.0.2.1 IN A 6.6.6.6", "192.0.2.1/24"],
        "AAAA": ["2001:db8:::1", "2001:db8::g", "fe80::1%eth0", "[2001:db8::1]", "192.0.2.1", "2001:db8::1\n",
                 "2001:db8::1/64"],
        "CNAME": ["192.0.2.1", "192.0.2.1.", ".", "a..b", "a.b..", "-a.b", "*.x", "@",
                  'x" ; local-zone: "evil" static', "x\nlocal-data: evil"],
    }
    extra["MX"] = extra["SRV"] = extra["CNAME"]
    for value in HOSTILE + extra[rtype]:
        r = api.post(RECORDS, {**_base(rtype), "value": value})
        _invalid(r, None if "\u0000" in value else "value", f"{rtype} value {value!r}")


def test_txt_values(env, nothing_stored):
    _, api = env
    for value in ("", "a\nb", "a\rb", "a\tb", "end\n", "\u007f", "\u0085", "\u2028", "x" * 1025,
                  'x"\nlocal-data: "evil. A 6.6.6.6'):
        _invalid(api.post(RECORDS, {**_base("TXT"), "value": value}), "value", repr(value))
    r = api.post(RECORDS, {**_base("TXT"), "value": "a\u0000b"})
    _invalid(r, None, "NUL")


def test_type_dependent_fields(env):
    cell, api = env
    before, rev = _all(api), cell.revision()
    cases = [
        ({"name": "v", "type": "MX", "value": "mail"}, "priority"),
        ({**_base("MX"), "weight": 1}, "weight"),
        ({**_base("MX"), "port": 25}, "port"),
        ({**_base("MX"), "priority": 65536}, "priority"),
        ({**_base("MX"), "priority": -1}, "priority"),
        ({**_base("A"), "priority": 1}, "priority"),
        ({**_base("AAAA"), "weight": 1}, "weight"),
        ({**_base("CNAME"), "port": 80}, "port"),
        ({**_base("TXT"), "priority": 0}, "priority"),
        ({k: v for k, v in _base("SRV").items() if k != "port"}, "port"),
        ({k: v for k, v in _base("SRV").items() if k != "weight"}, "weight"),
        ({k: v for k, v in _base("SRV").items() if k != "priority"}, "priority"),
        ({**_base("SRV"), "port": 0}, "port"),
        ({**_base("SRV"), "port": 65536}, "port"),
        ({**_base("SRV"), "name": "sip"}, "name"),
        ({**_base("SRV"), "name": "_sip"}, "name"),
        ({**_base("SRV"), "name": "sip._tcp"}, "name"),
        ({**_base("SRV"), "name": "@"}, "name"),
        ({**_base("A"), "ttl": 86401}, "ttl"),
        ({**_base("A"), "ttl": -1}, "ttl"),
        ({**_base("A"), "ttl": "300"}, "ttl"),
        ({**_base("A"), "ttl": 1.5}, "ttl"),
        ({**_base("A"), "ttl": None}, "ttl"),
        ({**_base("A"), "type": "a"}, "type"),
        ({**_base("A"), "type": "PTR"}, "type"),
        ({**_base("A"), "type": "A\n"}, "type"),
        ({**_base("A"), "type": ["A"]}, "type"),
        ({**_base("A"), "id": 1}, "id"),
        ({**_base("A"), "fqdn": "v.test.cell"}, "fqdn"),
        ({"type": "A", "value": "192.0.2.1"}, "name"),
        ({"name": "v", "value": "192.0.2.1"}, "type"),
        ({"name": "v", "type": "A"}, "value"),
        ({**_base("A"), "name": 5}, "name"),
        ({**_base("A"), "value": {"ip": "192.0.2.1"}}, "value"),
    ]
    for body, field in cases:
        _invalid(api.post(RECORDS, body), field, json.dumps(body))
    _invalid(api.post(RECORDS, raw=b'{"name":"v","type":"A","value":"192.0.2.1","value":"192.0.2.2"}'), None,
             "duplicate key")
    assert _all(api) == before and cell.revision() == rev
    # The same rules hold for PUT, and a refused PUT changes nothing.
    rec = _create(api, name="fields-keep", type="A", value="192.0.2.50")
    try:
        for body, field in cases[:12]:
            _invalid(api.put(f"{RECORDS}/{rec['id']}", body), field, "PUT " + json.dumps(body))
        for name in HOSTILE:
            r = api.put(f"{RECORDS}/{rec['id']}", {**_base("A"), "name": name})
            _invalid(r, None if "\u0000" in name else "name", f"PUT name {name!r}")
        assert api.get(f"{RECORDS}/{rec['id']}", expect=200).json == rec
        assert cell.revision() == rev + 1
    finally:
        api.delete(f"{RECORDS}/{rec['id']}", expect=204)


def test_name_length(env):
    cell, api = env
    # 200 characters at most (the zone's full names stay within 253; a
    # longer domain is checked too, see tests/unit/test_dns.c).
    name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 8])
    assert len(name) == 200
    rec = _create(api, name=name, type="TXT", value="x")
    assert rec["fqdn"] == f"{name}.{ZONE}"
    api.delete(f"{RECORDS}/{rec['id']}", expect=204)
    rev = cell.revision()
    _invalid(api.post(RECORDS, {"name": name + "d", "type": "TXT", "value": "x"}), "name")
    _invalid(api.post(RECORDS, {"name": "c", "type": "CNAME", "value": name + "d"}), "value")
    assert cell.revision() == rev


# ---------------------------------------------------------------- conflicts


def test_conflicts(env):
    cell, api = env
    a = _create(api, name="cf-www", type="A", value="192.0.2.1")
    txt = _create(api, name="cf-www", type="TXT", value="hello")
    alias = _create(api, name="cf-alias", type="CNAME", value="cf-www")
    rev, before = cell.revision(), _all(api)
    try:
        for body, where in (
                ({"name": "cf-www", "type": "A", "value": "192.0.2.1"}, "duplicate"),
                ({"name": "cf-www", "type": "A", "value": "192.0.2.1", "ttl": 5}, "duplicate, other ttl"),
                ({"name": "cf-alias", "type": "CNAME", "value": "cf-www"}, "duplicate CNAME"),
                ({"name": "cf-www", "type": "CNAME", "value": "elsewhere"}, "CNAME beside A and TXT"),
                ({"name": "cf-alias", "type": "A", "value": "192.0.2.3"}, "A beside a CNAME"),
                ({"name": "cf-alias", "type": "TXT", "value": "x"}, "TXT beside a CNAME"),
                ({"name": "cf-alias", "type": "MX", "value": "m", "priority": 1}, "MX beside a CNAME"),
                ({"name": "cf-alias", "type": "CNAME", "value": "other"}, "second CNAME"),
                ({"name": "@", "type": "CNAME", "value": "cf-www"}, "CNAME at the apex"),
        ):
            _conflict(api.post(RECORDS, body), where)
        for service in ("webui", "dns", "ntp", "mail", "calendar", "files"):
            r = api.post(RECORDS, {"name": service, "type": "A", "value": "192.0.2.1"})
            _conflict(r, service)
            assert r.error.get("field") == "name"
            _conflict(api.post(RECORDS, {"name": service, "type": "TXT", "value": "x"}), service)
        # PUT into a conflict: 409, the record unchanged.
        _conflict(api.put(f"{RECORDS}/{txt['id']}", {"name": "cf-www", "type": "A", "value": "192.0.2.1"}))
        _conflict(api.put(f"{RECORDS}/{txt['id']}", {"name": "cf-alias", "type": "TXT", "value": "hello"}))
        _conflict(api.put(f"{RECORDS}/{txt['id']}", {"name": "calendar", "type": "TXT", "value": "hello"}))
        _conflict(api.put(f"{RECORDS}/{a['id']}", {"name": "cf-www", "type": "CNAME", "value": "x"}))
        assert _all(api) == before and cell.revision() == rev
        # A record never conflicts with itself, and the only record of a
        # name may become a CNAME.
        api.put(f"{RECORDS}/{alias['id']}", {"name": "cf-alias", "type": "CNAME", "value": "cf-www", "ttl": 30},
                expect=200)
        api.put(f"{RECORDS}/{alias['id']}", {"name": "cf-alias", "type": "A", "value": "192.0.2.7"}, expect=200)
        api.put(f"{RECORDS}/{alias['id']}", {"name": "cf-alias", "type": "CNAME", "value": "cf-www"}, expect=200)
        # Names under a service's name are the zone's.
        sub = _create(api, name="_x.mail", type="TXT", value="fine")
        api.delete(f"{RECORDS}/{sub['id']}", expect=204)
    finally:
        _delete_all(api, "cf-")


# ---------------------------------------------------------------- roles


def test_roles(env):
    cell, admin = env
    rec = _create(admin, name="roles-www", type="A", value="192.0.2.1")
    try:
        cell.create_user("dnsreader", "dnsreader-password")
        user = cell.session_client("dnsreader", "dnsreader-password")
        assert rec in user.get(RECORDS, expect=200).json["records"]
        assert user.get(f"{RECORDS}/{rec['id']}", expect=200).json == rec
        read, _ = cell.create_token("read")
        write, _ = cell.create_token("write")
        rev = cell.revision()
        r = user.post(RECORDS, {"name": "roles-x", "type": "A", "value": "192.0.2.2"}, expect=403)
        assert r.error["code"] == "permission_denied"
        user.put(f"{RECORDS}/{rec['id']}", {"name": "roles-www", "type": "A", "value": "192.0.2.9"}, expect=403)
        user.delete(f"{RECORDS}/{rec['id']}", expect=403)
        # Tokens: read lists, write is still not admin.
        cell.api(read).get(RECORDS, expect=200)
        cell.api(read).post(RECORDS, {"name": "roles-x", "type": "A", "value": "192.0.2.2"}, expect=403)
        cell.api(write).post(RECORDS, {"name": "roles-x", "type": "A", "value": "192.0.2.2"}, expect=403)
        cell.api(write).delete(f"{RECORDS}/{rec['id']}", expect=403)
        # Nobody: 401.
        cell.api().get(RECORDS, expect=401)
        cell.api().post(RECORDS, {"name": "roles-x", "type": "A", "value": "192.0.2.2"}, expect=401)
        assert cell.revision() == rev and admin.get(f"{RECORDS}/{rec['id']}", expect=200).json == rec
        # An admin session needs the CSRF header, like every write.
        s = cell.login()
        cell.api(s).post(RECORDS, {"name": "roles-x", "type": "A", "value": "192.0.2.2"}, csrf=False, expect=403)
        made = cell.api(s).post(RECORDS, {"name": "roles-x", "type": "A", "value": "192.0.2.2"}, expect=201).json
        admin_token, _ = cell.create_token("admin")
        cell.api(admin_token).delete(f"{RECORDS}/{made['id']}", expect=204)
    finally:
        admin.delete(f"{RECORDS}/{rec['id']}", expect=204)


# ---------------------------------------------------------------- revisions


def _revision(cell, number):
    return cell.control().get(f"/api/revisions/{number}", expect=200).json


def test_revisions(env):
    cell, api = env
    rev = cell.revision()
    rec = _create(api, name="rev-www", type="A", value="192.0.2.1")
    r1 = _revision(cell, rev + 1)
    assert r1["summary"] == "dns record rev-www A 192.0.2.1 created"
    assert r1["actor"] == "root (control socket)"
    assert r1["diff"]["changes"] == [{"entity": "dns_record", "key": str(rec["id"]), "before": None, "after": rec}]

    upd = api.put(f"{RECORDS}/{rec['id']}", {"name": "rev-www", "type": "MX", "value": "mx", "priority": 7},
                  expect=200).json
    r2 = _revision(cell, rev + 2)
    assert r2["summary"] == "dns record rev-www MX 7 mx updated"
    assert r2["diff"]["changes"] == [{"entity": "dns_record", "key": str(rec["id"]), "before": rec, "after": upd}]

    api.delete(f"{RECORDS}/{rec['id']}", expect=204)
    r3 = _revision(cell, rev + 3)
    assert r3["summary"] == "dns record rev-www MX 7 mx deleted"
    assert r3["diff"]["changes"] == [{"entity": "dns_record", "key": str(rec["id"]), "before": upd, "after": None}]
    assert cell.revision() == rev + 3

    # A long TXT value is cut short in the summary, not in the diff.
    long = "x" * 500
    t = _create(api, name="rev-long", type="TXT", value=long)
    r4 = _revision(cell, rev + 4)
    assert r4["summary"].startswith("dns record rev-long TXT xxx") and len(r4["summary"]) < 120
    assert r4["diff"]["changes"][0]["after"]["value"] == long
    api.delete(f"{RECORDS}/{t['id']}", expect=204)


# ---------------------------------------------------------------- forwarders


def test_forwarders(env):
    cell, api = env
    assert cell.config()["dns"] == {"forwarders": [], "forward_tls": False}
    rev = cell.revision()
    try:
        r = api.put("/api/config", {"dns": {"forwarders": ["127.0.0.2", "127.0.0.3@5353"]}}, expect=200).json
        assert r["applied"] == ["dns.forwarders"] and r["staged"] == []
        assert r["config"]["dns"] == {"forwarders": ["127.0.0.2", "127.0.0.3@5353"], "forward_tls": False}
        assert r["pending"] == {"changes": {}, "confirm": None}  # live, never staged
        assert cell.revision() == rev + 1
        last = _revision(cell, rev + 1)
        assert last["diff"]["changes"] == [{"entity": "config", "key": "dns.forwarders", "before": [],
                                            "after": ["127.0.0.2", "127.0.0.3@5353"]}]

        tls = ["192.0.2.53@853#dns.example.net", "198.51.100.53@853#resolver.example.org"]
        r = api.put("/api/config", {"dns": {"forwarders": tls, "forward_tls": True}}, expect=200).json
        assert sorted(r["applied"]) == ["dns.forward_tls", "dns.forwarders"]
        assert cell.config()["dns"] == {"forwarders": tls, "forward_tls": True}
        # Only one of them.
        api.put("/api/config", {"dns": {"forward_tls": False}}, expect=200)
        assert cell.config()["dns"] == {"forwarders": tls, "forward_tls": False}
        # Unchanged: no revision.
        n = cell.revision()
        api.put("/api/config", {"dns": {"forwarders": tls}}, expect=200)
        api.put("/api/config", {"dns": {}}, expect=200)
        assert cell.revision() == n
        # Eight at most.
        eight = [f"192.0.2.{i}" for i in range(1, 9)]
        api.put("/api/config", {"dns": {"forwarders": eight}}, expect=200)
        assert cell.config()["dns"]["forwarders"] == eight
    finally:
        api.put("/api/config", {"dns": {"forwarders": [], "forward_tls": False}}, expect=200)
    assert cell.config()["dns"] == {"forwarders": [], "forward_tls": False}


def test_forwarders_refused(env):
    cell, api = env
    config, rev = cell.config(), cell.revision()
    cases = [
        ({"forwarders": [f"192.0.2.{i}" for i in range(1, 10)]}, "dns.forwarders"),
        ({"forwarders": ["192.0.2.1", "192.0.2.1"]}, "dns.forwarders"),
        ({"forwarders": "192.0.2.1"}, "dns.forwarders"),
        ({"forwarders": None}, "dns.forwarders"),
        ({"forwarders": [53]}, "dns.forwarders[0]"),
        ({"forwarders": ["192.0.2.1", None]}, "dns.forwarders[1]"),
        ({"forwarders": ["192.0.2.1", "dns.example.net"]}, "dns.forwarders[1]"),
        ({"forward_tls": "true"}, "dns.forward_tls"),
        ({"forward_tls": 1}, "dns.forward_tls"),
        ({"forward_tls": None}, "dns.forward_tls"),
        ({"tls": True}, "dns.tls"),
    ]
    bad = ["192.0.2.1@0", "192.0.2.1@65536", "192.0.2.1@053", "192.0.2.1@", "192.0.2.1#dns.example.net",
           "192.0.2.1@853#", "192.0.2.1@853#Dns.example.net", "192.0.2.1@853#dns.example.net.",
           "192.0.2.1:53", "[2001:db8::1]", "2001:db8::1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
           "192.0.2.01", "192.0.2.1 ", "192.0.2.1@853#a b", "192.0.2.1@853#x}", '192.0.2.1@853#x"',
           "192.0.2.1@853#x\nforward-zone:"] + [h for h in HOSTILE if "\u0000" not in h]
    cases += [({"forwarders": [b]}, "dns.forwarders[0]") for b in bad]
    for dns, field in cases:
        _invalid(api.put("/api/config", {"dns": dns}), field, json.dumps(dns))
    _invalid(api.put("/api/config", {"dns": {"forwarders": ["192.0.2.1\u0000"]}}), None, "NUL")
    _invalid(api.put("/api/config", {"dns": ["192.0.2.1"]}), "dns")
    _invalid(api.put("/api/config", {"dns.forwarders": ["192.0.2.1"]}), "dns.forwarders")
    # A good change beside a bad one: neither.
    _invalid(api.put("/api/config", {"public_endpoint": "x.example.org", "dns": {"forward_tls": 3}}),
             "dns.forward_tls")
    assert cell.config() == config and cell.revision() == rev


# ---------------------------------------------------------------- picd as a whole


def test_records_survive_restart_and_reconcile(cell):
    api = cell.control()
    made = [_create(api, name=f"keep{i}", type="A", value=f"192.0.2.{i}") for i in range(1, 4)]
    made.append(_create(api, name="keep-mx", type="MX", value="keep1", priority=1))
    api.put("/api/config", {"dns": {"forwarders": ["127.0.0.2"]}}, expect=200)
    rev = cell.revision()
    cell.wait_apply(rev)  # the reconcile took a snapshot with the records
    cell.restart()
    api = cell.control()
    assert _all(api) == sorted(made, key=lambda r: (r["name"], r["type"], r["value"]))
    assert cell.config()["dns"]["forwarders"] == ["127.0.0.2"]
    cell.wait_apply(cell.revision())


def test_existing_cell_gets_the_dns_defaults(cell):
    """A store made before the DNS migration (simulated: its table and
    rows removed, schema version 2) gets them when picd opens it."""
    cell.shutdown()
    cell.proc = None
    cell.sqlite("DROP TABLE peers; DROP TABLE dhcp_reservations; DROP TABLE dns_records; "
                "DELETE FROM sqlite_sequence WHERE name = 'dns_records'; "
                "DELETE FROM config WHERE key LIKE 'dns.%' OR key LIKE 'dhcp.%' OR key LIKE 'ntp.%' OR key LIKE 'wireguard.%'; "
                "PRAGMA user_version = 2;")
    cell.start()
    assert cell.config()["dns"] == {"forwarders": [], "forward_tls": False}
    # ... and the DHCP and NTP ones (migration 4) with them.
    assert cell.config()["dhcp"]["enabled"] is False
    assert cell.config()["ntp"] == {"servers": ["pool.ntp.org"], "local_stratum": 0, "allow": []}
    assert int(cell.sqlite("PRAGMA user_version")) >= 3
    api = cell.control()
    assert _listing(api) == {"records": [], "total": 0}
    _create(api, name="www", type="A", value="192.0.2.1")
