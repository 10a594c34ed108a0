"""Users: CRUD, the last admin, password changes revoking sessions, and what
a `user` may not do."""

from conftest import ADMIN, ADMIN_PASSWORD


def test_create_list_get_update_delete(cell):
    api = cell.admin_api()
    u = api.post("/api/users", {"username": "bob", "password": "bob-password", "role": "user"}, expect=201).json
    assert u["username"] == "bob" and u["role"] == "user"
    assert u["created_at"] == u["updated_at"] or u["updated_at"] >= u["created_at"]
    users = api.get("/api/users", expect=200).json["users"]
    assert sorted(x["username"] for x in users) == [ADMIN, "bob"]
    assert {x["username"]: x["role"] for x in users}[ADMIN] == "admin"
    assert api.get("/api/users/bob", expect=200).json == u
    u2 = api.put("/api/users/bob", {"role": "admin"}, expect=200).json
    assert u2["role"] == "admin" and u2["created_at"] == u["created_at"]
    assert api.get("/api/users/bob", expect=200).json["role"] == "admin"
    api.put("/api/users/bob", {"role": "user"}, expect=200)
    api.delete("/api/users/bob", expect=204)
    api.get("/api/users/bob", expect=404)
    api.delete("/api/users/bob", expect=404)
    api.put("/api/users/bob", {"role": "user"}, expect=404)
    assert [x["username"] for x in api.get("/api/users", expect=200).json["users"]] == [ADMIN]


def test_duplicate_user(cell):
    cell.create_user("bob", "bob-password")
    rev = cell.revision()
    r = cell.control().post("/api/users", {"username": "bob", "password": "other-password", "role": "admin"},
                            expect=409)
    assert r.error["code"] == "conflict"
    cell.control().post("/api/users", {"username": ADMIN, "password": "other-password", "role": "admin"},
                        expect=409)
    assert cell.revision() == rev
    # The first bob is untouched.
    assert cell.control().get("/api/users/bob", expect=200).json["role"] == "user"
    cell.login("bob", "bob-password")


def test_last_admin_is_kept(cell):
    api = cell.control()
    r = api.delete(f"/api/users/{ADMIN}", expect=409)
    assert r.error["code"] == "conflict"
    api.put(f"/api/users/{ADMIN}", {"role": "user"}, expect=409)
    assert api.get(f"/api/users/{ADMIN}", expect=200).json["role"] == "admin"
    # With a second admin, the first may go; then the second is the last.
    cell.create_user("root2", "root2-password", role="admin")
    api.put(f"/api/users/{ADMIN}", {"role": "user"}, expect=200)
    api.put("/api/users/root2", {"role": "user"}, expect=409)
    api.delete("/api/users/root2", expect=409)
    s = cell.login("root2", "root2-password")
    cell.api(s).put(f"/api/users/{ADMIN}", {"role": "admin"}, expect=200)
    cell.api(s).delete(f"/api/users/{ADMIN}", expect=204)
    cell.api(s).delete("/api/users/root2", expect=409)


def test_password_change_revokes_sessions(cell):
    cell.create_user("bob", "bob-password")
    s1 = cell.login("bob", "bob-password")
    s2 = cell.login("bob", "bob-password")
    admin_s = cell.login()
    cell.api(s1).get("/api/auth/me", expect=200)
    cell.control().put("/api/users/bob", {"password": "bob-new-password"}, expect=200)
    for s in (s1, s2):
        r = cell.api(s).get("/api/auth/me", expect=401)
        assert r.error["code"] == "unauthenticated"
    # Only bob's sessions.
    cell.api(admin_s).get("/api/auth/me", expect=200)
    cell.api().post("/api/auth/login", {"username": "bob", "password": "bob-password"},
                    headers={"X-Forwarded-For": "127.3.3.3"}, expect=401)
    cell.login("bob", "bob-new-password")


def test_user_changes_own_password(cell):
    cell.create_user("bob", "bob-password")
    s = cell.login("bob", "bob-password")
    other = cell.login("bob", "bob-password")
    cell.api(s).put("/api/users/bob", {"password": "bob-password-2"}, expect=200)
    cell.api(other).get("/api/auth/me", expect=401)
    cell.login("bob", "bob-password-2")


def test_delete_user_revokes_sessions(cell):
    cell.create_user("bob", "bob-password")
    s = cell.login("bob", "bob-password")
    cell.control().delete("/api/users/bob", expect=204)
    cell.api(s).get("/api/auth/me", expect=401)


def test_user_cannot_touch_others(cell):
    cell.create_user("bob", "bob-password")
    cell.create_user("carol", "carol-password")
    api = cell.api(cell.login("bob", "bob-password"))
    rev = cell.revision()
    for method, path, body in (
            ("GET", "/api/users", None),
            ("GET", "/api/users/carol", None),
            ("GET", "/api/users/bob", None),
            ("POST", "/api/users", {"username": "eve", "password": "eve-password", "role": "admin"}),
            ("PUT", "/api/users/carol", {"password": "hacked-password"}),
            ("PUT", f"/api/users/{ADMIN}", {"password": "hacked-password"}),
            ("PUT", "/api/users/bob", {"role": "admin"}),
            ("PUT", "/api/users/carol", {"role": "user"}),
            ("DELETE", "/api/users/carol", None),
            ("DELETE", "/api/users/bob", None),
            ("GET", "/api/revisions", None),
            ("GET", "/api/config/pending", None),
            ("PUT", "/api/config", {"public_endpoint": "bob.example.org"})):
        kw = {"body": body} if body is not None else {}
        r = api.request(method, path, **kw)
        assert r.status == 403 and r.error["code"] == "permission_denied", (method, path, r)
    assert cell.revision() == rev
    cell.login("carol", "carol-password")
    cell.login(ADMIN, ADMIN_PASSWORD)
    assert api.get("/api/auth/me", expect=200).json["role"] == "user"
    api.get("/api/config", expect=200)


def test_user_validation(cell):
    api = cell.control()
    good = {"username": "val", "password": "val-password", "role": "user"}
    cases = [
        ({**good, "username": "Bob"}, "username"),
        ({**good, "username": ".bob"}, "username"),
        ({**good, "username": "a" * 33}, "username"),
        ({**good, "username": ""}, "username"),
        ({**good, "password": "short7!"}, "password"),
        ({**good, "password": "p" * 257}, "password"),
        ({**good, "password": "tab\there-ok?"}, "password"),
        ({**good, "password": "newline\nxx"}, "password"),
        ({**good, "role": "root"}, "role"),
        ({"username": "val", "role": "user"}, "password"),
        ({"password": "val-password", "role": "user"}, "username"),
        ({**good, "admin": True}, "admin"),
        ({**good, "role": 1}, "role"),
    ]
    rev = cell.revision()
    for body, field in cases:
        r = api.post("/api/users", body, expect=400)
        assert r.error["code"] == "invalid_argument" and r.error.get("field") == field, (body, r)
    for body, field in (({"password": "short"}, "password"), ({"role": "king"}, "role"),
                        ({"password": "long-enough-pw", "bogus": 1}, "bogus")):
        r = api.put(f"/api/users/{ADMIN}", body, expect=400)
        assert r.error.get("field") == field, (body, r)
    assert cell.revision() == rev
    # The limits themselves are fine.
    api.post("/api/users", {**good, "username": "a" * 32, "password": "p" * 256}, expect=201)
    api.post("/api/users", {**good, "username": "a0_.-z", "password": "8bytes!!"}, expect=201)


def test_user_mutations_are_revisions(cell):
    rev = cell.revision()
    cell.create_user("bob", "bob-password")
    cell.control().put("/api/users/bob", {"role": "admin"}, expect=200)
    cell.control().delete("/api/users/bob", expect=204)
    revs = cell.control().get("/api/revisions?limit=3", expect=200).json["revisions"]
    assert [r["number"] for r in revs] == [rev + 3, rev + 2, rev + 1]
    for r in revs:
        assert any(c["entity"] == "user" for c in r["diff"]["changes"]), r


def test_role_change_applies_to_live_credentials(cell):
    """A demoted admin's session and admin-scoped token lose admin rights at
    once: a token never exceeds its owner's role."""
    cell.create_user("amy", "amy-password", role="admin")
    s = cell.login("amy", "amy-password")
    token = cell.api(s).post("/api/auth/tokens", {"name": "amys", "scope": "admin"}, expect=201).json["token"]
    cell.api(token).get("/api/users", expect=200)
    cell.control().put("/api/users/amy", {"role": "user"}, expect=200)
    assert cell.api(s).get("/api/auth/me", expect=200).json["role"] == "user"
    cell.api(s).get("/api/users", expect=403)
    cell.api(token).get("/api/users", expect=403)
    cell.api(token).put("/api/config", {"public_endpoint": "amy.example.org"}, expect=403)
    cell.api(token).post("/api/users", {"username": "x1", "password": "x1-password", "role": "admin"}, expect=403)
    assert cell.api(token).get("/api/auth/me", expect=200).json["role"] == "user"
    # Promoted again, the same credentials work again.
    cell.control().put("/api/users/amy", {"role": "admin"}, expect=200)
    cell.api(token).get("/api/users", expect=200)


def test_admin_deletes_itself_when_not_last(cell):
    cell.create_user("amy", "amy-password", role="admin")
    s = cell.login("amy", "amy-password")
    cell.api(s).delete("/api/users/amy", expect=204)
    cell.api(s).get("/api/auth/me", expect=401)
    cell.api().post("/api/auth/login", {"username": "amy", "password": "amy-password"},
                    headers={"X-Forwarded-For": "127.5.5.5"}, expect=401)


def test_password_without_unicode_control_characters(cell):
    """"no control characters": C1 controls (U+0080..U+009F) are control
    characters too; other non-ASCII text is fine."""
    api = cell.control()
    for pw in ("abcdefgh\u0085", "abcdefgh\u009b", "\u0080abcdefgh"):
        r = api.post("/api/users", {"username": "c1", "password": pw, "role": "user"}, expect=400)
        assert r.error.get("field") == "password"
    api.post("/api/users", {"username": "c1", "password": "pässwörd-€-ü", "role": "user"}, expect=201)
    cell.login("c1", "pässwörd-€-ü")
