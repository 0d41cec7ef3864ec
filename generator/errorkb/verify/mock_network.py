"""The mock network: how a command's requests reach the local mocks of the providers' APIs.

`MockNetwork(providers, provider, mock_state)` opens, on 127.0.0.1 in the network namespace of
the thread that calls `start()`, a TLS server, a plain-HTTP server and an HTTP proxy, and
writes the files clients need (`client_files`).  No real network is ever used; the sandbox
(errorkb.verify.sandbox) starts it inside the command's own network namespace, so these
listeners are all the command can reach.

- Per run, three listeners on ephemeral 127.0.0.1 ports: a TLS server, a plain-HTTP server and an
  HTTP proxy. Each request is routed by its Host (or its absolute URI, for the proxy) to the WSGI
  app `providers.make_app(name, state, log)` of the provider that serves that host. One app per
  provider per run, created on first use, so state changes persist within the run. The scenario's
  `mock_state` (deep-copied) goes to `provider`; every other provider gets `{}`.
- curl reads `$CURL_HOME/.curlrc`: `cacert` (the sandbox CA), `noproxy = *`, and `connect-to`
  rules sending port 443 to the TLS server and everything else to the HTTP server. curl 7.88 uses
  the first matching `connect-to` rule, so provider-specific rules (running: false) come first.
  curl keeps the original Host header and TLS server name, so the mock sees the real host.
- Other clients (Python urllib, requests, httpx) use HTTPS_PROXY/HTTP_PROXY: CONNECT to a mocked
  https host is answered with 200 and the tunnelled connection is served by the same TLS code;
  absolute-URI plain HTTP is served directly. CA variables (CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE,
  SSL_CERT_FILE) point at the sandbox CA.
- The TLS certificate comes from a throwaway `trustme` CA made once per process; one server
  certificate covers every https host pattern of every provider (wildcards too).

A host no mock serves: the TLS handshake is aborted (checked by SNI), plain HTTP gets 502, a
proxy CONNECT gets 502; the body is "errorkb sandbox: no mock serves host <host>", and the host
is listed in `MockNetwork.unmocked` ("host" or "host:port" for https, "http://host[:port]"
for plain HTTP).

`running: false` in `mock_state`: curl gets `connect-to` rules sending that provider's hosts to a
bound but not listening port (connection refused, curl exit 7). Wildcard hosts cannot be named
in a connect-to rule and are not covered. Through the proxy (Python clients) the request is
answered with 502 and a body saying the mock is not running; a proxy cannot make the client see
"connection refused".

Thread-safe: every run has its own listeners, apps and log; only the CA and certificate files
are shared (created once under a lock).
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import http.server
import io
import os
import shutil
import socket
import ssl
import tempfile
import threading
import traceback
import urllib.parse

CONNECTION_TIMEOUT = 30.0  # seconds a server-side socket may wait for its client

# ---------------------------------------------------------------------------------------------
# Certificate authority and server certificate (once per process)

_cert_lock = threading.Lock()
_cas: dict[str, object] = {}   # "trusted": the CA clients are given; "untrusted": one they have never seen
_cert_dir = None
_server_chain_files: dict[tuple[str, tuple[str, ...]], str] = {}


def _remove_cert_dir() -> None:
    if _cert_dir is not None:
        shutil.rmtree(_cert_dir, ignore_errors=True)


def _certificates(host_patterns: tuple[str, ...], authority: str = "trusted") -> tuple[bytes, str]:
    """Return (CA certificate PEM, path of the server key + chain PEM covering host_patterns), from the
    trusted CA or from an untrusted one (a TLS-intercepting proxy's, as clients see it)."""
    global _cert_dir
    with _cert_lock:
        if authority not in _cas:
            import trustme

            _cas[authority] = trustme.CA(organization_name=f"errorkb sandbox ({authority})")
        if _cert_dir is None:
            _cert_dir = tempfile.mkdtemp(prefix="errorkb-sandbox-certs-")
            atexit.register(_remove_cert_dir)
        ca = _cas[authority]
        path = _server_chain_files.get((authority, host_patterns))
        if path is None:
            cert = ca.issue_cert(*host_patterns)
            path = os.path.join(_cert_dir, f"server-{len(_server_chain_files)}.pem")
            cert.private_key_and_cert_chain_pem.write_to_path(path)
            _server_chain_files[(authority, host_patterns)] = path
        return ca.cert_pem.bytes(), path


def _split_host_port(hostport: str) -> tuple[str, int | None]:
    """'api.x.com:443' -> ('api.x.com', 443); '[::1]:80' -> ('[::1]', 80); 'h' -> ('h', None)."""
    host, sep, port = hostport.rpartition(":")
    if sep and port.isdigit() and (not host.startswith("[") or host.endswith("]")):
        return host, int(port)
    return hostport, None


def _https_host_patterns(providers) -> tuple[str, ...]:
    names = set()
    for mock in providers.PROVIDERS.values():
        if mock.scheme == "https":
            for host in mock.hosts:
                names.add(_split_host_port(host)[0])
    names.add("127.0.0.1")  # https to an IP literal (no SNI) reaches Host routing and is named there
    return tuple(sorted(names))


def _normalize_host(host: str, scheme: str) -> str:
    """Lower-case, no trailing dot, no default port: the form passed to provider_for_host."""
    host = host.strip().lower()
    name, port = _split_host_port(host)
    name = name.rstrip(".")
    default_port = 443 if scheme == "https" else 80
    if port is None or port == default_port:
        return name
    return f"{name}:{port}"


# ---------------------------------------------------------------------------------------------
# Per-run state: routing, apps, log


class _Run:
    def __init__(self, providers, provider: str, mock_state: dict, server_chain_file: str,
                 untrusted_chain_file: str | None = None):
        self.providers = providers
        self.provider = provider
        self.mock_state = copy.deepcopy(mock_state)
        self.log: list = []
        self.unmocked: set[str] = set()
        self.mock_errors: list[str] = []
        self._apps: dict[str, object] = {}
        self._lock = threading.Lock()
        self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ssl_context.load_cert_chain(server_chain_file)
        self.ssl_context.set_alpn_protocols(["http/1.1"])
        self.ssl_context.sni_callback = self._check_server_name
        self.untrusted_context = None
        if untrusted_chain_file is not None:   # mock state tls: untrusted
            self.untrusted_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.untrusted_context.load_cert_chain(untrusted_chain_file)
            self.untrusted_context.set_alpn_protocols(["http/1.1"])

    def provider_for(self, host: str, scheme: str) -> str | None:
        return self.providers.provider_for_host(host, scheme)

    def is_running(self, name: str) -> bool:
        return not (name == self.provider and self.mock_state.get("running") is False)

    def app_for(self, name: str):
        with self._lock:
            app = self._apps.get(name)
            if app is None:
                state = self.mock_state if name == self.provider else {}
                app = self.providers.make_app(name, state, self.log)
                self._apps[name] = app
            return app

    def _check_server_name(self, ssl_object, server_name, context):
        """SNI callback: abort the handshake for a host no https mock serves."""
        if server_name is None:  # client sent no SNI (IP address): the Host header decides
            return None
        host = _normalize_host(server_name, "https")
        name = self.provider_for(host, "https")
        if name is None:
            self.unmocked.add(host)
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        if name == self.provider and self.untrusted_context is not None:
            ssl_object.context = self.untrusted_context
        return None

    def serve_tls(self, sock: socket.socket, address) -> None:
        """TLS handshake on sock, then serve one HTTP request over it."""
        sock.settimeout(CONNECTION_TIMEOUT)
        try:
            tls_sock = self.ssl_context.wrap_socket(sock, server_side=True)
        except (ssl.SSLError, OSError):
            return  # unmocked host (SNI), or the client gave up
        try:
            _Handler(tls_sock, address, _Endpoint(self, "https", is_proxy=False))
        finally:
            tls_sock.close()


@dataclasses.dataclass
class _Endpoint:
    """What a connection handler needs: the run, the scheme it serves and whether it is the proxy.
    Passed to BaseHTTPRequestHandler as its `server`."""

    run: _Run
    scheme: str
    is_proxy: bool


def _no_mock_body(host: str) -> bytes:
    return f"errorkb sandbox: no mock serves host {host}\n".encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves one HTTP/1.1 request on a connection by calling a provider's WSGI app, then closes.
    As the proxy, also answers CONNECT and absolute-URI requests."""

    protocol_version = "HTTP/1.1"  # also makes http.server answer "Expect: 100-continue"
    server_version = "errorkb-sandbox"

    def log_message(self, format, *args):  # no access log on stderr
        pass

    def handle(self):
        self.close_connection = True
        self.handle_one_request()

    # -- proxy ---------------------------------------------------------------------------
    def do_CONNECT(self):
        endpoint: _Endpoint = self.server
        run = endpoint.run
        if not endpoint.is_proxy:
            self._send_text(405, "errorkb sandbox: CONNECT is only for the proxy\n")
            return
        host, port = _split_host_port(self.path)
        port = port or 443
        https_name = _normalize_host(f"{host}:{port}", "https")
        http_name = _normalize_host(f"{host}:{port}", "http")
        if run.provider_for(https_name, "https") is not None:
            self._start_tunnel()
            run.serve_tls(self.connection, self.client_address)
        elif (name := run.provider_for(http_name, "http")) is not None:
            if not run.is_running(name):
                self._send_text(502, _not_running_text(name))
                return
            self._start_tunnel()
            _Handler(self.connection, self.client_address, _Endpoint(run, "http", is_proxy=False))
        else:
            run.unmocked.add(https_name if port == 443 else http_name)
            self._send_text(502, _no_mock_body(https_name if port == 443 else http_name).decode())

    def _start_tunnel(self):
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()

    # -- requests --------------------------------------------------------------------------
    def _serve(self):
        endpoint: _Endpoint = self.server
        run = endpoint.run
        scheme = endpoint.scheme
        target = self.path
        if endpoint.is_proxy:
            parts = urllib.parse.urlsplit(self.path)
            if parts.scheme != "http" or not parts.netloc:
                self._send_text(400, "errorkb sandbox proxy: expected an absolute http:// URI\n")
                return
            raw_host = parts.netloc
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:
            raw_host = self.headers.get("Host", "")
        host = _normalize_host(raw_host, scheme)
        name = run.provider_for(host, scheme)
        if name is None:
            reported = host if scheme == "https" else f"http://{host}"
            run.unmocked.add(reported)
            self._read_body()
            self._send_text(502, _no_mock_body(reported).decode())
            return
        if not run.is_running(name):
            self._send_text(502, _not_running_text(name))
            return
        body = self._read_body()
        environ = self._environ(scheme, raw_host, target, body)
        self._call_app(run, name, environ)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                if not size_line:
                    break
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _environ(self, scheme: str, raw_host: str, target: str, body: bytes) -> dict:
        path, _, query = target.partition("?")
        server_name, server_port = _split_host_port(raw_host)
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "SERVER_NAME": server_name,
            "SERVER_PORT": str(server_port or (443 if scheme == "https" else 80)),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING"):
                continue
            environ[name] = f"{environ[name]},{value}" if name in environ else value
        environ.setdefault("HTTP_HOST", raw_host)
        return environ

    def _call_app(self, run: _Run, name: str, environ: dict) -> None:
        response = {"status": None, "headers": None, "sent": False}

        def send_headers():
            lines = [f"HTTP/1.1 {response['status']}\r\n"]
            for key, value in response["headers"]:
                if key.lower() not in ("connection", "transfer-encoding"):
                    lines.append(f"{key}: {value}\r\n")
            lines.append("Connection: close\r\n\r\n")
            self.wfile.write("".join(lines).encode("latin-1"))
            response["sent"] = True

        def write(data: bytes):
            if not response["sent"]:
                send_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)

        def start_response(status, headers, exc_info=None):
            if exc_info and response["sent"]:
                raise exc_info[1].with_traceback(exc_info[2])
            response["status"] = status
            response["headers"] = list(headers)
            return write

        try:
            app = run.app_for(name)
            result = app(environ, start_response)
            try:
                for chunk in result:
                    write(chunk)
                if not response["sent"]:
                    send_headers()
            finally:
                if hasattr(result, "close"):
                    result.close()
        except (BrokenPipeError, ConnectionError, TimeoutError, ssl.SSLError):
            return  # the client went away
        except Exception:
            run.mock_errors.append(f"mock {name} failed on {environ['REQUEST_METHOD']} "
                                   f"{environ['REQUEST_URI']}:\n{traceback.format_exc()}")
            if not response["sent"]:
                self._send_text(500, f"errorkb sandbox: the {name} mock raised an exception\n")
        errors = environ["wsgi.errors"].getvalue()
        if errors:
            run.mock_errors.append(f"mock {name} wrote to wsgi.errors:\n{errors}")

    def _send_text(self, code: int, text: str) -> None:
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _not_running_text(name: str) -> str:
    return (f"errorkb sandbox: the {name} mock is not running (mock state running: false); "
            "a direct connection would be refused\n")


# ---------------------------------------------------------------------------------------------
# Listeners


class _Listener:
    """A socket on 127.0.0.1:<ephemeral>, an accept thread, and one thread per connection."""

    def __init__(self, handle_connection):
        self._handle_connection = handle_connection
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while True:
            try:
                conn, address = self.sock.accept()
            except OSError:
                return  # closed by close()
            threading.Thread(target=self._serve, args=(conn, address), daemon=True).start()

    def _serve(self, conn: socket.socket, address):
        try:
            conn.settimeout(CONNECTION_TIMEOUT)
            self._handle_connection(conn, address)
        except Exception:
            pass  # a broken client connection must not disturb the run
        finally:
            conn.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=2)


def _serve_plain(run: _Run, conn: socket.socket, address) -> None:
    """Plain-HTTP listener. A TLS ClientHello (https to a port other than 443) is served as TLS."""
    first = conn.recv(1, socket.MSG_PEEK)
    if first == b"\x16":
        run.serve_tls(conn, address)
    elif first:
        _Handler(conn, address, _Endpoint(run, "http", is_proxy=False))


def _serve_proxy(run: _Run, conn: socket.socket, address) -> None:
    _Handler(conn, address, _Endpoint(run, "http", is_proxy=True))


def _curlrc(ca_file: str, tls_port: int, http_port: int, refused: list[str], closed_port: int) -> str:
    lines = [f'cacert = "{ca_file}"', 'noproxy = "*"']
    # curl 7.88 uses the first connect-to rule that matches: specific rules first.
    for hostport in refused:
        lines.append(f'connect-to = "{hostport}:127.0.0.1:{closed_port}"')
    lines.append(f'connect-to = ":443:127.0.0.1:{tls_port}"')
    lines.append(f'connect-to = "::127.0.0.1:{http_port}"')
    return "\n".join(lines) + "\n"


def _refused_hostports(providers, provider: str) -> list[str]:
    """'host:port' of every non-wildcard host of the provider (for connect-to)."""
    mock = providers.PROVIDERS.get(provider)
    if mock is None:
        return []
    default_port = 443 if mock.scheme == "https" else 80
    result = []
    for hostport in mock.hosts:
        host, port = _split_host_port(hostport)
        if "*" not in host:
            result.append(f"{host}:{port or default_port}")
    return result



class MockNetwork:
    """The listeners and state of one run.  Call `start` in the thread (network namespace) the command's
    sockets will live in, then `client_files`, and `close` at the end; `log`, `unmocked` and `mock_errors`
    are what the run showed."""

    def __init__(self, providers, provider: str, mock_state: dict):
        patterns = _https_host_patterns(providers)
        ca_pem, server_chain_file = _certificates(patterns)
        untrusted = _certificates(patterns, "untrusted")[1] if (mock_state or {}).get("tls") == "untrusted" else None
        self.ca_pem = ca_pem
        self.run = _Run(providers, provider, mock_state or {}, server_chain_file, untrusted)
        self.providers = providers
        self.provider = provider
        self.listeners: list[_Listener] = []
        self.closed_sock: socket.socket | None = None

    @property
    def log(self) -> list:
        return self.run.log

    @property
    def unmocked(self) -> list[str]:
        return sorted(self.run.unmocked)

    @property
    def mock_errors(self) -> list[str]:
        return self.run.mock_errors

    def start(self) -> None:
        run = self.run
        self.tls = _Listener(run.serve_tls)
        self.plain = _Listener(lambda conn, address: _serve_plain(run, conn, address))
        self.proxy = _Listener(lambda conn, address: _serve_proxy(run, conn, address))
        self.listeners = [self.tls, self.plain, self.proxy]
        if run.mock_state.get("running") is False:
            self.closed_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.closed_sock.bind(("127.0.0.1", 0))  # bound, never listening: connection refused

    def client_files(self, directory: str, seen_as: str) -> dict[str, str]:
        """Write the CA and curl's configuration into `directory`, which the command sees as `seen_as`; return
        the environment variables that point clients at the mocks."""
        ca_file = os.path.join(seen_as, "ca.pem")
        with open(os.path.join(directory, "ca.pem"), "wb") as f:
            f.write(self.ca_pem)
        refused, closed_port = [], 0
        if self.closed_sock is not None:
            refused = _refused_hostports(self.providers, self.provider)
            closed_port = self.closed_sock.getsockname()[1]
        with open(os.path.join(directory, ".curlrc"), "w") as f:
            f.write(_curlrc(ca_file, self.tls.port, self.plain.port, refused, closed_port))
        proxy_url = f"http://127.0.0.1:{self.proxy.port}"
        return {"CURL_HOME": seen_as, "HTTPS_PROXY": proxy_url, "HTTP_PROXY": proxy_url, "https_proxy": proxy_url,
                "http_proxy": proxy_url, "NO_PROXY": "", "no_proxy": "", "CURL_CA_BUNDLE": ca_file,
                "REQUESTS_CA_BUNDLE": ca_file, "SSL_CERT_FILE": ca_file}

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()
        if self.closed_sock is not None:
            self.closed_sock.close()
