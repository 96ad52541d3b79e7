"""ClickHouse's HTTP interface — the part clickhouse-connect uses — in front of chDB
(ClickHouse's own engine, in-process), so the server path of the ClickHouse engine
(several web workers and the job process on one ClickHouse) runs where no
clickhouse-server can be installed. For tests and benches, not for the product.

    python -m tests.chdb_http_front --path var/ch --port 8123

One process owns the chDB engine on ``--path``; each request gets a fresh handle on it
(its own ``USE`` and settings, as a stateless HTTP request has), and requests run one at
a time. What it answers, as ClickHouse's HTTP handler does:

- ``GET /ping`` → ``Ok.``; ``GET``/``POST /`` with the query in ``query=`` and/or the body
  (``query`` first, then a newline, then the body), or as the ``query`` and ``param_*``
  fields of a multipart form (the client's encoding of long bound values);
- ``database=``, ``default_format=`` (else TabSeparated; a ``FORMAT`` clause wins),
  ``param_<name>=`` for ``{name:Type}`` placeholders (chDB binds them itself); every
  other URL parameter is a setting, applied with ``SET`` (an unknown one is refused with
  ClickHouse's own error, as the server refuses it); transport parameters
  (``query_id``, ``session_id``, ``wait_end_of_query``, ``compress`` …) are taken and
  ignored;
- ``INSERT … FORMAT <fmt>`` followed by data (the body, after the query): the data goes
  to a temporary file read with ``FROM INFILE``; bodies compressed with
  ``Content-Encoding`` gzip / deflate / lz4 / zstd, and chunked bodies, are read;
- headers ``X-ClickHouse-Query-Id``, ``X-ClickHouse-Format`` (statements with a result),
  ``X-ClickHouse-Timezone``, ``X-ClickHouse-Summary``; errors as ``Code: N.
  DB::Exception: … (version …)`` with ``X-ClickHouse-Exception-Code`` and the status
  ClickHouse gives the common codes (400 syntax and type, 404 unknown names, else 500).

For a test of failures, ``POST /front/refuse`` with a regular expression as the body
makes every statement it matches fail (an empty body: none again).

Not implemented: sessions (``session_id`` is ignored: nothing persists between
requests), response compression (answers are identity-encoded, which a client asking
``Accept-Encoding`` accepts), ``decompress=1`` (ClickHouse's native compressed body),
external data (multipart tables), ``client_protocol_version`` (the probe falls back to
protocol 0), progress headers, streaming (an answer is sent whole), users and passwords
(any are accepted), ``SETTINGS`` inside an ``INSERT … FORMAT`` with data, HTTPS, other
handlers (every path but ``/ping`` is read as ``/``: no ``/play``, ``/replicas_status``
…), concurrency (one query at a time), and cancelling the query of a client that went
away. Output formats are chDB's own (the server's code): an empty result in ``Native``
is empty bytes, as chDB gives it.
"""

from __future__ import annotations

import argparse
import contextlib
import email.policy
import gzip
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import chdb

# URL parameters of the HTTP handler itself, not settings.
TRANSPORT_PARAMS = frozenset({
    "query", "database", "default_format", "query_id", "session_id", "session_timeout",
    "session_check", "compress", "decompress", "buffer_size", "wait_end_of_query",
    "client_protocol_version", "quota_key", "role", "user", "password", "stacktrace"})
# Statements that answer with a result set (``X-ClickHouse-Format``), even an empty one.
_RESULT_STATEMENT = re.compile(
    rb"^\s*(?:\(\s*)*(SELECT|WITH|SHOW|EXISTS|DESCRIBE|DESC|EXPLAIN|CHECK)\b", re.I)
_INSERT = re.compile(rb"^\s*INSERT\b", re.I)
_FORMAT = re.compile(rb"\bFORMAT\s+(\w+)", re.I)
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CODE = re.compile(r"Code: (\d+)\.")
# The HTTP status ClickHouse's handler gives these exception codes; any other is 500.
_STATUS_OF_CODE = {
    62: 400, 53: 400, 27: 400, 6: 400, 38: 400, 41: 400, 69: 400, 70: 400, 117: 400,
    46: 404, 47: 404, 60: 404, 81: 404, 115: 404, 50: 404, 73: 404,
    48: 501,
}
NOT_IMPLEMENTED = 48


class FrontError(Exception):
    """A refusal of the front itself, answered as ClickHouse answers an exception."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Code: {code}. DB::Exception: {message}")
        self.code = code


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _decoded(body: bytes, encoding: str | None) -> bytes:
    if not body or not encoding or encoding == "identity":
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "lz4":
        import lz4.frame

        return bytes(lz4.frame.decompress(body))
    if encoding == "zstd":
        from backports import zstd

        return bytes(zstd.decompress(body))
    raise FrontError(NOT_IMPLEMENTED, f"Content-Encoding {encoding} is not supported here")


def split_insert_data(text: bytes) -> tuple[bytes, str, bytes] | None:
    """``INSERT … FORMAT fmt`` and the data after it (the rest of the request, from
    the line after the format name), or None for any other statement."""
    if not _INSERT.match(text):
        return None
    found = _FORMAT.search(text)
    if found is None:
        return None  # VALUES or SELECT: the statement holds its data
    rest = text[found.end():]
    stripped = rest.lstrip(b" \t")
    if stripped.startswith(b"\r\n"):
        stripped = stripped[2:]
    elif stripped.startswith(b"\n"):
        stripped = stripped[1:]
    return text[:found.start()], found[1].decode(), stripped


def form_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The plain fields of a multipart form; a file field (external data) is refused."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        if part.get_filename() is not None:
            raise FrontError(NOT_IMPLEMENTED, "external data is not supported here")
        name = part.get_param("name", header="content-disposition")
        fields[str(name)] = bytes(part.get_payload(decode=True) or b"").decode()
    return fields


class Front:
    """The chDB engine on one directory, asked one request at a time."""

    def __init__(self, path: Path) -> None:
        self.path = str(path.resolve())
        self.lock = threading.Lock()
        self.owner = chdb.connect(self.path)  # keeps the engine open between requests
        version, zone = self.owner.query("SELECT version(), timezone()",
                                         "TabSeparated").bytes().decode().split()
        self.version, self.timezone = version, zone
        self.refused: re.Pattern[bytes] | None = None  # set by a test (``POST /front/refuse``)

    def close(self) -> None:
        self.owner.close()

    def answer(self, params: dict[str, str], body: bytes) -> Answer:
        query_id = params.get("query_id") or str(uuid.uuid4())
        headers = {"X-ClickHouse-Query-Id": query_id, "X-ClickHouse-Timezone": self.timezone,
                   "X-ClickHouse-Server-Display-Name": "chdb-http-front"}
        query = params.get("query", "").encode()
        text = query + b"\n" + body if query and body else (query or body)
        try:
            if not text.strip():
                raise FrontError(62, "Empty query. (SYNTAX_ERROR)")
            if self.refused is not None and self.refused.search(text):
                raise FrontError(1002, "refused by the test (a failing server)")
            with self.lock:
                result, fmt = self._run(text, params)
        except Exception as exc:
            message = str(exc)
            start = message.find("Code: ")
            message = message[start:].strip() if start >= 0 else f"Code: 1001. {message}"
            code = int(m[1]) if (m := _CODE.match(message)) else 1001
            headers["X-ClickHouse-Exception-Code"] = str(code)
            headers["Content-Type"] = "text/plain; charset=UTF-8"
            return Answer(_STATUS_OF_CODE.get(code, 500),
                          f"{message} (version {self.version})\n".encode(), headers)
        data = result.bytes() if result is not None else b""
        headers["X-ClickHouse-Summary"] = json.dumps(_summary(result, written=fmt is None))
        if fmt is not None:
            headers["X-ClickHouse-Format"] = fmt
            headers["Content-Type"] = _content_type(fmt)
        return Answer(200, data or b"", headers)

    def _run(self, text: bytes, params: dict[str, str]) -> tuple[Any, str | None]:
        """chDB's result and the output format (None: the statement has no result)."""
        conn = chdb.connect(self.path)
        try:
            database = params.get("database")
            if database:
                conn.query(f"USE `{database.replace('`', '``')}`", "TabSeparated")
            for name, value in params.items():
                if name in TRANSPORT_PARAMS or name.startswith("param_"):
                    continue
                if not _SETTING_NAME.match(name):
                    raise FrontError(115, f"Unknown setting '{name}'. (UNKNOWN_SETTING)")
                conn.query(f"SET {name} = {_quoted(value)}", "TabSeparated")
            bound = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
            insert = split_insert_data(text)
            if insert is not None:
                return self._insert(conn, insert, bound), None
            fmt = params.get("default_format") or "TabSeparated"
            if found := re.search(rb"\bFORMAT\s+(\w+)\s*;?\s*$", text, re.I):
                fmt = found[1].decode()
            result = conn.query(text.decode(), fmt, params=bound)
            return result, fmt if _RESULT_STATEMENT.match(text) else None
        finally:
            conn.close()

    def _insert(self, conn: Any, insert: tuple[bytes, str, bytes],
                bound: dict[str, str]) -> Any:
        head, fmt, data = insert
        handle, name = tempfile.mkstemp(prefix="insert-", suffix=f".{fmt.lower()}")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            sql = f"{head.decode()} FROM INFILE {_quoted(name)} FORMAT {fmt}"
            return conn.query(sql, "TabSeparated", params=bound)
        finally:
            os.unlink(name)


def _summary(result: Any, written: bool) -> dict[str, str]:
    if result is None:
        return {}
    rows, size = str(result.rows_read()), str(result.bytes_read())
    counts = {"written_rows": rows, "written_bytes": size} if written else {
        "read_rows": rows, "read_bytes": size}
    return {**counts, "elapsed_ns": str(int(result.elapsed() * 1e9))}


def _content_type(fmt: str) -> str:
    if fmt.startswith("JSON"):
        return "application/json; charset=UTF-8"
    if fmt.startswith(("TabSeparated", "TSV", "CSV")):
        return "text/tab-separated-values; charset=UTF-8"
    return "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client pools its connections
    # Headers and body go out in two writes: without this, delayed ACKs cost ~40 ms each.
    disable_nagle_algorithm = True
    front: Front

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: one line per query would drown a test's log

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        self._serve(self._body())

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self, body: bytes) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") == "/ping":
            self._send(Answer(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"}))
            return
        if url.path.rstrip("/") == "/front/refuse":
            # A test makes the statements matching the body's pattern fail (empty: none).
            self.front.refused = re.compile(body) if body else None
            self._send(Answer(200, b"Ok.\n"))
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            if params.get("decompress") in {"1", "true"}:
                raise FrontError(NOT_IMPLEMENTED, "decompress=1 is not supported here")
            body = _decoded(body, self.headers.get("Content-Encoding"))
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                # The client's form encoding (long bound values): query and param_* fields.
                params.update(form_fields(content_type, body))
                body = b""
        except Exception as exc:
            code = exc.code if isinstance(exc, FrontError) else 1001
            self._send(Answer(500, f"{exc}\n".encode(),
                              {"X-ClickHouse-Exception-Code": str(code)}))
            return
        self._send(self.front.answer(params, body))

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


def serve(path: Path, host: str, port: int) -> None:
    front = Front(path)
    handler = type("Handler", (_Handler,), {"front": front})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    print(f"chdb {front.version} at {front.path} on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        front.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ClickHouse HTTP interface over chDB")
    parser.add_argument("--path", type=Path, required=True, help="chDB data directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args(argv)
    args.path.mkdir(parents=True, exist_ok=True)
    serve(args.path, args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


@contextlib.contextmanager
def running_front(path: Path, seconds: float = 60) -> Iterator[str]:
    """The front on ``path`` in a process of its own (chDB opens a directory in one
    process only) on a spare port; yields its ``http://`` base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    path.mkdir(parents=True, exist_ok=True)
    log = (path.parent / f"{path.name}-front.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "tests.chdb_http_front", "--path",
                             str(path), "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[1], stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while not _pings(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(Path(log.name).read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _pings(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/ping", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def refuse(base: str, pattern: bytes = b"") -> None:
    """Make the front at ``base`` fail every statement ``pattern`` matches (b"": none)."""
    request = urllib.request.Request(f"{base}/front/refuse", data=pattern, method="POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
