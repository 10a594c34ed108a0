"""Reconcile after each committed revision, seen through GET /api/apply/status
and with real processes: a change that does not touch Caddy writes and
reloads nothing; one that does is exactly one write and one live reload (the
same Caddy process moves to the new port); a file the checker rejects is not
written and the old config keeps serving; stray files in a managed directory
are removed.

The checker is Caddy's own (`caddy validate`); to make it refuse, picd runs
a wrapper (test hook PIC_CADDY_BINARY) that fails `validate` while a flag
file exists and otherwise is /usr/bin/caddy."""

import os
import stat

from conftest import Cell, free_port, http_get, port_answers, wait_for


def _serves(port):
    try:
        status, _, body = http_get(port, "/health", timeout=2)
    except OSError:
        return False
    return status == 200 and b'"version"' in body


def _caddy_outcome(st):
    [svc] = [s for s in st["services"] if s["name"] == "caddy"]
    return svc


def test_apply_status_after_start(cell):
    """The first reconcile (at start) wrote caddy.json; the status names the
    revision it applied."""
    st = cell.apply_status()
    assert st["revision"] == cell.revision()
    assert st["ok"] is True
    assert _caddy_outcome(st)["ok"] is True
    assert st["totals"]["writes"] >= 1  # caddy.json, at start
    assert cell.caddy_config.is_file()
    # The file is Caddy's JSON with this cell's ports and sockets.
    text = cell.caddy_config.read_text()
    assert f"127.0.0.1:{cell.ui_port}" in text and f"127.0.0.1:{cell.api_port}" in text
    assert str(cell.api_sock) in text


def test_second_apply_writes_and_reloads_nothing(cell):
    before = cell.apply_status()
    caddy = cell.caddy()
    mtime = cell.caddy_config.stat().st_mtime_ns
    r = cell.control().put("/api/config", {"public_endpoint": "cell.example.org"}, expect=200).json
    rev = r["config"]["revision"]
    st = cell.wait_apply(rev)
    assert st["ok"] is True
    assert st["files"] == [], st
    assert _caddy_outcome(st) == {"name": "caddy", "action": "none", "ok": True, "error": None}
    assert st["totals"] == before["totals"], (before, st)
    assert cell.caddy_config.stat().st_mtime_ns == mtime, "caddy.json was rewritten"
    # And again, for any commit that leaves Caddy's config as it is.
    cell.control().put("/api/config", {"public_endpoint": ""}, expect=200)
    tok = cell.create_token("read")[1]
    st = cell.wait_apply(cell.revision())
    assert st["files"] == [] and st["totals"] == before["totals"], st
    cell.control().delete(f"/api/auth/tokens/{tok['id']}", expect=204)
    st = cell.wait_apply(cell.revision())
    assert st["files"] == [] and st["totals"] == before["totals"], st
    after = cell.caddy()
    assert after["pid"] == caddy["pid"] and after["restarts"] == caddy["restarts"]


def test_caddy_change_is_one_write_and_one_live_reload(cell):
    before = cell.apply_status()
    caddy = cell.caddy()
    old_ui, new_ui = cell.ui_port, free_port()
    assert _serves(old_ui) and not port_answers(new_ui)

    # Staging is a revision too, but changes nothing on disk.
    r = cell.control().put("/api/config", {"ports": {"ui": new_ui}}, expect=200).json
    assert r["staged"] and not r["applied"]
    st = cell.wait_apply(r["config"]["revision"])
    assert st["files"] == [] and st["totals"] == before["totals"], st

    a = cell.control().post("/api/config/apply", {"timeout_s": 120}, expect=200).json
    st = cell.wait_apply(a["revision"])
    assert st["ok"] is True, st
    assert st["files"] == [{"path": str(cell.caddy_config), "service": "caddy", "action": "written"}], st
    assert _caddy_outcome(st) == {"name": "caddy", "action": "reload", "ok": True, "error": None}, st
    assert st["totals"] == {"writes": before["totals"]["writes"] + 1,
                            "reloads": before["totals"]["reloads"] + 1}, (before, st)
    assert f"127.0.0.1:{new_ui}" in cell.caddy_config.read_text()

    # The live reload: the new port answers through Caddy, the old one stops,
    # and it is still the same Caddy process.
    wait_for(lambda: _serves(new_ui), 5.0, 0.05, f"Caddy on the new UI port {new_ui}")
    wait_for(lambda: not port_answers(old_ui), 5.0, 0.05, f"the old UI port {old_ui} to close")
    after = cell.caddy()
    assert after["pid"] == caddy["pid"], (caddy, after)
    assert after["restarts"] == caddy["restarts"] and after["state"] == "ready", after
    assert _serves(cell.api_port), "the API port is unaffected"
    cell.ui_port = new_ui

    # Confirming changes no configuration: no revision, nothing written.
    cell.control().post("/api/config/confirm", expect=200)
    assert cell.apply_status()["totals"] == st["totals"]
    # A no-op commit afterwards: still nothing more.
    cell.control().put("/api/config", {"public_endpoint": "x.example.org"}, expect=200)
    st2 = cell.wait_apply(cell.revision())
    assert st2["files"] == [] and st2["totals"] == st["totals"], st2
    assert _caddy_outcome(st2)["action"] == "none"
    # The new port survives a restart of picd (it is the config now).
    cell.restart()
    assert _serves(new_ui) and not port_answers(old_ui)


def test_rejected_config_leaves_the_old_one_serving(workdir):
    flag = workdir / "reject"
    wrapper = workdir / "caddy-wrapper"
    wrapper.write_text("#!/bin/sh\n"
                       f"if [ \"$1\" = validate ] && [ -e '{flag}' ]; then\n"
                       "  echo 'pic-test checker: this config is refused on purpose' >&2\n"
                       "  exit 1\n"
                       "fi\n"
                       "exec /usr/bin/caddy \"$@\"\n")
    wrapper.chmod(stat.S_IRWXU)
    cell = Cell(workdir)
    cell.env = {"PIC_CADDY_BINARY": str(wrapper)}
    cell.init()
    cell.start()
    try:
        assert _serves(cell.ui_port) and _serves(cell.api_port)
        caddy = cell.caddy()
        before = cell.apply_status()
        assert before["ok"] is True
        on_disk = cell.caddy_config.read_bytes()
        st_before = os.stat(cell.caddy_config)

        flag.touch()
        new_api = free_port()
        cell.control().put("/api/config", {"ports": {"api": new_api}}, expect=200)
        a = cell.control().post("/api/config/apply", {"timeout_s": 120}, expect=200).json
        st = cell.wait_apply(a["revision"])
        assert st["ok"] is False, st
        assert st["files"] == [], st
        svc = _caddy_outcome(st)
        assert svc["ok"] is False and svc["action"] == "none", svc
        assert "pic-test checker: this config is refused on purpose" in svc["error"], svc
        assert st["totals"] == before["totals"], (before, st)
        # The store has the new port, but the file and Caddy keep the old one.
        assert cell.config()["ports"]["api"] == new_api
        assert cell.caddy_config.read_bytes() == on_disk
        st_after = os.stat(cell.caddy_config)
        assert (st_after.st_ino, st_after.st_mtime_ns) == (st_before.st_ino, st_before.st_mtime_ns)
        assert not [p.name for p in cell.caddy_config.parent.iterdir() if p.name != "caddy.json"], \
            "the rejected temp file was left behind"
        assert _serves(cell.ui_port) and _serves(cell.api_port)
        assert not port_answers(new_api)
        now = cell.caddy()
        assert now["pid"] == caddy["pid"] and now["state"] == "ready", now
        assert cell.health()["status"] == "ok"

        # Without the flag, roll back to what runs: the render matches the
        # file again, nothing to write, all well.
        flag.unlink()
        rb = cell.control().post(f"/api/revisions/{a['previous_revision']}/rollback", expect=200).json
        st = cell.wait_apply(rb["revision"])
        assert st["ok"] is True and st["files"] == [], st
        assert _caddy_outcome(st) == {"name": "caddy", "action": "none", "ok": True, "error": None}
        assert cell.config()["ports"]["api"] == cell.api_port
        assert cell.control().get("/api/config/pending", expect=200).json["confirm"] is None
        assert cell.caddy_config.read_bytes() == on_disk
        assert _serves(cell.api_port)
    finally:
        flag.unlink(missing_ok=True)
        cell.shutdown()


def test_stray_files_in_a_managed_directory_are_removed(cell):
    confdir = cell.caddy_config.parent
    stray = confdir / "stray.conf"
    stray.write_text("left over by someone\n")
    temp = confdir / ".caddy.json.AbC123"
    temp.write_text("{}")
    before = cell.apply_status()
    cell.control().put("/api/config", {"public_endpoint": "stray.example.org"}, expect=200)
    st = cell.wait_apply(cell.revision())
    assert sorted(st["files"], key=lambda f: f["path"]) == sorted([
        {"path": str(stray), "service": "caddy", "action": "removed"},
        {"path": str(temp), "service": "caddy", "action": "removed"},
    ], key=lambda f: f["path"]), st
    assert not stray.exists() and not temp.exists()
    assert sorted(p.name for p in confdir.iterdir()) == ["caddy.json"]
    assert st["totals"]["writes"] == before["totals"]["writes"] + 2, (before, st)
    assert st["ok"] is True
    # Caddy keeps (or gets back to) serving.
    cell.wait_service("ready")
    wait_for(lambda: _serves(cell.ui_port), 5.0, 0.05, "Caddy serving")


def test_a_changed_file_on_disk_is_put_back(cell):
    """Someone edits the managed file: the next reconcile rewrites it."""
    want = cell.caddy_config.read_bytes()
    cell.caddy_config.write_bytes(want.replace(b'"persist": false', b'"persist": true'))
    assert cell.caddy_config.read_bytes() != want
    cell.control().put("/api/config", {"public_endpoint": "edit.example.org"}, expect=200)
    st = cell.wait_apply(cell.revision())
    assert st["files"] == [{"path": str(cell.caddy_config), "service": "caddy", "action": "written"}], st
    assert cell.caddy_config.read_bytes() == want
    assert _caddy_outcome(st)["action"] == "reload" and st["ok"] is True, st


def test_apply_status_requires_admin(cell):
    cell.create_user("bob", "bob-password-1", "user")
    bob = cell.session_client("bob", "bob-password-1")
    r = bob.get("/api/apply/status", expect=403)
    assert r.error["code"] == "permission_denied"
    cell.api().get("/api/apply/status", expect=401)
    bob_token = cell.create_token("read", username="bob")[0]
    cell.api(bob_token).get("/api/apply/status", expect=403)
    # An admin with a read token may read it.
    admin_read = cell.create_token("read")[0]
    st = cell.api(admin_read).get("/api/apply/status", expect=200).json
    assert set(st) == {"revision", "time", "ok", "files", "services", "totals"}
    cell.session_client().get("/api/apply/status", expect=200)
