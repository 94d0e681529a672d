"""A TCP relay on 127.0.0.1 between a browser and the server, for the field app's tests: the browser's only way in.
`down()` takes the signal away (open connections are reset, new ones refused) and `up()` brings it back;
`cut_next_answer()` lets the next POST /api/v1/inspections reach the server whole, passes on the head of the
server's answer (so the server has stored it) and then drops the connection before the body. Every request that went
through is recorded: method, path, and for submissions the UUID they carried."""
from __future__ import annotations

import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

_UUID = re.compile(rb'"id":\s*"([0-9a-f-]{36})"')


@dataclass
class Request:
    method: str
    path: str
    at: float
    uuid: str | None = None
    cut: bool = False


@dataclass(eq=False)
class _Link:
    client: socket.socket
    upstream: socket.socket
    buf: bytearray = field(default_factory=bytearray)
    cut: Request | None = None


def _reset(s: socket.socket) -> None:
    """Drop a connection now (a reset), also when another thread is blocked reading it: shut down, then close."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


class Relay:
    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[Request] = []
        self.cuts = 0
        self._down = False
        self._cut_next = False
        self._links: set = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    # --- what the tests do ---------------------------------------------------------------------------------------
    def down(self) -> None:
        with self._lock:
            self._down = True
            links, self._links = list(self._links), set()
        for link in links:
            _reset(link.client)
            _reset(link.upstream)

    def up(self) -> None:
        with self._lock:
            self._down = False

    def cut_next_answer(self) -> None:
        with self._lock:
            self._cut_next = True

    def submissions(self, since: float = 0.0) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/api/v1/inspections" and r.at >= since]

    def close(self) -> None:
        self.down()
        self.sock.close()

    # --- the relay -------------------------------------------------------------------------------------------------
    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                refused = self._down
            if refused:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                _reset(client)
                continue
            link = _Link(client, upstream)
            with self._lock:
                self._links.add(link)
            threading.Thread(target=self._to_server, args=(link,), daemon=True).start()
            threading.Thread(target=self._to_client, args=(link,), daemon=True).start()

    def _parse(self, link: _Link) -> None:
        """Record each whole request in the bytes seen so far (head, then Content-Length bytes of body)."""
        while True:
            end = link.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(link.buf[:end]).decode("latin-1")
            m = re.search(r"(?im)^content-length:\s*(\d+)", head)
            size = end + 4 + (int(m.group(1)) if m else 0)
            if len(link.buf) < size:
                return
            method, path = head.split(" ", 2)[:2]
            req = Request(method, path.split("?")[0], time.time())
            if method == "POST" and req.path == "/api/v1/inspections":
                found = _UUID.search(bytes(link.buf[end:size]))
                req.uuid = found.group(1).decode() if found else None
                with self._lock:
                    if self._cut_next:
                        self._cut_next, req.cut, link.cut = False, True, req
            self.requests.append(req)
            del link.buf[:size]

    def _to_server(self, link: _Link) -> None:
        try:
            while data := link.client.recv(65536):
                link.buf += data
                self._parse(link)  # before the server can see the end of a request it may answer
                link.upstream.sendall(data)
        except OSError:
            pass
        finally:
            _reset(link.upstream)

    def _to_client(self, link: _Link) -> None:
        head = bytearray()
        try:
            while data := link.upstream.recv(65536):
                if link.cut is not None:
                    head += data
                    end = head.find(b"\r\n\r\n")
                    if end >= 0:  # the server answered (it had stored the submission): pass the head only
                        link.client.sendall(bytes(head[:end + 4]))
                        self.cuts += 1
                        break
                    continue
                link.client.sendall(data)
        except OSError:
            pass
        finally:
            _reset(link.client)
            _reset(link.upstream)
            with self._lock:
                self._links.discard(link)
