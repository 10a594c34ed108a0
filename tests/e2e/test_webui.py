"""The web UI in a real browser: Debian's Chromium, driven by playwright-core
(webui/e2e/flows.mjs), against a real cell whose Caddy serves webui/dist and
proxies /api and /health to picd (on the cell's ports.ui: 8081 in the dev
profile; a free loopback port of its own here, see Cell.init). Each test runs
one flow and then checks the cell's state through the API itself.

Needs node, webui/node_modules (npm ci), webui/dist (npm run build) and
/usr/bin/chromium; a missing one fails the test with the command to run.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ADMIN, ADMIN_PASSWORD, REPO, Cell, UnixHTTPConnection, wait_for

WEBUI = REPO / "webui"
DIST = Path(os.environ.get("PIC_WEBUI_DIST") or WEBUI / "dist")
FLOWS = WEBUI / "e2e" / "flows.mjs"
CHROMIUM = os.environ.get("PIC_CHROMIUM", "/usr/bin/chromium")
CELL_NAME = "test"
NEW_DOMAIN = "home.example"
FLOW_TIMEOUT = 150


def _prerequisites():
    """What is missing to run the browser flows, as commands to run."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node is not installed (apt-get install nodejs npm)")
    if not (WEBUI / "node_modules" / "playwright-core").is_dir():
        missing.append("webui/node_modules lacks playwright-core (cd webui && npm ci)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not (DIST / "index.html").is_file():
        missing.append(f"{DIST}/index.html is missing (cd webui && npm run build)")
    return missing


def _health(cell):
    conn = UnixHTTPConnection(cell.api_sock, timeout=2)
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        return json.loads(r.read()) if r.status == 200 else None
    except (OSError, ValueError):
        return None
    finally:
        conn.close()


def _caddy_ready(cell):
    h = _health(cell)
    return h is not None and (h.get("services") or {}).get("caddy") == "ready"


def _ui_serves_index(url):
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as r:
            return r.status == 200 and b'<div id="root">' in r.read()
    except OSError:
        return False


@pytest.fixture(scope="module")
def ui_cell(request):
    """A fresh cell `test` whose Caddy serves the built UI (cell.ui_url)."""
    missing = _prerequisites()
    if missing:
        pytest.fail("the web UI tests cannot run:\n  " + "\n  ".join(missing), pytrace=False)

    root = Path(tempfile.mkdtemp(prefix="pic-e2e-ui-", dir="/tmp"))
    shots = Path(tempfile.mkdtemp(prefix="pic-webui-shots-", dir="/tmp"))
    cell = Cell(root)
    cell.env["PIC_WEBUI_DIST"] = str(DIST)
    failed = False
    try:
        cell.init(CELL_NAME)
        cell.start()
        cell.ui_url = f"http://127.0.0.1:{cell.ui_port}"
        try:
            wait_for(lambda: _caddy_ready(cell), 20, 0.1, "caddy ready in GET /health")
            wait_for(lambda: _ui_serves_index(cell.ui_url), 10, 0.1, f"{cell.ui_url}/ to serve webui/dist")
        except AssertionError as e:
            pytest.fail(f"{e}\nhealth: {_health(cell)}\n{cell.log_tail()}", pytrace=False)
        cell.shots = shots
        yield cell
        failed = request.session.testsfailed > 0
    finally:
        if cell.running():
            cell.shutdown()
        shutil.rmtree(root, ignore_errors=True)
        if failed:
            print(f"screenshots kept in {shots}")
        else:
            shutil.rmtree(shots, ignore_errors=True)


# picd allows 10 logins per source a minute (LOGIN_PER_SOURCE_MAX/WINDOW in
# src/picd.c), successful ones included, and every flow logs in once from
# 127.0.0.1 through Caddy. A flow therefore waits until a minute has passed
# since the end of the flow ten before it (its login was before its end).
LOGINS_PER_MINUTE = 10
_flow_ends = {}


def _wait_for_login_budget(cell):
    ends = _flow_ends.setdefault(id(cell), [])
    if len(ends) >= LOGINS_PER_MINUTE:
        wait = ends[-LOGINS_PER_MINUTE] + 61 - time.monotonic()
        if wait > 0:
            time.sleep(wait)


def run_flow(cell, name, *args):
    """Runs one browser flow; returns what it saw, or fails with its error and screenshot."""
    _wait_for_login_budget(cell)
    try:
        return _run_flow(cell, name, *args)
    finally:
        _flow_ends.setdefault(id(cell), []).append(time.monotonic())


def _run_flow(cell, name, *args):
    env = dict(os.environ, PIC_E2E_PASSWORD=ADMIN_PASSWORD, PIC_CHROMIUM=CHROMIUM)
    argv = ["node", str(FLOWS), "--base", cell.ui_url, "--flow", name, "--shots", str(cell.shots), "--user", ADMIN, *args]
    started = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=FLOW_TIMEOUT, env=env,
                           stdin=subprocess.DEVNULL, cwd=WEBUI)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"flow {name}: no result after {FLOW_TIMEOUT}s\nstderr: {e.stderr}\n{cell.log_tail(40)}",
                    pytrace=False)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    assert lines, (f"flow {name} printed no result (exit {p.returncode})\nstdout: {p.stdout[-2000:]}\n"
                   f"stderr: {p.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if not result.get("ok") or p.returncode != 0:
        pytest.fail(f"flow {name} failed after {time.monotonic() - started:.1f}s: {result.get('error')}\n"
                    f"url: {result.get('url')}\nseen: {json.dumps(result.get('seen'))}\n"
                    f"browser console: {result.get('console_errors')}\n"
                    f"screenshot: {result.get('screenshot')}\n{cell.log_tail(40)}", pytrace=False)
    assert Path(result["screenshot"]).is_file(), f"flow {name}: no screenshot at {result['screenshot']}"
    return result["seen"]


def caddy_status(cell):
    services = cell.control().get("/api/services/status", expect=200).json["services"]
    return next(s for s in services if s["name"] == "caddy")


def revisions(cell, limit=20):
    return cell.control().get(f"/api/revisions?limit={limit}", expect=200).json["revisions"]


# The flows run in this order: each starts by logging in; later ones build on
# the cell state the earlier ones left.


def test_login_shows_every_area(ui_cell):
    seen = run_flow(ui_cell, "login")
    assert seen["nav"] == ["Dashboard", "Services", "Peers", "DNS", "DHCP", "NTP", "Settings", "Users", "API tokens", "Revisions"]


def test_dashboard_shows_cell_and_caddy_ready(ui_cell):
    seen = run_flow(ui_cell, "dashboard", "--expect-cell", f"{CELL_NAME}.cell", "--service", "caddy")
    assert seen["cell"] == f"{CELL_NAME}.cell"
    assert seen["state"] == "ready"


def test_live_log_receives_new_lines(ui_cell):
    before = caddy_status(ui_cell)
    seen = run_flow(ui_cell, "live_log", "--service", "caddy")
    assert seen["lines_before"] > 0
    assert seen["trigger_status"] == 200, seen
    assert seen["new_lines"], seen
    # The trigger was a restart: the line picd writes for it reached the open view.
    assert any("restart" in line for line in seen["new_lines"]), seen["new_lines"]
    wait_for(lambda: caddy_status(ui_cell)["state"] == "ready" and caddy_status(ui_cell)["pid"] != before["pid"],
             30, 0.2, "caddy ready again after the restart")


def test_restart_service_comes_back_ready(ui_cell):
    seen = run_flow(ui_cell, "restart", "--service", "caddy")
    assert seen["pid_after"] != seen["pid_before"]
    s = caddy_status(ui_cell)
    assert s["state"] == "ready"
    assert str(s["pid"]) == seen["pid_after"]


def test_apply_pending_change_and_confirm(ui_cell):
    assert ui_cell.config()["domain"] == "cell"
    seen = run_flow(ui_cell, "apply_confirm", "--domain", NEW_DOMAIN)
    assert (seen["pending_from"], seen["pending_to"]) == ("cell", NEW_DOMAIN)
    first, second = seen["countdown"]
    assert first != second, "the countdown did not move"
    assert seen["header"] == f"{CELL_NAME}.{NEW_DOMAIN}"
    # Confirmed for real: nothing waits, and the change stays.
    pending = ui_cell.control().get("/api/config/pending", expect=200).json
    assert pending == {"changes": {}, "confirm": None}
    assert ui_cell.config()["domain"] == NEW_DOMAIN
    assert any(r["summary"].startswith("apply staged changes") for r in revisions(ui_cell))


def test_rollback_restores_earlier_revision(ui_cell):
    assert ui_cell.config()["domain"] == NEW_DOMAIN
    seen = run_flow(ui_cell, "rollback", "--rollback-to", "1")
    assert seen["diff_rows"] > 0
    assert seen["domain_after"] == "cell"
    assert seen["header"] == f"{CELL_NAME}.cell"
    cfg = ui_cell.config()
    assert cfg["domain"] == "cell"
    newest = revisions(ui_cell, 1)[0]
    assert newest["number"] == seen["new_revision"] == cfg["revision"]
    assert "rollback" in newest["summary"] and "1" in newest["summary"], newest["summary"]


# ---- DNS, DHCP and NTP pages (after the rollback: the zone is test.cell again,
# read from the config all the same).

DIG = shutil.which("dig")
UI_RECORD = "uitest"
UI_RECORD_ADDRESS = "192.0.2.55"
NTP_ALLOW = "192.168.77.0/24"


def dig(cell, name, rtype="A"):
    """The answers of the cell's Unbound (loopback, its own port) for name."""
    assert DIG, "dig is missing (Debian package dnsutils; make test installs it)"
    out = subprocess.run([DIG, "+short", "+time=1", "+tries=1", "@127.0.0.1", "-p", str(cell.dns_port), name, rtype],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip().splitlines()


def zone(cell):
    cfg = cell.config()
    return f"{cfg['cell_name']}.{cfg['domain']}"


def test_dns_record_created_in_the_ui_resolves(ui_cell):
    fqdn = f"{UI_RECORD}.{zone(ui_cell)}"
    assert dig(ui_cell, fqdn) == [], f"{fqdn} answers before the test created it"
    seen = run_flow(ui_cell, "dns_create", "--record-name", UI_RECORD, "--record-value", UI_RECORD_ADDRESS)
    assert seen["preview"] == seen["fqdn"] == fqdn
    assert seen["value"] == UI_RECORD_ADDRESS
    # Stored as the form sent it (ttl defaulted), with a revision.
    rec = ui_cell.control().get(f"/api/dns/records/{seen['id']}", expect=200).json
    assert (rec["name"], rec["type"], rec["value"], rec["ttl"], rec["fqdn"]) == (UI_RECORD, "A", UI_RECORD_ADDRESS, 300, fqdn)
    assert any(r["summary"].startswith("dns record") for r in revisions(ui_cell, 5))
    # Applied live: Unbound answers within a second of the page showing it
    # (the flow's browser has closed since, so this is if anything lenient).
    wait_for(lambda: dig(ui_cell, fqdn) == [UI_RECORD_ADDRESS], 1.0, 0.02, f"{fqdn} to resolve to {UI_RECORD_ADDRESS}")


def test_dns_record_deleted_in_the_ui_stops_resolving(ui_cell):
    fqdn = f"{UI_RECORD}.{zone(ui_cell)}"
    assert dig(ui_cell, fqdn) == [UI_RECORD_ADDRESS], "the record of the previous test is not there"
    seen = run_flow(ui_cell, "dns_delete", "--record-name", UI_RECORD)
    assert seen["deleted"] == fqdn
    assert seen["rows_found"] >= 1
    left = ui_cell.control().get(f"/api/dns/records?search={UI_RECORD}", expect=200).json
    assert [r for r in left["records"] if r["fqdn"] == fqdn] == []
    wait_for(lambda: dig(ui_cell, fqdn) == [], 1.0, 0.02, f"{fqdn} to stop resolving")


def test_dhcp_page_renders_with_dhcp_off(ui_cell):
    assert ui_cell.config()["dhcp"]["enabled"] is False
    seen = run_flow(ui_cell, "dhcp_page")
    assert seen["enabled"] is False
    assert seen["state"] == "Off"
    # "(none)" and then the machine's interfaces, each with its addresses.
    ifaces = ui_cell.control().get("/api/dhcp/interfaces", expect=200).json["interfaces"]
    assert seen["interfaces"][0] == "(none)"
    assert [o.split(" — ")[0] for o in seen["interfaces"][1:]] == [i["name"] for i in ifaces]


def test_ntp_page_renders_and_saves_an_allowed_network(ui_cell):
    assert NTP_ALLOW not in ui_cell.config()["ntp"]["allow"]
    seen = run_flow(ui_cell, "ntp_page", "--allow", NTP_ALLOW)
    status = ui_cell.control().get("/api/ntp/status", expect=200).json
    assert seen["running"] == ("running" if status["running"] else "not running")
    ntp = ui_cell.config()["ntp"]
    assert seen["servers"] == ntp["servers"]
    assert seen["local_stratum"] == str(ntp["local_stratum"])
    assert seen["outcome"].startswith("Applied: ntp.allow"), seen["outcome"]
    assert ui_cell.config()["ntp"]["allow"] == [NTP_ALLOW]


# ---- Peers: add one, see and download its config, disable and delete it. The
# test cell's VPN interface is off, but peers and their configs work.

UI_PEER = "phone"
ALL_SERVICES = ["webui", "dns", "ntp", "mail", "calendar", "files"]
ZBARIMG = "/usr/bin/zbarimg"


def zbar_decode(png):
    """The payload of the QR code in an image, byte for byte (the flags of tests/unit/test_qr.c)."""
    assert os.access(ZBARIMG, os.X_OK), "zbarimg is missing (Debian package zbar-tools; make test installs it)"
    out = subprocess.run([ZBARIMG, "--nodbus", "--raw", "-q", "--oneshot", "-Sdisable", "-Sqrcode.enable", "-Sbinary",
                          str(png)], capture_output=True, timeout=30)
    assert out.returncode == 0, f"zbarimg found no QR code in {png} (exit {out.returncode}): {out.stderr[-500:]!r}"
    return out.stdout


def test_peer_added_in_the_ui_shows_its_qr_code_and_downloads_its_config(ui_cell):
    api = ui_cell.control()
    assert api.get(f"/api/peers/{UI_PEER}").status == 404
    seen = run_flow(ui_cell, "peer_add", "--peer-name", UI_PEER)
    peer = api.get(f"/api/peers/{UI_PEER}", expect=200).json
    assert (peer["enabled"], peer["expired"], peer["full_tunnel"], peer["keepalive"]) == (True, False, False, 25)
    assert peer["services"] == ALL_SERVICES
    assert peer["key_kept_by_cell"] is True
    assert seen["fqdn_preview"] == seen["fqdn"] == peer["fqdn"] == f"{UI_PEER}.peers.{zone(ui_cell)}"
    assert (seen["ip"], seen["state"], seen["services"]) == (peer["ip"], "enabled", "all")
    # The QR code was drawn from the server's SVG, as an image.
    assert seen["qr"]["src"] == "data:image/svg+xml;base64,"
    assert seen["qr"]["natural"][0] > 0 and seen["qr"]["shown"] == [320, 320], seen["qr"]
    # The file the browser saved is the one picd serves, byte for byte; the
    # text on screen is the same config.
    ref = api.get(f"/api/peers/{UI_PEER}/config?format=conf", expect=200)
    saved = Path(seen["download_path"]).read_bytes()
    assert seen["download_name"] == f"{UI_PEER}.conf"
    assert saved == ref.raw
    assert seen["config_text"] == ref.raw.decode()
    assert b"PrivateKey = " in saved and f"Address = {peer['ip']}/32".encode() in saved
    # The code on screen holds that config: its screenshot decodes to it.
    assert zbar_decode(seen["qr_png"]) == ref.raw
    # Through Caddy with a session cookie (what the page does): the same
    # bytes, and the name in Content-Disposition.
    via_ui = ui_cell.ui(ui_cell.login()).get(f"/api/peers/{UI_PEER}/config?format=conf", expect=200)
    assert via_ui.raw == ref.raw
    assert via_ui.headers["Content-Disposition"] == f'attachment; filename="{UI_PEER}.conf"'
    assert any(r["summary"] == f"peer {UI_PEER} ({peer['ip']}) added" for r in revisions(ui_cell, 5))


def test_peer_disabled_and_deleted_in_the_ui(ui_cell):
    api = ui_cell.control()
    ip = api.get(f"/api/peers/{UI_PEER}", expect=200).json["ip"]
    seen = run_flow(ui_cell, "peer_disable_delete", "--peer-name", UI_PEER)
    assert seen["state_before"] == "enabled"
    assert seen["state_after_disable"] == "disabled"
    assert seen["enabled_after_disable"] is False
    assert seen["status_after_delete"] == 404
    assert api.get(f"/api/peers/{UI_PEER}").status == 404
    assert api.get(f"/api/peers?search={UI_PEER}", expect=200).json == {"peers": [], "total": 0}
    summaries = [r["summary"] for r in revisions(ui_cell, 5)]
    assert f"peer {UI_PEER} changed" in summaries
    assert f"peer {UI_PEER} ({ip}) removed" in summaries
