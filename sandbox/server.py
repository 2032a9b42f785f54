"""One real HTTP server on loopback that serves every emulated vendor API over one world.

Requests are routed by path to the vendor apps (HubSpot serves ``/crm/...``); each app is its own module under
:mod:`sandbox.vendors`. The server has a clock: a request sees the world as it stood at that instant, so
moving the clock forward (``set_clock``) makes deals close and lifecycle stages move, as incremental
extraction expects.

The standard library's ``ThreadingHTTPServer`` is enough here (no dependency, one thread per connection,
HTTP/1.1 keep-alive): the sandbox's cost is in building responses, not in the socket layer.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.faults import FaultPlan
from sandbox.offline import offline_environment, write_drops
from sandbox.timefmt import from_ms
from sandbox.vendors import VendorContext, build_apps
from sandbox.web import Clock, Request, Response, VendorApp
from sandbox.web_visits import WebLog
from sandbox.world import World

log = logging.getLogger(__name__)


class SandboxServer:
    """The sandbox over ``world``, listening on ``host:port`` (port 0: any free port).

    Use as a context manager, or ``start()``/``stop()`` around a background thread, or ``serve_forever()``.
    ``options`` maps a vendor name (see :data:`sandbox.vendors.VENDORS`) to that vendor's options object.
    ``landing_dir``: also drop the offline CSV exports there (:mod:`sandbox.offline`), for every day ended by the
    clock, and include the ``offline_default`` connection; files are written on ``start`` and on ``set_clock``.
    """

    def __init__(
        self,
        world: World,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        now: datetime | None = None,
        options: Mapping[str, Any] | None = None,
        faults: FaultPlan | None = None,
        landing_dir: str | Path | None = None,
    ) -> None:
        self.world = world
        self.faults = faults or FaultPlan()
        self.clock = Clock(world.end_ms)
        if now is not None:
            self.clock.set(now)
        self.landing_dir = Path(landing_dir) if landing_dir is not None else None
        self.apps: dict[str, VendorApp] = build_apps(VendorContext(world, self.clock, WebLog(world)), options or {})
        self._httpd = _HttpServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    # -- where and when ------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def now(self) -> datetime:
        return from_ms(self.clock.now_ms)

    def set_clock(self, moment: datetime) -> None:
        """Serve the world as it stood at ``moment`` (naive means UTC) from the next request on."""
        self.clock.set(moment)
        self._drop_offline_files()

    def _drop_offline_files(self) -> None:
        if self.landing_dir is not None:
            write_drops(self.world, self.now, self.landing_dir)

    def set_faults(self, plan: FaultPlan | None) -> None:
        """Misbehave as ``plan`` says (with fresh counters) from the next request on; None: behave."""
        self.faults = plan or FaultPlan()

    def app(self, name: str) -> Any:
        """The emulated vendor API named ``name`` (``server.app("hubspot").options``...)."""
        return self.apps[name]

    def airflow_connections(self) -> dict[str, str]:
        """``AIRFLOW_CONN_<ID>`` environment variable → Airflow connection JSON, one per emulated source.

        The connection id is ``<vendor>_default``: the one each connector reads.
        """
        connections = {
            f"AIRFLOW_CONN_{name.upper()}_DEFAULT": json.dumps(app.airflow_connection(self.base_url))
            for name, app in self.apps.items()
        }
        if self.landing_dir is not None:
            connections.update(offline_environment(self.landing_dir))
        return connections

    def endpoints(self) -> list[str]:
        """The served endpoints, for people: method and path template."""
        return [endpoint for app in self.apps.values() for endpoint in app.endpoints()]

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        self._drop_offline_files()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"sandbox-{self.port}",
                daemon=True,
            )
            self._thread.start()
            log.info("sandbox serving %s", self.base_url)
        return self

    def serve_forever(self) -> None:
        self._drop_offline_files()
        log.info("sandbox serving %s", self.base_url)
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- requests -------------------------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        """The response to one request: the first vendor app that claims it answers."""
        try:
            for app in self.apps.values():
                response = app.handle(request)
                if response is not None:
                    return response
        except Exception:
            log.exception("sandbox failed on %s %s", request.method, request.path)
            return Response.json(
                500,
                {"status": "error", "message": "internal error in the sandbox", "category": "INTERNAL_ERROR"},
            )
        return Response.json(
            404,
            {
                "status": "error",
                "message": f"No sandbox API serves {request.method} {request.path}",
                "category": "OBJECT_NOT_FOUND",
            },
        )


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


def _handler_for(sandbox: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: connectors reuse their session
        server_version = "PurchasePathSandbox/0.1"
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK stall every
        # keep-alive request by ~40 ms.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=unquote(url.path),
                query=tuple(parse_qsl(url.query, keep_blank_values=True)),
                headers={key.lower(): value for key, value in self.headers.items()},
                body=body,
                # Links point back the way the client came in (localhost, 127.0.0.1, a forwarded port...).
                base_url=f"http://{self.headers['Host']}" if self.headers.get("Host") else sandbox.base_url,
            )
            delivery = sandbox.faults.deliver(request, sandbox.dispatch)
            response = delivery.response
            if delivery.delay:
                time.sleep(delivery.delay)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            if delivery.content_length:
                self.send_header("Content-Length", str(len(response.body)))
            else:
                self.send_header("Connection", "close")  # the body ends where the connection does
            self.close_connection = self.close_connection or delivery.closes
            for name, value in response.headers:
                self.send_header(name, value)
            try:
                self.end_headers()
                self.wfile.write(response.body[: delivery.send])
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. timed out on a slow answer)
                return
            log.debug(
                "%s %s -> %d (%d bytes, %.1f ms)",
                self.command,
                self.path,
                response.status,
                len(response.body),
                (time.perf_counter() - started) * 1000,
            )

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass  # one DEBUG line per request is logged in _serve; the default writes every request to stderr

    return Handler
