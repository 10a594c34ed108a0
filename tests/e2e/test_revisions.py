"""Revisions: the history of every mutation, paging, rollback to any
revision, and no secret in any diff."""

import json

from conftest import ADMIN


def _list(cell, query=""):
    return cell.control().get(f"/api/revisions{query}", expect=200).json["revisions"]


def test_history_newest_first(cell):
    start = cell.revision()
    cell.control().put("/api/config", {"public_endpoint": "one.example.org"}, expect=200)
    s = cell.login()
    cell.api(s).put("/api/config", {"public_endpoint": "two.example.org"}, expect=200)
    cell.create_user("bob", "bob-password", role="admin")
    bob = cell.api(cell.login("bob", "bob-password"))
    bob.put("/api/config", {"domain": "home.arpa"}, expect=200)
    revs = _list(cell)
    numbers = [r["number"] for r in revs]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
    assert numbers[:4] == [start + 4, start + 3, start + 2, start + 1]
    assert cell.revision() == numbers[0]
    new = {r["number"]: r for r in revs[:4]}
    r1, r2, r3, r4 = (new[start + i] for i in (1, 2, 3, 4))
    # Peer-credential writes may name the socket user (e.g. "root (control socket)").
    assert r1["actor"] and r3["actor"]
    assert ADMIN in r2["actor"]
    assert "bob" in r4["actor"]
    assert r1["diff"]["changes"] == [{"entity": "config", "key": "public_endpoint", "before": "",
                                      "after": "one.example.org"}]
    assert r2["diff"]["changes"] == [{"entity": "config", "key": "public_endpoint",
                                      "before": "one.example.org", "after": "two.example.org"}]
    assert r3["diff"]["changes"] and all(c["entity"] == "user" for c in r3["diff"]["changes"])
    assert "bob" in json.dumps(r3["diff"])
    assert all(c["entity"] == "pending" for c in r4["diff"]["changes"])
    for r in (r1, r2, r3, r4):
        assert r["summary"], r
        assert r["time"] <= revs[0]["time"]
    # GET /api/revisions/{n} is the same object.
    for r in (r1, r4):
        assert cell.control().get(f"/api/revisions/{r['number']}", expect=200).json == r


def test_paging(cell):
    for i in range(6):
        cell.control().put("/api/config", {"public_endpoint": f"p{i}.example.org"}, expect=200)
    top = cell.revision()
    assert [r["number"] for r in _list(cell, "?limit=2")] == [top, top - 1]
    assert [r["number"] for r in _list(cell, f"?limit=3&before={top - 1}")] == [top - 2, top - 3, top - 4]
    assert all(r["number"] < 3 for r in _list(cell, "?before=3"))
    everything = [r["number"] for r in _list(cell, "?limit=1000")]
    assert len(everything) >= 7 and everything == sorted(everything, reverse=True)
    assert _list(cell, f"?before={everything[-1]}") == []
    assert [r["number"] for r in _list(cell, "?limit=1")] == [top]
    for q, field in (("?limit=0", "limit"), ("?limit=1001", "limit"), ("?limit=abc", "limit"),
                     ("?limit=-1", "limit"), ("?before=x", "before"), ("?limit=5x", "limit")):
        r = cell.control().get(f"/api/revisions{q}", expect=400)
        assert r.error.get("field") == field, (q, r)


def test_unknown_revision(cell):
    top = cell.revision()
    r = cell.control().get(f"/api/revisions/{top + 1000}", expect=404)
    assert r.error["code"] == "not_found"
    cell.control().post(f"/api/revisions/{top + 1000}/rollback", expect=404)
    for bad in ("abc", "-1", "1.5", "99999999999999999999999"):
        cell.control().get(f"/api/revisions/{bad}", expect=(400, 404))
        cell.control().post(f"/api/revisions/{bad}/rollback", expect=(400, 404))
    assert cell.revision() == top


def test_rollback_restores_config(cell):
    cell.control().put("/api/config", {"public_endpoint": "a.example.org"}, expect=200)
    rev_a = cell.revision()
    conf_a = cell.config()
    cell.control().put("/api/config", {"public_endpoint": "b.example.org", "domain": "home.arpa",
                                       "ports": {"dns": 5400}}, expect=200)
    cell.control().post("/api/config/apply", {"timeout_s": 60}, expect=200)
    cell.control().post("/api/config/confirm", expect=200)
    cell.create_user("bob", "bob-password")
    _, tok = cell.create_token("read", name="kept")
    c = cell.config()
    assert (c["public_endpoint"], c["domain"], c["ports"]["dns"]) == ("b.example.org", "home.arpa", 5400)
    before = cell.revision()
    r = cell.control().post(f"/api/revisions/{rev_a}/rollback", expect=200).json
    assert r["revision"] > before
    c = cell.config()
    assert c["revision"] == r["revision"]
    assert {k: v for k, v in c.items() if k != "revision"} == {k: v for k, v in conf_a.items() if k != "revision"}
    newest = _list(cell, "?limit=1")[0]
    assert newest["number"] == r["revision"]
    keys = {ch["key"] for ch in newest["diff"]["changes"] if ch["entity"] == "config"}
    assert {"public_endpoint", "domain"} <= keys, newest
    # Users and tokens are never rolled back.
    cell.control().get("/api/users/bob", expect=200)
    assert tok["id"] in {t["id"] for t in cell.control().get("/api/auth/tokens").json["tokens"]}
    # Rolling forward again works the same way.
    cell.control().post(f"/api/revisions/{before}/rollback", expect=200)
    assert cell.config()["public_endpoint"] == "b.example.org"


def test_rollback_to_the_first_revision(cell):
    first = min(r["number"] for r in _list(cell, "?limit=1000"))
    initial = cell.config()
    cell.control().put("/api/config", {"public_endpoint": "x.example.org", "cell_name": "zzz"}, expect=200)
    cell.control().post("/api/config/apply", {"timeout_s": 60}, expect=200)
    cell.control().post("/api/config/confirm", expect=200)
    cell.control().post(f"/api/revisions/{first}/rollback", expect=200)
    c = cell.config()
    assert {k: v for k, v in c.items() if k != "revision"} == {k: v for k, v in initial.items() if k != "revision"}


def test_passwords_never_in_revisions(cell):
    secrets = ["first-secret-pw-1", "second-secret-pw-2", "third-secret-pw-3"]
    cell.create_user("bob", secrets[0])
    cell.control().put("/api/users/bob", {"password": secrets[1]}, expect=200)
    bob = cell.api(cell.login("bob", secrets[1]))
    bob.put("/api/users/bob", {"password": secrets[2]}, expect=200)
    cell.control().put(f"/api/users/{ADMIN}", {"password": "admin-new-secret-pw"}, expect=200)
    secrets.append("admin-new-secret-pw")
    secrets.append(cell.password)
    token, _ = cell.create_token("admin")
    secrets.append(token.split("_", 2)[2])
    revs = cell.control().get("/api/revisions?limit=1000", expect=200)
    texts = [revs.raw.decode()]
    for r in revs.json["revisions"]:
        texts.append(cell.control().get(f"/api/revisions/{r['number']}", expect=200).raw.decode())
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"secret {secret!r} in a revision"
        assert "$argon2" not in text, "a password hash in a revision"
    # Three password changes, each shown as "(changed)" (as the value itself or
    # under a "password" member of the user's after-image).
    changes = [c for r in revs.json["revisions"] for c in r["diff"]["changes"] if c["entity"] == "user"]

    def shows_changed(v):
        return v == "(changed)" or (isinstance(v, dict) and v.get("password") == "(changed)")
    assert len([c for c in changes if shows_changed(c["after"])]) >= 3, changes
