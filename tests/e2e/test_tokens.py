"""API tokens: hierarchical scopes, owners' roles, revocation, shown once."""

import json

from conftest import ADMIN

USER_BODY = {"username": "scoped", "password": "scoped-password", "role": "user"}


def test_read_token(cell):
    token, tok = cell.create_token("read")
    assert tok["scope"] == "read" and tok["username"] == ADMIN
    api = cell.api(token)
    me = api.get("/api/auth/me", expect=200).json
    assert me == {"username": ADMIN, "role": "admin", "auth": "token", "scope": "read"}
    api.get("/api/config", expect=200)
    api.get("/api/auth/tokens", expect=200)
    # read: every GET its owner may do, admin GETs included.
    api.get("/api/users", expect=200)
    api.get("/api/revisions", expect=200)
    rev = cell.revision()
    for method, path, body in (("PUT", "/api/config", {"public_endpoint": "read.example.org"}),
                               ("POST", "/api/users", USER_BODY),
                               ("POST", "/api/auth/tokens", {"name": "more", "scope": "read"}),
                               ("DELETE", f"/api/auth/tokens/{tok['id']}", None),
                               ("POST", "/api/auth/logout", None)):
        kw = {"body": body} if body is not None else {}
        r = api.request(method, path, **kw)
        assert r.status == 403 and r.error["code"] == "permission_denied", (method, path, r)
    assert cell.revision() == rev
    api.get("/api/auth/me", expect=200)


def test_write_token(cell):
    token, _ = cell.create_token("write")
    api = cell.api(token)
    # write: also non-GET routes whose role is `user` ...
    new = api.post("/api/auth/tokens", {"name": "child", "scope": "read"}, expect=201).json
    assert new["username"] == ADMIN
    api.delete(f"/api/auth/tokens/{new['id']}", expect=204)
    # ... but not admin routes.
    r = api.put("/api/config", {"public_endpoint": "write.example.org"}, expect=403)
    assert r.error["code"] == "permission_denied"
    api.post("/api/users", USER_BODY, expect=403)
    api.delete("/api/config/pending", expect=403)
    api.post("/api/revisions/1/rollback", expect=403)
    # A write token cannot mint a token above its own scope.
    r = api.post("/api/auth/tokens", {"name": "up", "scope": "admin"})
    assert r.status == 403, r


def test_admin_token(cell):
    token, _ = cell.create_token("admin")
    api = cell.api(token)
    api.put("/api/config", {"public_endpoint": "admin.example.org"}, expect=200)
    api.post("/api/users", USER_BODY, expect=201)
    assert cell.config()["public_endpoint"] == "admin.example.org"


def test_user_role_caps_tokens(cell):
    cell.create_user("ursula", "ursula-password")
    s = cell.login("ursula", "ursula-password")
    api = cell.api(s)
    r = api.post("/api/auth/tokens", {"name": "mine", "scope": "admin"}, expect=403)
    assert r.error["code"] == "permission_denied"
    # Nor a token for someone else.
    api.post("/api/auth/tokens", {"name": "theirs", "scope": "read", "username": ADMIN}, expect=403)
    token = api.post("/api/auth/tokens", {"name": "mine", "scope": "write"}, expect=201).json
    assert token["username"] == "ursula" and token["scope"] == "write"
    uapi = cell.api(token["token"])
    assert uapi.get("/api/auth/me", expect=200).json == {"username": "ursula", "role": "user",
                                                         "auth": "token", "scope": "write"}
    # A write token of a `user` still cannot do admin things.
    uapi.get("/api/users", expect=403)
    uapi.put("/api/config", {"public_endpoint": "u.example.org"}, expect=403)
    uapi.get("/api/config", expect=200)


def test_admin_creates_token_for_user(cell):
    cell.create_user("victor", "victor-password")
    admin = cell.admin_api()
    tok = admin.post("/api/auth/tokens", {"name": "for-victor", "scope": "write", "username": "victor"},
                     expect=201).json
    assert tok["username"] == "victor"
    assert cell.api(tok["token"]).get("/api/auth/me", expect=200).json["username"] == "victor"
    # A token never exceeds its owner's role.
    r = admin.post("/api/auth/tokens", {"name": "too-much", "scope": "admin", "username": "victor"})
    assert r.status in (400, 403), r
    r = admin.post("/api/auth/tokens", {"name": "ghost", "scope": "read", "username": "ghost"})
    assert r.status in (400, 404), r


def test_revoked_token_is_refused(cell):
    token, tok = cell.create_token("admin")
    api = cell.api(token)
    api.get("/api/auth/me", expect=200)
    cell.control().delete(f"/api/auth/tokens/{tok['id']}", expect=204)
    r = api.get("/api/auth/me", expect=401)
    assert r.error["code"] == "unauthenticated"
    api.get("/api/config", expect=401)
    cell.control().delete(f"/api/auth/tokens/{tok['id']}", expect=404)
    cell.control().delete("/api/auth/tokens/doesnotexist", expect=404)


def test_token_can_revoke_itself(cell):
    token, tok = cell.create_token("write")
    api = cell.api(token)
    api.delete(f"/api/auth/tokens/{tok['id']}", expect=204)
    api.get("/api/auth/me", expect=401)


def test_secret_right_token_wrong(cell):
    token, tok = cell.create_token("admin")
    prefix = f"pic_{tok['id']}_"
    assert token.startswith(prefix) and len(token) > len(prefix) + 16
    secret = token[len(prefix):]
    forged = prefix + ("A" if secret[0] != "A" else "B") + secret[1:]
    cell.api(forged).get("/api/auth/me", expect=401)
    cell.api(token[:-1]).get("/api/auth/me", expect=401)


def test_token_is_shown_once(cell):
    token, tok = cell.create_token("read", name="once")
    secret = token.split("_", 2)[2]
    for path in ("/api/auth/tokens", "/api/auth/tokens?all=1"):
        r = cell.control().get(path, expect=200)
        listed = [t for t in r.json["tokens"] if t["id"] == tok["id"]]
        assert len(listed) == 1
        assert "token" not in listed[0]
        assert secret not in r.raw.decode()
        expected = {k: v for k, v in tok.items() if k not in ("token", "last_used_at")}
        assert {k: v for k, v in listed[0].items() if k != "last_used_at"} == expected
    # Nor in the revisions.
    assert secret not in cell.control().get("/api/revisions?limit=1000", expect=200).raw.decode()


def test_using_a_token_is_not_a_mutation(cell):
    token, _ = cell.create_token("read")
    rev = cell.revision()
    for _ in range(3):
        cell.api(token).get("/api/config", expect=200)
    assert cell.revision() == rev


def test_token_listing_and_ownership(cell):
    cell.create_user("wendy", "wendy-password")
    s = cell.login("wendy", "wendy-password")
    wapi = cell.api(s)
    wt = wapi.post("/api/auth/tokens", {"name": "wendys", "scope": "read"}, expect=201).json
    _, at = cell.create_token("read", name="admins")
    mine = wapi.get("/api/auth/tokens", expect=200).json["tokens"]
    assert [t["id"] for t in mine] == [wt["id"]]
    # ?all=1 is for admins: refused, or answered with the user's own tokens only.
    r = wapi.get("/api/auth/tokens?all=1", expect=(200, 403))
    if r.status == 200:
        assert [t["id"] for t in r.json["tokens"]] == [wt["id"]]
    # Admin: own tokens by default, everyone's with ?all=1.
    own = {t["id"] for t in cell.control().get("/api/auth/tokens", expect=200).json["tokens"]}
    assert at["id"] in own and wt["id"] not in own
    every = {t["id"] for t in cell.control().get("/api/auth/tokens?all=1", expect=200).json["tokens"]}
    assert {at["id"], wt["id"]} <= every
    # A user cannot revoke someone else's token; an admin can revoke anyone's.
    r = wapi.delete(f"/api/auth/tokens/{at['id']}")
    assert r.status in (403, 404), r
    cell.control().get("/api/auth/tokens", expect=200)
    assert at["id"] in {t["id"] for t in cell.control().get("/api/auth/tokens").json["tokens"]}
    cell.control().delete(f"/api/auth/tokens/{wt['id']}", expect=204)
    assert wapi.get("/api/auth/tokens", expect=200).json["tokens"] == []


def test_expiry_and_last_used(cell):
    _, t = cell.create_token("read")
    assert t["expires_at"] is None and t["last_used_at"] is None
    token, t = cell.create_token("read", expires_in_days=1)
    assert t["expires_at"] is not None and t["expires_at"] > t["created_at"]
    cell.api(token).get("/api/auth/me", expect=200)
    listed = {x["id"]: x for x in cell.control().get("/api/auth/tokens").json["tokens"]}
    assert listed[t["id"]]["last_used_at"] is not None
    for days in (0, 3651, -1, 1.5, "1"):
        r = cell.control().post("/api/auth/tokens", {"name": "bad", "scope": "read", "expires_in_days": days},
                                expect=400)
        assert r.error.get("field") == "expires_in_days", (days, r)
    cell.create_token("read", expires_in_days=3650)


def test_token_validation(cell):
    api = cell.control()
    for body, field in (({"scope": "read"}, "name"),
                        ({"name": "x"}, "scope"),
                        ({"name": "x", "scope": "root"}, "scope"),
                        ({"name": "x", "scope": "read", "bogus": 1}, "bogus"),
                        ({"name": 7, "scope": "read"}, "name"),
                        ({"name": "x", "scope": "read", "username": "Not Valid"}, "username")):
        r = api.post("/api/auth/tokens", body, expect=400)
        assert r.error.get("field") == field, (body, r)


def test_token_mutations_are_revisions(cell):
    rev = cell.revision()
    _, t = cell.create_token("read", name="audited")
    cell.control().delete(f"/api/auth/tokens/{t['id']}", expect=204)
    revs = cell.control().get("/api/revisions?limit=2", expect=200).json["revisions"]
    assert [r["number"] for r in revs] == [rev + 2, rev + 1]
    for r in revs:
        assert any(c["entity"] == "token" for c in r["diff"]["changes"]), json.dumps(r)


def test_deleted_users_tokens_stop_working(cell):
    cell.create_user("xavier", "xavier-password")
    tok = cell.control().post("/api/auth/tokens", {"name": "x", "scope": "read", "username": "xavier"},
                              expect=201).json
    api = cell.api(tok["token"])
    api.get("/api/auth/me", expect=200)
    cell.control().delete("/api/users/xavier", expect=204)
    api.get("/api/auth/me", expect=401)


def test_expired_token_is_refused(cell):
    token, tok = cell.create_token("read", expires_in_days=1)
    cell.api(token).get("/api/auth/me", expect=200)
    # Move its expiry into the past in the store (tokens.expires_at is unix
    # seconds). picd is the store's only writer while it runs and caches
    # checked tokens, so the edit is made while it is stopped.
    cell.stop()
    cell.sqlite(f"UPDATE tokens SET expires_at = CAST(strftime('%s','now') AS INTEGER) - 5 WHERE id = '{tok['id']}'")
    cell.start()
    r = cell.api(token).get("/api/auth/me", expect=401)
    assert r.error["code"] == "unauthenticated"
