"""kill -9 of picd in the middle of writes: the store stays whole, every
acknowledged write survives, and a restart keeps everything."""

import http.client
import os
import random
import re
import signal
import threading
import time

from conftest import ADMIN

WRITES = 200


def _committed_endpoints(cell, after_revision):
    """{i: revision number} for the revisions h<i>.example.org after after_revision."""
    revs = cell.control().get("/api/revisions?limit=1000", expect=200).json["revisions"]
    out = {}
    for r in revs:
        if r["number"] <= after_revision:
            continue
        for c in r["diff"]["changes"]:
            if c["entity"] == "config" and c["key"] == "public_endpoint":
                m = re.fullmatch(r"h([0-9]+)\.example\.org", str(c["after"]))
                assert m, r
                i = int(m[1])
                assert i not in out, f"write {i} committed twice: {r}"
                out[i] = r["number"]
    return out


def _integrity_ok(cell):
    assert cell.sqlite("PRAGMA integrity_check") == "ok"


def _check_state(cell, bob_session, token, token_id):
    _integrity_ok(cell)
    users = {u["username"]: u["role"] for u in cell.control().get("/api/users", expect=200).json["users"]}
    assert users == {ADMIN: "admin", "bob": "user"}
    me = cell.api(bob_session).get("/api/auth/me", expect=200).json
    assert me == {"username": "bob", "role": "user", "auth": "session"}
    me = cell.api(token).get("/api/auth/me", expect=200).json
    assert me["auth"] == "token" and me["username"] == ADMIN
    tokens = cell.control().get("/api/auth/tokens?all=1", expect=200).json["tokens"]
    assert token_id in {t["id"] for t in tokens}


def test_kill9_during_writes(cell):
    cell.create_user("bob", "bob-password")
    bob_session = cell.login("bob", "bob-password")
    token, tok = cell.create_token("admin", name="durable")
    base = cell.revision()

    seed = int(os.environ.get("PIC_SEED", time.time_ns() % 1_000_000))
    kill_after = random.Random(seed).randint(5, WRITES - 20)
    print(f"PIC_SEED={seed}: kill -9 after {kill_after} acknowledged writes")

    acked = []
    stop = threading.Event()
    pid = cell.proc.pid

    def killer():
        while len(acked) < kill_after and not stop.is_set():
            time.sleep(0.0002)
        os.kill(pid, signal.SIGKILL)

    api = cell.api(token, persistent=True)
    t = threading.Thread(target=killer, daemon=True)
    t.start()
    in_flight = None
    try:
        for i in range(WRITES):
            in_flight = i
            try:
                r = api.put("/api/config", {"public_endpoint": f"h{i}.example.org"})
            except (OSError, http.client.HTTPException):
                break
            assert r.status == 200, r
            acked.append(i)
        else:
            in_flight = None
    finally:
        stop.set()
        t.join()
        api.close()
    cell.proc.wait()
    assert cell.proc.returncode == -signal.SIGKILL
    cell.proc = None
    assert acked, "no write was acknowledged"
    assert acked == list(range(len(acked)))

    cell.start()
    committed = _committed_endpoints(cell, base)
    missing = sorted(set(acked) - set(committed))
    assert not missing, f"acknowledged writes lost after kill -9: {missing[:20]} (seed {seed})"
    extra = sorted(set(committed) - set(acked))
    assert extra in ([], [in_flight]), f"revisions for writes never sent: {extra} (in flight {in_flight})"
    # Revisions are in the order of the writes.
    order = [committed[i] for i in sorted(committed)]
    assert order == sorted(order)
    last = max(committed)
    c = cell.config()
    assert c["public_endpoint"] == f"h{last}.example.org"
    assert c["revision"] == max(committed.values())
    _check_state(cell, bob_session, token, tok["id"])

    # A clean restart keeps all of it, and writing goes on.
    cell.restart()
    assert _committed_endpoints(cell, base) == committed
    _check_state(cell, bob_session, token, tok["id"])
    cell.api(token).put("/api/config", {"public_endpoint": "after.example.org"}, expect=200)
    assert cell.config()["public_endpoint"] == "after.example.org"


def test_restart_keeps_everything(cell):
    cell.create_user("bob", "bob-password")
    bob_session = cell.login("bob", "bob-password")
    admin_session = cell.login()
    token, tok = cell.create_token("write", name="kept")
    cell.control().put("/api/config", {"public_endpoint": "kept.example.org"}, expect=200)
    cell.control().put("/api/config", {"domain": "home.arpa", "ports": {"dns": 5399}}, expect=200)
    config = cell.config()
    pending = cell.control().get("/api/config/pending", expect=200).json
    revisions = cell.control().get("/api/revisions?limit=1000", expect=200).json
    tokens = cell.control().get("/api/auth/tokens?all=1", expect=200).json

    cell.restart()

    assert cell.config() == config
    assert cell.control().get("/api/config/pending", expect=200).json == pending
    assert cell.control().get("/api/revisions?limit=1000", expect=200).json == revisions
    after = cell.control().get("/api/auth/tokens?all=1", expect=200).json
    # last_used_at may move only forward.
    strip = lambda ts: [{k: v for k, v in t.items() if k != "last_used_at"} for t in ts["tokens"]]  # noqa: E731
    assert strip(after) == strip(tokens)
    _check_state(cell, bob_session, token, tok["id"])
    cell.api(admin_session).get("/api/auth/me", expect=200)
    # The CSRF token of a session survives too.
    cell.api(admin_session).put("/api/config", {"public_endpoint": "again.example.org"}, expect=200)
    # Login still works, and the old password is still the one.
    cell.login("bob", "bob-password")


def test_kill9_then_restart_is_clean(cell):
    """A kill -9 leaves stale sockets behind; picd must take them over."""
    cell.control().put("/api/config", {"public_endpoint": "k.example.org"}, expect=200)
    cell.kill9()
    cell.start()
    _integrity_ok(cell)
    assert cell.config()["public_endpoint"] == "k.example.org"
