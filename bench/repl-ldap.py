#!/usr/bin/env python3
"""repl-ldap.py - timing helper for bench/repl-latency.sh.

Adds entries on one node and measures, for each, the time from the add
being acknowledged (the AddResponse read off the socket) to the entry
being visible on another node (a base search finds it) and, for
certificates, to its file being present in that node's export directory.

It speaks just enough LDAP (simple bind, add, base search) over plain
sockets so that no process start or library sits inside the measured
interval.  Input, one job per line on stdin, tab-separated:
    DN  ATTR=VALUE;ATTR=VALUE...  DERFILE-or-"-"  EXPORTFILE-or-"-"
Output, one line per job: "search_us file_us" ("-" when not measured).
"""
import os
import socket
import sys
import time


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def integer(n, tag=0x02):
    return tlv(tag, n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big"))


def octets(s, tag=0x04):
    return tlv(tag, s if isinstance(s, bytes) else s.encode())


def seq(*parts, tag=0x30):
    return tlv(tag, b"".join(parts))


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.msgid = 0

    def send(self, op):
        self.msgid += 1
        self.s.sendall(seq(integer(self.msgid), op))
        return self.msgid

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def read(self):
        """One LDAPMessage: (protocolOp tag, resultCode or None)."""
        self._need(2)
        n = self.buf[1]
        hdr = 2
        if n & 0x80:
            k = n & 0x7F
            self._need(2 + k)
            n = int.from_bytes(self.buf[2:2 + k], "big")
            hdr = 2 + k
        self._need(hdr + n)
        msg, self.buf = self.buf[hdr:hdr + n], self.buf[hdr + n:]
        # skip messageID
        i = 2 + msg[1]
        tag = msg[i]
        i += 1
        ln = msg[i]
        i += 1
        if ln & 0x80:
            i += ln & 0x7F
        code = None
        if tag in (0x61, 0x65, 0x69) and msg[i] == 0x0A:
            code = int.from_bytes(msg[i + 2:i + 2 + msg[i + 1]], "big")
        return tag, code

    def result(self):
        while True:
            tag, code = self.read()
            if code is not None:
                return code

    def bind(self, dn, pw):
        self.send(tlv(0x60, integer(3) + octets(dn) + octets(pw, 0x80)))
        code = self.result()
        if code != 0:
            sys.exit("repl-ldap: bind as %s failed (%d)" % (dn, code))

    def add(self, dn, attrs):
        al = b"".join(seq(octets(a), tlv(0x31, b"".join(octets(v) for v in vs)))
                      for a, vs in attrs)
        self.send(tlv(0x68, octets(dn) + seq(al)))
        return self.result()

    def exists(self, dn):
        self.send(tlv(0x63, octets(dn) + integer(0, 0x0A) + integer(0, 0x0A) +
                      integer(1) + integer(0) + tlv(0x01, b"\x00") +
                      octets("objectClass", 0x87) + seq(octets("1.1"))))
        found = False
        while True:
            tag, code = self.read()
            if tag == 0x64:
                found = True
            elif code is not None:
                return found


def hostport(uri):
    hp = uri.split("//", 1)[1].rstrip("/")
    h, p = hp.rsplit(":", 1)
    return h, int(p)


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: repl-ldap.py ADD-URI POLL-URI BINDDN PASSWORD TIMEOUT")
    add_uri, poll_uri, dn, pw, timeout = sys.argv[1:]
    timeout = float(timeout)
    w = Conn(*hostport(add_uri))
    w.bind(dn, pw)
    r = Conn(*hostport(poll_uri))
    r.bind(dn, pw)
    for line in sys.stdin:
        edn, spec, der, path = line.rstrip("\n").split("\t")
        attrs = []
        for kv in spec.split(";"):
            k, v = kv.split("=", 1)
            for a in attrs:
                if a[0] == k:
                    a[1].append(v)
                    break
            else:
                attrs.append((k, [v]))
        if der != "-":
            with open(der, "rb") as f:
                attrs.append(("userCertificate;binary", [f.read()]))
        code = w.add(edn, attrs)
        acked = time.perf_counter()
        if code != 0:
            sys.exit("repl-ldap: add %s failed (%d)" % (edn, code))
        t_search = t_file = None
        want_file = path != "-"
        while t_search is None or (want_file and t_file is None):
            now = time.perf_counter()
            if now - acked > timeout:
                sys.exit("repl-ldap: %s not replicated within %gs" % (edn, timeout))
            if want_file and t_file is None and os.path.exists(path):
                t_file = time.perf_counter()
            if t_search is None and r.exists(edn):
                t_search = time.perf_counter()
        us = lambda t: "-" if t is None else "%d" % ((t - acked) * 1e6)
        print(us(t_search), us(t_file), flush=True)


if __name__ == "__main__":
    main()
