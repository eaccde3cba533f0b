"""A TCP proxy in a thread, so a test can cut the app's database connections and restore them."""

import socket
import threading

ACCEPT_POLL_SECONDS = 0.1


class TcpProxy:
    """Forwards 127.0.0.1:<port> to an upstream address until cut() drops every connection.

    While cut, new connections are accepted and closed at once, as a database that went away
    would close them; restore() lets them through again.
    """

    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(ACCEPT_POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets = set()
        self._cut = False
        self._running = True
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def cut(self):
        """Drop every open connection and refuse new ones."""
        with self._lock:
            self._cut = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def restore(self):
        with self._lock:
            self._cut = False

    def close(self):
        self._running = False
        self.cut()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self):
        while self._running:
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                refused = self._cut
            if refused:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.difference_update((src, dst))
            _close(src)
            _close(dst)


def _close(sock):
    """Shut down first: that wakes a thread blocked in recv() on this socket."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
