"""Many clients at once: concurrent writers, slow and idle connections must
not stall picd or corrupt the history."""

import socket
import threading
import time

from conftest import Client


def test_concurrent_writers(cell):
    tokens = [cell.create_token("admin")[0] for _ in range(6)]
    base = cell.revision()
    errors = []
    per_thread = 25

    def writer(n, token):
        api = cell.api(token, persistent=(n % 2 == 0))
        try:
            for i in range(per_thread):
                api.put("/api/config", {"public_endpoint": f"w{n}-{i}.example.org"}, expect=200)
                if i % 5 == 0:
                    api.get("/api/config", expect=200)
        except BaseException as e:  # noqa: B902 - report any failure from the thread
            errors.append(f"writer {n}: {e}")
        finally:
            api.close()

    threads = [threading.Thread(target=writer, args=(n, t)) for n, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    revs = cell.control().get("/api/revisions?limit=1000", expect=200).json["revisions"]
    mine = [r["number"] for r in revs if r["number"] > base]
    assert len(mine) == len(tokens) * per_thread
    assert sorted(mine) == list(range(base + 1, base + 1 + len(mine))), "revision numbers have gaps"
    assert cell.sqlite("PRAGMA integrity_check") == "ok"


def test_slow_client_does_not_block_others(cell):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(cell.api_sock))
    # Half a request: headers not finished.
    s.sendall(b"PUT /api/config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
    s2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s2.connect(str(cell.api_sock))
    # Headers done, body promised but not sent.
    s2.sendall(b"PUT /api/config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 100\r\n\r\n{")
    try:
        t0 = time.monotonic()
        for _ in range(5):
            Client(cell.api_sock, timeout=3).get("/health", expect=200)
            cell.control(timeout=3).get("/api/config", expect=200)
        assert time.monotonic() - t0 < 3
    finally:
        s.close()
        s2.close()
    cell.api().get("/health", expect=200)


def test_many_idle_connections(cell):
    socks = []
    try:
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(cell.api_sock))
            socks.append(s)
        cell.control(timeout=5).get("/api/config", expect=200)
    finally:
        for s in socks:
            s.close()
    Client(cell.api_sock, timeout=5).get("/health", expect=200)


def test_client_disconnects_mid_body(cell):
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(cell.control_sock))
        s.sendall(b"PUT /api/config HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"public_endpoint\":")
        s.close()
    rev = cell.revision()
    cell.api().get("/health", expect=200)
    assert cell.config()["public_endpoint"] == "" and cell.revision() == rev
