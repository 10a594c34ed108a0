"""DNS on the wire for bench/dns.py, stdlib only: a one-socket UDP client
that asks one question in-process (no dig, no process spawn per query), a
stub upstream that answers A questions for one test domain and counts them,
and a one-command client for Unbound's remote control on a unix socket.
"""

import random
import select
import socket
import struct
import threading
import time

TYPE_A = 1
CLASS_IN = 1
RCODE_NOERROR, RCODE_NXDOMAIN, RCODE_REFUSED = 0, 3, 5


def encode_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise ValueError(f"bad label in {name!r}")
        out.append(len(raw))
        out += raw
    return bytes(out + b"\0")


def skip_name(msg, off):
    """The offset just past the (possibly compressed) name at off."""
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def read_name(msg, off):
    labels, hops = [], 0
    while True:
        n = msg[off]
        if n == 0:
            return ".".join(labels) + "."
        if n & 0xC0 == 0xC0:
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 32:
                raise ValueError("compression loop")
            continue
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def build_query(qid, name, qtype=TYPE_A, rd=True):
    return struct.pack("!HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 0) + encode_name(name) + \
        struct.pack("!HH", qtype, CLASS_IN)


def parse_reply(msg):
    """(id, rcode, [IPv4 addresses of the A answers])."""
    qid, flags, qd, an, _, _ = struct.unpack_from("!HHHHHH", msg)
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    addrs = []
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, rclass, _, rdlen = struct.unpack_from("!HHIH", msg, off)
        off += 10
        if rtype == TYPE_A and rclass == CLASS_IN and rdlen == 4:
            addrs.append(socket.inet_ntoa(msg[off:off + 4]))
        off += rdlen
    return qid, flags & 0xF, addrs


class Resolver:
    """One connected UDP socket to SERVER:PORT. query() sends one A question
    and waits up to timeout for its answer; replies to earlier questions
    that timed out are skipped by their id."""

    def __init__(self, server, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.connect((server, port))
        self.sock.setblocking(False)

    def close(self):
        self.sock.close()

    def query(self, name, timeout=0.05):
        """(rcode, addresses), or (None, []) on timeout."""
        qid = random.getrandbits(16)
        self.sock.send(build_query(qid, name))
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None, []
            try:
                msg = self.sock.recv(4096)
            except (BlockingIOError, ConnectionRefusedError):
                continue
            try:
                rid, rcode, addrs = parse_reply(msg)
            except (struct.error, IndexError, ValueError):
                continue
            if rid == qid:
                return rcode, addrs


class StubUpstream:
    """The cell's only forwarder during the bench: answers A questions for
    names under DOMAIN with ADDRESS (ttl 3600), REFUSED for anything else,
    and counts the questions per name. Runs in a daemon thread; it lives in
    the bench's own network namespace, so nothing it is asked can leave."""

    def __init__(self, host, domain, address):
        self.domain = domain.rstrip(".").lower() + "."
        self.address = socket.inet_aton(address)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.asked = {}
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass

    def count(self, name):
        with self.lock:
            return self.asked.get(name.rstrip(".").lower() + ".", 0)

    def _serve(self):
        while not self.stopping:
            try:
                msg, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                reply = self._answer(msg)
            except (struct.error, IndexError, ValueError):
                continue
            try:
                self.sock.sendto(reply, peer)
            except OSError:
                pass

    def _answer(self, msg):
        qid, flags, qd, _, _, _ = struct.unpack_from("!HHHHHH", msg)
        if qd != 1:
            raise ValueError("one question only")
        end = skip_name(msg, 12)
        name = read_name(msg, 12).lower()
        qtype, qclass = struct.unpack_from("!HH", msg, end)
        question = msg[12:end + 4]
        with self.lock:
            self.asked[name] = self.asked.get(name, 0) + 1
        ours = name == self.domain or name.endswith("." + self.domain)
        rflags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080  # QR AA RD RA
        if not ours:
            return struct.pack("!HHHHHH", qid, rflags | RCODE_REFUSED, 1, 0, 0, 0) + question
        if qtype != TYPE_A or qclass != CLASS_IN:
            return struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + question
        answer = struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 3600, 4) + self.address
        return struct.pack("!HHHHHH", qid, rflags, 1, 1, 0, 0) + question + answer


def unbound_control(path, command, timeout=5.0):
    """One remote-control command over Unbound's unix control socket (no
    TLS, as control-use-cert: no allows): the protocol header, the
    command line, then Unbound's whole answer until it closes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(b"UBCT1 " + command.encode() + b"\n")
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks).decode(errors="replace")
    finally:
        s.close()


def wait_answer(resolver, name, want, timeout, interval=0.0005):
    """Polls NAME every INTERVAL until its A answer contains WANT (or, with
    want None, until it is NXDOMAIN). Returns the monotonic time it did, or
    None after timeout."""
    end = time.monotonic() + timeout
    while True:
        rcode, addrs = resolver.query(name, timeout=0.02)
        now = time.monotonic()
        if (want is None and rcode == RCODE_NXDOMAIN) or (want is not None and want in addrs):
            return now
        if now > end:
            return None
        time.sleep(interval)


if __name__ == "__main__":
    # A self-check of the encoder and parser against the stub, on loopback.
    stub = StubUpstream("127.0.0.1", "example.net", "198.51.100.7")
    stub.start()
    r = Resolver("127.0.0.1", stub.port)
    print(r.query("a.example.net"), r.query("other.invalid"), stub.count("a.example.net"))
    stub.stop()
