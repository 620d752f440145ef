"""A small OpenAI-compatible chat server on 127.0.0.1 for the tests and the LLM benchmark.

It is a real HTTP server (the `openai` client talks to it over TCP) with a
scripted "model":
- by default it answers groundedly: the first sentence of the first snippet it
  was given, followed by that snippet's citation ([S1]);
- a translation request gets NO_ANSWER (refused by the check) unless a
  behaviour of kind "translation" is scripted;
- `script(...)` queues exact behaviours for the next requests of their kind: a reply text,
  a delay, an HTTP status, a raw (garbled) body, or an event-stream body;
- `delay` and `failure_rate` (with a seeded random generator) make every
  default reply slow or failing, for load benchmarks.
Every request body is recorded, so tests can check what left the process: `all_raw_requests` holds every one;
`requests`, `raw_requests` and `calls` the requests to compose a reply, `translation_requests` the FAQ translations.
"""

import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FIRST_SENTENCE = re.compile(r"^.*?(?:[。．！？!?](?=.)|\.(?=\s)|$)", re.DOTALL)


@dataclass
class Behaviour:
    """One scripted response. `text` is the reply's content (None: the grounded default reply)."""

    text: str | None = None
    delay: float = 0.0
    status: int = 200
    raw: bytes | None = None  # a body sent as is (e.g. garbled JSON)
    stream: bool = False  # answer with an event stream, whatever was asked
    content_type: str = "application/json"
    # Which requests it answers: "reply" (composing an answer) or "translation" (an FAQ translated into English).
    kind: str = "reply"


TRANSLATION_MARK = "You translate one FAQ"


def request_kind(body: dict[str, Any]) -> str:
    try:
        system = str(body["messages"][0]["content"])
    except (KeyError, IndexError, TypeError):
        return "reply"
    return "translation" if system.startswith(TRANSLATION_MARK) else "reply"


def grounded_reply(body: dict[str, Any]) -> str:
    """The default "model": the first sentence of the first snippet, cited."""
    try:
        data = json.loads(body["messages"][-1]["content"])
        snippet = data["snippets"][0]
    except (KeyError, IndexError, TypeError, ValueError):
        return "NO_ANSWER"
    sentence = _FIRST_SENTENCE.match(snippet["text"].strip())
    text = sentence.group(0).strip() if sentence else snippet["text"]
    return f"{text} [{snippet['id']}]"


def completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


class FakeLlm:
    def __init__(self, *, delay: float = 0.0, failure_rate: float = 0.0, seed: int = 1) -> None:
        self.delay = delay
        self.failure_rate = failure_rate
        self.requests: list[dict[str, Any]] = []
        self.raw_requests: list[bytes] = []
        self.translation_requests: list[dict[str, Any]] = []
        self.all_raw_requests: list[bytes] = []
        self._script: deque[Behaviour] = deque()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Scripting ------------------------------------------------------------

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def _next(self, body: dict[str, Any]) -> Behaviour:
        kind = request_kind(body)
        with self._lock:
            for behaviour in self._script:
                if behaviour.kind == kind:
                    self._script.remove(behaviour)
                    return behaviour
            if kind == "translation":
                return Behaviour(text="NO_ANSWER", kind=kind)
            failing = self._random.random() < self.failure_rate
        return Behaviour(delay=self.delay, status=500 if failing else 200)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.raw_requests)

    # Server ---------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> "FakeLlm":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to do

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(
                        200,
                        json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode(),
                        "application/json",
                    )
                else:
                    self._send(404, b'{"error": {"message": "not found"}}', "application/json")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                with fake._lock:
                    fake.all_raw_requests.append(raw)
                    if request_kind(body) == "translation":
                        fake.translation_requests.append(body)
                    else:
                        fake.raw_requests.append(raw)
                        fake.requests.append(body)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}', "application/json")
                    return
                behaviour = fake._next(body)
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                if behaviour.raw is not None:
                    self._send(behaviour.status, behaviour.raw, behaviour.content_type)
                    return
                if behaviour.status != 200:
                    error = {"error": {"message": f"scripted status {behaviour.status}", "type": "server_error"}}
                    self._send(behaviour.status, json.dumps(error).encode(), "application/json")
                    return
                text = behaviour.text if behaviour.text is not None else grounded_reply(body)
                model = str(body.get("model") or "fake")
                if behaviour.stream:
                    chunk = {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": model,
                        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
                    }
                    events = f"data: {json.dumps(chunk, ensure_ascii=False)}\n\ndata: [DONE]\n\n".encode()
                    self._send(200, events, "text/event-stream")
                    return
                self._send(200, json.dumps(completion(text, model), ensure_ascii=False).encode(), "application/json")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeLlm":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
