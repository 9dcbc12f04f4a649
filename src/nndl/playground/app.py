"""The playground's web application (Starlette): static page, JSON API, server-sent events.

Security of a server on the learner's machine, so that another web page open in the same
browser (or a DNS-rebinding page) can neither drive training nor read anything back:
- every request's ``Host`` must be one this server was started for (host:port);
- every state-changing request (POST) must carry an ``Origin`` of this server, and the event
  stream and exports reject any other ``Origin`` and cross-site ``Sec-Fetch-Site``;
- every ``/api`` request must carry the token made at launch (header ``X-Nndl-Token`` or
  query ``token``), which only the URL the server opens knows;
- static files come from a fixed list inside the package (no paths from the request);
- uploads are capped in bytes and rows and parsed as numbers; network size, points and
  steps per request are capped (``nndl.playground.data``); at most ``max_sessions`` sessions.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from . import data as D
from .digits import DigitNet
from .session import Session

STATIC = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
          "digits.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
MAX_JSON_BYTES = 64 * 1024
SNAPSHOT_INTERVAL = 0.1  # seconds between two snapshots on the event stream (at most)
IDLE_SECONDS = 30         # a session without an open stream for this long may be closed
STEP_BUDGET = 0.05        # seconds of training per play-loop iteration


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=HEADERS)


class Guard:
    """ASGI middleware: the Host, Origin and token rules above, before any route runs."""

    def __init__(self, app, token: str, hosts: set[str]):
        self.app, self.token, self.hosts = app, token, hosts
        self.origins = {f"http://{h}" for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        problem = self.check(request)
        if problem:
            return await _error(problem[0], problem[1])(scope, receive, send)
        await self.app(scope, receive, send)

    def check(self, request: Request) -> tuple[int, str] | None:
        host = request.headers.get("host", "")
        if host not in self.hosts:
            return 403, "unknown Host header: this server answers only to the address it printed"
        origin = request.headers.get("origin")
        if request.method not in ("GET", "HEAD"):
            if origin not in self.origins:
                return 403, "cross-origin request refused (Origin missing or not this server)"
        elif origin is not None and origin not in self.origins:
            return 403, "cross-origin request refused"
        if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            return 403, "cross-site request refused"
        if request.url.path.startswith("/api/"):
            given = request.headers.get("x-nndl-token") or request.query_params.get("token") or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return 403, "missing or wrong token: open the page with the address nndl playground printed"
        return None


class Playground:
    """Sessions (one per tab), their play loops and event streams, and the digit network."""

    def __init__(self, max_sessions: int = 4, digits: DigitNet | None = None):
        self.max_sessions = max_sessions
        self.sessions: dict[str, Session] = {}
        self.streams: dict[str, int] = {}
        self.last_seen: dict[str, float] = {}
        self.loops: dict[str, asyncio.Task] = {}
        self.digits = digits or DigitNet()
        self._counter = 0

    def new_id(self) -> str:
        import secrets
        self._counter += 1
        return f"{self._counter}-{secrets.token_hex(4)}"

    def make_room(self) -> bool:
        """Close sessions idle past IDLE_SECONDS; True when one more fits."""
        now = time.monotonic()
        for sid in list(self.sessions):
            if len(self.sessions) < self.max_sessions:
                break
            if not self.streams.get(sid) and now - self.last_seen.get(sid, 0) > IDLE_SECONDS:
                self.close(sid)
        return len(self.sessions) < self.max_sessions

    def close(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session is not None:
            session.playing = False
        self.streams.pop(sid, None)
        self.last_seen.pop(sid, None)
        task = self.loops.pop(sid, None)
        if task is not None:
            task.cancel()

    async def play(self, sid: str, session: Session) -> None:
        """Train while the session plays, in a worker thread, a few steps at a time."""
        steps = 1
        try:
            while session.playing and self.sessions.get(sid) is session:
                start = time.perf_counter()
                await run_in_threadpool(session.train, steps)
                took = max(time.perf_counter() - start, 1e-4)
                steps = max(1, min(50, int(steps * STEP_BUDGET / took) or 1))
                await asyncio.sleep(0.01)  # let snapshots and other requests through
        finally:
            self.loops.pop(sid, None)


async def _json(request: Request) -> dict:
    body = await _body(request, MAX_JSON_BYTES)
    try:
        value = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise D.ConfigError("the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise D.ConfigError("the request body must be a JSON object")
    return value


async def _body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes ``limit`` bytes (whatever Content-Length says)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request is larger than {limit // 1024} KiB")


def create_app(token: str, hosts: set[str] | list[str], max_sessions: int = 4,
               digits: DigitNet | None = None) -> Starlette:
    """The application for one launch: ``token`` is required on /api, ``hosts`` are the
    accepted Host headers ("127.0.0.1:8000", "localhost:8000")."""
    pg = Playground(max_sessions, digits)

    def session_of(request: Request) -> tuple[str, Session]:
        sid = request.path_params["sid"]
        session = pg.sessions.get(sid)
        if session is None:
            raise KeyError("this training session has ended (closed, or replaced by newer tabs); reload the page")
        pg.last_seen[sid] = time.monotonic()
        return sid, session

    def handled(fn):
        async def endpoint(request: Request):
            try:
                return await fn(request)
            except ValueError as e:  # ConfigError, and nndl's own checks of what it was given
                return _error(400, str(e))
            except _TooLarge as e:
                return _error(413, str(e))
            except KeyError as e:
                return _error(404, e.args[0])
        return endpoint

    async def index(request: Request):
        return _static("index.html")

    async def static(request: Request):
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404, headers=HEADERS)
        return _static(name)

    async def create(request: Request):
        body = await _json(request)
        if not pg.make_room():
            return _error(429, f"{pg.max_sessions} playground tabs are already training; close one and reload")
        session = await run_in_threadpool(Session, body.get("config", {}))
        sid = pg.new_id()
        pg.sessions[sid] = session
        pg.last_seen[sid] = time.monotonic()
        return _ok({"id": sid, "points": await run_in_threadpool(session.points)})

    async def configure(request: Request):
        sid, session = session_of(request)
        body = await _json(request)
        session.playing = False
        await run_in_threadpool(session.configure, body.get("config", {}))
        return _ok({"points": await run_in_threadpool(session.points)})

    async def upload(request: Request):
        sid, session = session_of(request)
        raw = await _body(request, D.MAX_UPLOAD_BYTES)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise D.ConfigError("the CSV must be UTF-8 text") from None
        parsed = await run_in_threadpool(D.parse_csv, text)
        session.playing = False
        config = {k: v for k, v in session.config.items() if k != "regression"}
        await run_in_threadpool(session.configure, {**config, "dataset": "upload"}, parsed)
        return _ok({"points": await run_in_threadpool(session.points)})

    async def action(request: Request):
        sid, session = session_of(request)
        body = await _json(request)
        what = body.get("action")
        if what == "play":
            if not session.playing and not session.error:
                session.playing = True
                pg.loops[sid] = asyncio.create_task(pg.play(sid, session))
        elif what == "pause":
            session.playing = False
        elif what == "step":
            steps = body.get("steps", 1)
            if isinstance(steps, bool) or not isinstance(steps, int):
                raise D.ConfigError(f"steps must be a whole number, got {steps!r}")
            session.playing = False
            await run_in_threadpool(session.train, steps)
        elif what == "reset":
            await run_in_threadpool(session.reset)
        else:
            raise D.ConfigError("action must be play, pause, step or reset")
        return _ok({"playing": session.playing, "step": session.step_count, "error": session.error})

    async def snapshot(request: Request):
        sid, session = session_of(request)
        return _ok(await run_in_threadpool(session.snapshot))

    async def events(request: Request):
        sid, session = session_of(request)
        limit = request.query_params.get("limit", "")
        limit = int(limit) if limit.isdigit() else None

        async def stream():
            pg.streams[sid] = pg.streams.get(sid, 0) + 1
            sent, sent_data, last_beat, count = -1, -1, time.monotonic(), 0
            try:
                while pg.sessions.get(sid) is session:
                    if session.data_version != sent_data:
                        sent_data = session.data_version
                        yield _event("points", await run_in_threadpool(session.points))
                    if session.version != sent:
                        snap = await run_in_threadpool(session.snapshot)
                        sent = snap["version"]
                        yield _event("snapshot", snap)
                        count += 1
                        last_beat = time.monotonic()
                        if limit is not None and count >= limit:
                            return
                    elif time.monotonic() - last_beat > 10:
                        last_beat = time.monotonic()
                        yield ": keep-alive\n\n"
                    if await request.is_disconnected():
                        return
                    await asyncio.sleep(SNAPSHOT_INTERVAL)
            finally:
                pg.streams[sid] = pg.streams.get(sid, 1) - 1
                pg.last_seen[sid] = time.monotonic()

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={**HEADERS, "X-Accel-Buffering": "no"})

    async def export_model(request: Request):
        sid, session = session_of(request)
        blob = await run_in_threadpool(session.model_file)
        return Response(blob, media_type="application/octet-stream",
                        headers={**HEADERS, "Content-Disposition": 'attachment; filename="playground.nndl"'})

    async def export_code(request: Request):
        sid, session = session_of(request)
        code = await run_in_threadpool(session.python_code)
        return Response(code, media_type="text/x-python; charset=utf-8",
                        headers={**HEADERS, "Content-Disposition": 'attachment; filename="playground_train.py"'})

    async def close(request: Request):
        pg.close(request.path_params["sid"])
        return _ok({"closed": True})

    async def digits_state(request: Request):
        return _ok(await run_in_threadpool(pg.digits.state))

    async def digits_train(request: Request):
        body = await _json(request)
        epochs = body.get("epochs", 10)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 30:
            raise D.ConfigError(f"epochs must be a whole number from 1 to 30, got {epochs!r}")
        return _ok(await run_in_threadpool(pg.digits.train, epochs))

    async def digits_sample(request: Request):
        index = request.query_params.get("index", "0")
        if not index.isdigit() or len(index) > 9:
            raise D.ConfigError(f"index must be a whole number, got {index!r}")
        return _ok(await run_in_threadpool(pg.digits.sample, int(index)))

    async def digits_predict(request: Request):
        body = await _json(request)
        return _ok(await run_in_threadpool(pg.digits.explain, body.get("pixels"), body.get("label")))

    routes = [
        Route("/", index), Route("/static/{name}", static),
        Route("/api/session", handled(create), methods=["POST"]),
        Route("/api/session/{sid}/config", handled(configure), methods=["POST"]),
        Route("/api/session/{sid}/upload", handled(upload), methods=["POST"]),
        Route("/api/session/{sid}/action", handled(action), methods=["POST"]),
        Route("/api/session/{sid}/close", handled(close), methods=["POST"]),
        Route("/api/session/{sid}/snapshot", handled(snapshot)),
        Route("/api/session/{sid}/events", handled(events)),
        Route("/api/session/{sid}/model.nndl", handled(export_model)),
        Route("/api/session/{sid}/train.py", handled(export_code)),
        Route("/api/digits", handled(digits_state)),
        Route("/api/digits/train", handled(digits_train), methods=["POST"]),
        Route("/api/digits/sample", handled(digits_sample)),
        Route("/api/digits/predict", handled(digits_predict), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    guard = Guard(app, token, set(hosts))
    guard.playground = pg
    return guard


def _static(name: str) -> Response:
    body = resources.files("nndl.playground").joinpath("static", name).read_bytes()
    return Response(body, media_type=STATIC[name], headers=HEADERS)


def _ok(value: dict) -> JSONResponse:
    return JSONResponse(value, headers=HEADERS)


def _event(kind: str, value: dict) -> str:
    return f"event: {kind}\ndata: {json.dumps(value, separators=(',', ':'))}\n\n"
