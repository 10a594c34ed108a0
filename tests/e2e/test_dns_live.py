"""The cell's DNS served by a real Unbound that picd supervises: records
created through the API answer at once (applied live over Unbound's control
socket, no reload), deleted ones stop answering, service names resolve.
Queried with dig on loopback only; the cell has no forwarders here."""

import shutil
import subprocess
import time

import pytest

from conftest import wait_for

DIG = shutil.which("dig")


def dig(cell, name, rtype="A"):
    assert DIG, "dig is missing (Debian package dnsutils; make test installs it)"
    out = subprocess.run([DIG, "+short", "+time=1", "+tries=1", "@127.0.0.1", "-p", str(cell.dns_port), name, rtype],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip().splitlines()


def status(cell, name):
    out = subprocess.run([DIG, "+time=1", "+tries=1", "@127.0.0.1", "-p", str(cell.dns_port), name],
                         capture_output=True, text=True, timeout=10).stdout
    return "NXDOMAIN" if "status: NXDOMAIN" in out else "NOERROR" if "status: NOERROR" in out else out


def test_service_names_resolve(cell):
    assert dig(cell, "calendar.test.cell") == ["172.20.0.5"]
    assert dig(cell, "webui.test.cell") == ["172.20.0.1"]
    assert status(cell, "nothere.test.cell") == "NXDOMAIN"


def test_record_answers_within_a_second_and_stops_after_delete(cell):
    api = cell.control()
    pid = cell.services()["unbound"]["pid"]
    t0 = time.monotonic()
    rec = api.post("/api/dns/records", {"name": "www", "type": "A", "value": "192.0.2.7"}, expect=201).json
    wait_for(lambda: dig(cell, "www.test.cell") == ["192.0.2.7"], 1.0, 0.01, "www resolves")
    assert time.monotonic() - t0 < 1.0
    # Applied live: the same Unbound process, and the outcome says reload
    # (over the control socket), never restart.
    assert cell.services()["unbound"]["pid"] == pid
    api.delete(f"/api/dns/records/{rec['id']}", expect=204)
    wait_for(lambda: status(cell, "www.test.cell") == "NXDOMAIN", 1.0, 0.01, "www gone")


def test_same_name_records_survive_each_other(cell):
    api = cell.control()
    a = api.post("/api/dns/records", {"name": "host", "type": "A", "value": "192.0.2.8"}, expect=201).json
    api.post("/api/dns/records", {"name": "host", "type": "TXT", "value": 'say "hi" \\ there'}, expect=201)
    wait_for(lambda: dig(cell, "host.test.cell", "TXT") == ['"say \\"hi\\" \\\\ there"'], 1.0, 0.01, "TXT")
    api.delete(f"/api/dns/records/{a['id']}", expect=204)
    wait_for(lambda: dig(cell, "host.test.cell") == [], 1.0, 0.01, "A gone")
    assert dig(cell, "host.test.cell", "TXT") == ['"say \\"hi\\" \\\\ there"']


def test_mx_and_srv(cell):
    api = cell.control()
    api.post("/api/dns/records", {"name": "@", "type": "MX", "value": "mail", "priority": 10}, expect=201)
    api.post("/api/dns/records", {"name": "_sip._tcp", "type": "SRV", "value": "webui", "priority": 1,
                                  "weight": 5, "port": 5060}, expect=201)
    wait_for(lambda: dig(cell, "test.cell", "MX") == ["10 mail.test.cell."], 1.0, 0.01, "MX")
    assert dig(cell, "_sip._tcp.test.cell", "SRV") == ["1 5 5060 webui.test.cell."]
