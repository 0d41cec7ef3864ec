"""Machinery shared by the provider mocks.

- the mock state: defaults, validation, per-model context windows;
- `ProviderMock`, the base class of every provider (routing with Werkzeug), and `MockApp`, the WSGI app
  that runs one provider against one state and appends a redacted record of each request to the log;
- `Call`: one request as a handler sees it (parsed JSON body, state, deterministic ids);
- token counting (ceil(chars / 4)), the canned reply, deterministic embedding vectors;
- JSON renderings (compact, indented, Go-like) and response builders (JSON, SSE, NDJSON);
- helpers for the OpenAI wire format, which Azure, Mistral, OpenRouter and Ollama's /v1 reuse.

Everything that can be is deterministic: ids derive from a per-app request counter and timestamps from
MOCK_EPOCH. Only rate-limit reset times use the real clock, since clients compute waits from them.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import math
import re
import struct
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote_plus

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, RequestRedirect
from werkzeug.wrappers import Request, Response

from ...secrets import SECRET_HEADERS, SECRET_QUERY_PARAMETERS

# ---------------------------------------------------------------------------------------------
# State

STATE_KEYS = ("keys", "quota", "rate_limit", "models", "overloaded", "context_window", "running", "error",
              "error_times", "tls", "delay")
TLS_VALUES = ("ok", "untrusted")
MAX_DELAY = 8.0
DEFAULT_KEYS = ("errorkb-test-key",)
QUOTA_VALUES = ("ok", "exhausted")
RATE_LIMIT_VALUES = ("ok", "requests", "tokens")

# Default context window by model-name prefix (vendor prefixes like "openai/" and Ollama tags are ignored).
CONTEXT_WINDOWS = (
    ("gpt-4o", 128000),
    ("gpt-4.1", 1047576),
    ("o3-mini", 200000),
    ("text-embedding", 8191),
    ("claude", 200000),
    ("gemini", 1048576),
    ("llama3.2", 131072),
    ("mistral", 131072),
)
FALLBACK_CONTEXT_WINDOW = 128000


def normalize_state(state: dict | None, default_models: tuple[str, ...]) -> dict:
    """A validated deep copy of a scenario's `mock` mapping with every key present.
    Unknown keys or values of the wrong kind raise ValueError."""
    if state is None:
        state = {}
    if not isinstance(state, dict):
        raise ValueError(f"mock state must be a mapping, not {type(state).__name__}")
    unknown = sorted(set(state) - set(STATE_KEYS))
    if unknown:
        raise ValueError(f"unknown mock state key(s): {', '.join(map(str, unknown))}; known: {', '.join(STATE_KEYS)}")
    result = {
        "keys": list(DEFAULT_KEYS),
        "quota": "ok",
        "rate_limit": "ok",
        "models": list(default_models),
        "overloaded": False,
        "context_window": None,
        "running": True,
        "error": None,
        "error_times": None,
        "tls": "ok",
        "delay": 0,
    }
    result.update(copy.deepcopy(state))
    for name in ("keys", "models"):
        value = result[name]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"mock state {name!r} must be a list of strings, not {value!r}")
    if result["quota"] not in QUOTA_VALUES:
        raise ValueError(f"mock state 'quota' must be one of {QUOTA_VALUES}, not {result['quota']!r}")
    if result["rate_limit"] not in RATE_LIMIT_VALUES:
        raise ValueError(f"mock state 'rate_limit' must be one of {RATE_LIMIT_VALUES}, not {result['rate_limit']!r}")
    for name in ("overloaded", "running"):
        if not isinstance(result[name], bool):
            raise ValueError(f"mock state {name!r} must be true or false, not {result[name]!r}")
    window = result["context_window"]
    if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window <= 0):
        raise ValueError(f"mock state 'context_window' must be a positive integer, not {window!r}")
    if result["error"] is not None and not isinstance(result["error"], str):
        raise ValueError(f"mock state 'error' must be the name of a canned error, not {result['error']!r}")
    times = result["error_times"]
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times <= 0):
        raise ValueError(f"mock state 'error_times' must be a positive integer, not {times!r}")
    if result["tls"] not in TLS_VALUES:
        raise ValueError(f"mock state 'tls' must be one of {TLS_VALUES}, not {result['tls']!r}")
    delay = result["delay"]
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_DELAY:
        raise ValueError(f"mock state 'delay' must be a number of seconds from 0 to {MAX_DELAY}, not {delay!r}")
    return result


def context_window(state: dict, model: str) -> int:
    """The state's context_window, else the default for the model's family."""
    if state["context_window"] is not None:
        return state["context_window"]
    base = model.rsplit("/", 1)[-1].lower()
    for prefix, window in CONTEXT_WINDOWS:
        if base.startswith(prefix):
            return window
    return FALLBACK_CONTEXT_WINDOW


# ---------------------------------------------------------------------------------------------
# Text, tokens, canned output

MOCK_EPOCH = 1767225600  # 2026-01-01T00:00:00Z: the fixed clock behind every "created" timestamp
REPLY_TEXT = "Hello! How can I help you today?"
EMBEDDING_DIMENSIONS = 8
MAX_EMBEDDING_DIMENSIONS = 3072


def count_tokens(text: str) -> int:
    """The mock's tokenizer: ceil(characters / 4)."""
    return math.ceil(len(text) / 4)


def gather_text(value) -> str:
    """All text in a message structure: strings, lists of them, and the "text", "content" and "parts"
    fields of objects (OpenAI, Anthropic, Gemini and Ollama messages all fit this)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(gather_text(item) for item in value)
    if isinstance(value, dict):
        return "".join(gather_text(value.get(key)) for key in ("text", "content", "parts"))
    return ""


def reply(max_tokens=None) -> tuple[str, int, bool]:
    """(text, completion tokens, truncated): the canned reply, cut to max_tokens when that is smaller."""
    full = count_tokens(REPLY_TEXT)
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and 0 < max_tokens < full:
        return REPLY_TEXT[: max_tokens * 4], max_tokens, True
    return REPLY_TEXT, full, False


def reply_pieces(text: str) -> list[str]:
    """The reply cut into word-sized pieces for streaming."""
    return re.findall(r"\S+\s*", text) or [text]


def embedding_vector(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A small deterministic unit vector derived from the text."""
    values = []
    counter = 0
    while len(values) < dimensions:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend((byte - 127.5) / 127.5 for byte in digest)
        counter += 1
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 7) for v in values]


def embedding_dimensions(requested) -> int:
    """The vector size for a request's dimensions field: the default when unset, capped at 3072."""
    return min(positive_int(requested) or EMBEDDING_DIMENSIONS, MAX_EMBEDDING_DIMENSIONS)


def floats_base64(values: list[float]) -> str:
    """Little-endian float32 bytes in base64, as OpenAI's encoding_format=base64."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def as_dict(value) -> dict:
    """value if it is a JSON object, else an empty one (request fields may have any type)."""
    return value if isinstance(value, dict) else {}


def pick(mapping: dict, *names: str):
    """The value of the first of `names` set in mapping (for camelCase / snake_case alternatives)."""
    for name in names:
        if mapping.get(name) is not None:
            return mapping[name]
    return None


def wants_usage(body: dict) -> bool:
    """Whether a streamed OpenAI-style request asks for a final usage chunk."""
    return as_dict(body.get("stream_options")).get("include_usage") is True


def positive_int(value) -> int | None:
    """value if it is a positive integer (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def iso_time(epoch: int) -> str:
    """UTC RFC 3339 time: 2026-01-01T00:00:00Z."""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def reset_time(seconds: float) -> str:
    """RFC 3339 time `seconds` from now (real clock): for rate-limit reset headers."""
    return iso_time(int(time.time() + seconds))


# ---------------------------------------------------------------------------------------------
# Deterministic ids

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class IdSource:
    """Ids derived from (provider, request number, label): random-looking, of the right shape,
    and the same on every run of the same scenario."""

    def __init__(self, seed: str):
        self.seed = seed
        self.request_number = 0

    def next_request(self) -> None:
        self.request_number += 1

    def _bytes(self, label: str, length: int) -> bytes:
        out = b""
        block = 0
        while len(out) < length:
            out += hashlib.sha256(f"{self.seed}:{self.request_number}:{label}:{block}".encode()).digest()
            block += 1
        return out[:length]

    def hex(self, label: str, length: int) -> str:
        return self._bytes(label, (length + 1) // 2).hex()[:length]

    def chars(self, label: str, length: int, alphabet: str = BASE62) -> str:
        return "".join(alphabet[byte % len(alphabet)] for byte in self._bytes(label, length))

    def digits(self, label: str, length: int) -> str:
        return self.chars(label, length, "0123456789")

    def uuid(self, label: str) -> str:
        h = self.hex(label, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"

    def number(self, label: str, low: int, high: int) -> int:
        return low + int.from_bytes(self._bytes(label, 4), "big") % (high - low + 1)


def stable_chars(text: str, length: int, alphabet: str = BASE62) -> str:
    """Characters derived from text alone (same text, same result): for ids tied to a key or a model."""
    digest = hashlib.sha256(text.encode()).digest() * (length // 32 + 1)
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])


# ---------------------------------------------------------------------------------------------
# JSON renderings and responses


def json_compact(payload) -> str:
    """No whitespace: Anthropic, Azure, Mistral, OpenRouter."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def json_indented(payload, indent: int) -> str:
    """Pretty-printed: OpenAI (2 for results, 4 for errors) and Google (2)."""
    return json.dumps(payload, ensure_ascii=False, indent=indent)


def json_go(payload) -> str:
    """Go's encoding/json: compact, with <, > and & escaped as \\u003c, \\u003e, \\u0026 (Ollama)."""
    text = json_compact(payload)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text


EXTRA_REASONS = {529: "Site Overloaded", 499: "Client Closed Request"}


def status_line(status: int) -> str:
    """The status with the reason phrase servers send ("402 Payment Required"; Werkzeug alone would write
    "402 PAYMENT REQUIRED")."""
    return f"{status} {HTTP_STATUS_CODES.get(status) or EXTRA_REASONS.get(status, 'Unknown')}"


def respond(body: str | bytes, status: int, content_type: str | None, headers: dict | None = None) -> Response:
    """A response with exactly this body, status and content type (None: no Content-Type), plus headers."""
    response = Response(body, status=status_line(status), headers=headers or {})
    if content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = content_type
    return response


def sse(events: list[tuple[str | None, str]], separator: str = "\n\n") -> str:
    """An SSE body from (event name or None, data text) pairs."""
    parts = []
    for name, data in events:
        prefix = f"event: {name}\n" if name else ""
        parts.append(f"{prefix}data: {data}{separator}")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Requests



def redacted(value: str) -> str:
    return f"<redacted len={len(value)}>"


def redacted_path(request: Request) -> str:
    """Path plus query string, with the values of secret query parameters redacted."""
    query = request.environ.get("QUERY_STRING", "")
    if not query:
        return request.path
    parts = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        if sep and unquote_plus(name).lower() in SECRET_QUERY_PARAMETERS:
            part = f"{name}={redacted(unquote_plus(value))}"
        parts.append(part)
    return f"{request.path}?{'&'.join(parts)}"


def redacted_headers(request: Request) -> dict:
    """Request headers by lower-case name, secret values redacted."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        name = name.lower()
        if name in SECRET_HEADERS:
            value = redacted(value)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    raw: bytes
    state: dict
    ids: IdSource

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def path(self) -> str:
        return self.request.path

    @property
    def headers(self):
        return self.request.headers

    @property
    def query(self):
        return self.request.args

    def json(self) -> tuple[object, str | None]:
        """(value, problem): problem is None, "empty" (no body) or "invalid" (not JSON)."""
        if not self.raw.strip():
            return None, "empty"
        try:
            return json.loads(self.raw), None
        except (ValueError, UnicodeDecodeError):
            return None, "invalid"

    def bearer(self) -> str | None:
        """The token of `Authorization: Bearer <token>`, or None when there is none."""
        scheme, _, token = self.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            return token
        return None


GO_JSON_CONTEXTS = {
    "Expecting value": "looking for beginning of value",
    "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
    "Expecting ':' delimiter": "after object key",
    "Expecting ',' delimiter": "after object key:value pair",
    "Extra data": "after top-level value",
}


def go_json_error(raw: bytes) -> str:
    """About what Go's encoding/json says of a body that is not JSON (Ollama returns that text)."""
    text = raw.decode("utf-8", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        rest = text[error.pos :]
        if not rest.strip():
            return "unexpected EOF"
        where = GO_JSON_CONTEXTS.get(error.msg, "looking for beginning of value")
        return f"invalid character {rest[0]!r} {where}"
    return "unexpected EOF"


# ---------------------------------------------------------------------------------------------
# Providers and the WSGI app


class Reject(Exception):
    """Raised by a check to answer the request with `response` at once."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


@dataclass(frozen=True)
class CannedError:
    """An error exactly as the real API sends it, for the `error` mock state: its status, headers and body
    (text, or a function of the request that makes it, for bodies that repeat what was asked)."""

    status: int
    body: object   # str | Callable[[Call], str]
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)

    def response(self, call: "Call") -> Response:
        body = self.body(call) if callable(self.body) else self.body
        return Response(body, status=status_line(self.status), headers=list(self.headers))


class ProviderMock:
    """Base class of a provider simulator. A subclass sets name, scheme, hosts and default_models,
    returns its Werkzeug rules from rules() (each endpoint names a method taking (call, **args)), and
    answers unknown paths and methods in the provider's own way. A handler may raise Reject(response)
    from any depth to answer early.  `errors` names the canned errors a scenario can ask for with
    `mock: {error: name}` (see CannedError)."""

    name: str = ""
    scheme: str = "https"
    hosts: list[str] = []
    default_models: tuple[str, ...] = ()
    errors: dict[str, CannedError] = {}

    def __init__(self):
        self.url_map = Map(self.rules(), strict_slashes=False, merge_slashes=False, redirect_defaults=False)

    def rules(self) -> list:
        raise NotImplementedError

    def not_found(self, call: Call) -> Response:
        raise NotImplementedError

    def method_not_allowed(self, call: Call) -> Response:
        return self.not_found(call)

    def handle(self, call: Call) -> Response:
        adapter = self.url_map.bind_to_environ(call.request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            return self.method_not_allowed(call)
        except (NotFound, RequestRedirect):
            return self.not_found(call)
        try:
            return getattr(self, endpoint)(call, **args)
        except Reject as reject:
            return reject.response


class MockApp:
    """The WSGI app of one provider over its own copy of the state; every request is logged."""

    def __init__(self, mock: ProviderMock, state: dict, log: list):
        if state["error"] is not None and state["error"] not in mock.errors:
            known = ", ".join(sorted(mock.errors)) or "none"
            raise ValueError(f"the {mock.name} mock has no canned error {state['error']!r}; it has: {known}")
        self.mock = mock
        self.state = state
        self.log = log
        self.ids = IdSource(mock.name)
        self.lock = threading.Lock()
        self.canned_served = 0

    def __call__(self, environ, start_response):
        request = Request(environ)
        raw = request.get_data(cache=True, parse_form_data=False)
        if self.state["delay"]:
            time.sleep(self.state["delay"])
        with self.lock:
            self.ids.next_request()
            call = Call(request, raw, self.state, self.ids)
            name, times = self.state["error"], self.state["error_times"]
            if name is not None and (times is None or self.canned_served < times):
                self.canned_served += 1
                response = self.mock.errors[name].response(call)
            else:
                response = self.mock.handle(call)
            self.log.append(
                {
                    "method": request.method,
                    "path": redacted_path(request),
                    "headers": redacted_headers(request),
                    "body": raw.decode("utf-8", "replace")[:2000],
                    "status": response.status_code,
                }
            )
        return response(environ, start_response)


# ---------------------------------------------------------------------------------------------
# The OpenAI wire format (OpenAI, Azure, Mistral, OpenRouter and Ollama's /v1 share it)


def chat_completion(
    *,
    completion_id: str,
    created: int,
    model: str,
    content: str,
    finish_reason: str,
    prompt_tokens: int,
    completion_tokens: int,
    message_extra: dict | None = None,
    choice_extra: dict | None = None,
    usage_extra: dict | None = None,
    top_extra: dict | None = None,
) -> dict:
    """A chat.completion object; the *_extra mappings add the provider's own fields."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **(message_extra or {})},
                **(choice_extra or {}),
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            **(usage_extra or {}),
        },
        **(top_extra or {}),
    }


def chat_completion_chunks(
    *,
    completion_id: str,
    created: int,
    model: str,
    content: str,
    finish_reason: str,
    prompt_tokens: int,
    completion_tokens: int,
    include_usage: bool,
    top_extra: dict | None = None,
) -> list[dict]:
    """The chat.completion.chunk objects of a streamed answer: role, content pieces, finish, usage."""

    def chunk(delta: dict, finish: str | None) -> dict:
        return {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            **(top_extra or {}),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    chunks = [chunk({"role": "assistant", "content": ""}, None)]
    chunks += [chunk({"content": piece}, None) for piece in reply_pieces(content)]
    chunks.append(chunk({}, finish_reason))
    if include_usage:
        usage = chunk({}, None)
        usage["choices"] = []
        usage["usage"] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        chunks.append(usage)
    return chunks


def openai_sse(chunks: list[dict]) -> str:
    """`data: {...}` lines ending with `data: [DONE]`."""
    return sse([(None, json_compact(chunk)) for chunk in chunks] + [(None, "[DONE]")])


def embedding_list(model: str, inputs: list[str], dimensions: int, encoding: str, extra: dict | None = None) -> dict:
    """An OpenAI-style embedding list for the inputs."""
    data = []
    for index, text in enumerate(inputs):
        vector = embedding_vector(text, dimensions)
        data.append(
            {
                "object": "embedding",
                "index": index,
                "embedding": floats_base64(vector) if encoding == "base64" else vector,
            }
        )
    tokens = sum(count_tokens(text) for text in inputs)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        **(extra or {}),
    }


def chat_context_message(window: int, prompt_tokens: int, completion_tokens: int | None) -> str:
    """OpenAI's context_length_exceeded message for chat completions (Azure passes it through)."""
    if completion_tokens:
        return (
            f"This model's maximum context length is {window} tokens. However, you requested "
            f"{prompt_tokens + completion_tokens} tokens ({prompt_tokens} in the messages, {completion_tokens} in the "
            "completion). Please reduce the length of the messages or completion."
        )
    return (
        f"This model's maximum context length is {window} tokens. However, your messages resulted in "
        f"{prompt_tokens} tokens. Please reduce the length of the messages."
    )


def embedding_context_message(window: int, tokens: int) -> str:
    """OpenAI's message for an embeddings input over the model's context length."""
    return (
        f"This model's maximum context length is {window} tokens, however you requested {tokens} tokens "
        f"({tokens} in your prompt; 0 for the completion). Please reduce your prompt; or completion length."
    )


def embedding_inputs(value) -> list[str] | None:
    """The `input` of an embeddings request as a list of strings (token arrays become placeholders),
    or None when it has the wrong type."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        if all(isinstance(item, str) for item in value):
            return list(value)
        if all(isinstance(item, int) for item in value):
            return ["x" * (4 * len(value))]
        if all(isinstance(item, list) for item in value):
            return ["x" * (4 * len(item)) for item in value]
    return None
