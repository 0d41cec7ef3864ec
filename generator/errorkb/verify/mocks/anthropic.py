"""Simulator of the Anthropic API at https://api.anthropic.com.

Endpoints: POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models, GET /v1/models/{id}.
Auth is the `x-api-key` header or `Authorization: Bearer <key>` (current SDKs send the key that way; a
wrong one gets "invalid x-api-key" either way, except OAuth tokens sk-ant-oat..., which get "Invalid
bearer token"). Every request needs `anthropic-version` (any YYYY-MM-DD value).

Formatting: compact JSON (no spaces, no trailing newline), content type `application/json`. Error bodies
use the 2024 form without a top-level "request_id" (the id is in the `request-id` header), so the 529
body is exactly the 75 bytes {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}.
Every response carries `request-id: req_011C...`, `server: cloudflare` and `cf-ray`.

Order of checks on /v1/messages: key missing -> key invalid -> anthropic-version -> body (JSON, required
fields) -> message content (an empty message that is not the final assistant turn, empty or whitespace-only
text blocks, a `tool_use` without its `tool_result` in the next message, a `tool_result` whose `tool_use` is
not in the previous message) -> model unknown (404 "model: <id>") -> quota (400 credit balance too low) ->
rate limit (429 with retry-after and anthropic-ratelimit-* headers) -> overloaded -> max_tokens above the
model's output limit -> context (prompt too long, or input plus max_tokens over the window).
Unknown paths get 404 not_found_error "Not Found".
Overloaded with "stream": true answers HTTP 200 with a single SSE `event: error` whose error object carries
"details": null, as the SDK saw it in the wild; without streaming it is HTTP 529 with x-should-retry: true.

Canned errors (`mock: {error: <name>}`, see ERRORS below) give the bodies this simulator does not produce by
itself: 500 api_error "Internal server error", the 500 api_error "Overloaded" with "request_id":null seen
during incidents, the spend-limit 400 and the generic 429 "Rate limited". They carry the 2025+ top-level
request_id, as the reports they come from do.
"""

from __future__ import annotations

import re

from werkzeug.routing import Rule

from .common import (
    BASE58,
    Call,
    CannedError,
    ProviderMock,
    Reject,
    context_window,
    count_tokens,
    gather_text,
    json_compact,
    reply,
    reply_pieces,
    reset_time,
    respond,
    sse,
    stable_chars,
)

VERSION_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # 2023-06-01; newer SDKs send later dates
CREDIT_TOO_LOW = (
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or "
    "purchase credits."
)
RATE_LIMIT = (
    "This request would exceed the rate limit for your organization ({org}) of {limit} per minute. For details, "
    "refer to: https://docs.anthropic.com/en/api/rate-limits. You can see the response headers for current usage. "
    "Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact "
    "sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
)
# Rate limits: requests per minute, input tokens per minute, output tokens per minute; retry-after seconds.
RPM, INPUT_TPM, OUTPUT_TPM = 50, 40000, 8000
RETRY_AFTER = {"requests": 15, "tokens": 5}

# Aliases the API resolves, and what it says about each dated model: (display name, created_at, max output).
ALIASES = {
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-opus-4-0": "claude-opus-4-20250514",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
}
MODELS = {
    # Current models without a dated snapshot id (Sonnet 4.6 and Opus 4.6, released February 2026).
    "claude-sonnet-4-6": ("Claude Sonnet 4.6", "2026-02-17T00:00:00Z", 64000),
    "claude-opus-4-6": ("Claude Opus 4.6", "2026-02-05T00:00:00Z", 128000),
    "claude-sonnet-4-5-20250929": ("Claude Sonnet 4.5", "2025-09-29T00:00:00Z", 64000),
    "claude-haiku-4-5-20251001": ("Claude Haiku 4.5", "2025-10-15T00:00:00Z", 64000),
    "claude-opus-4-1-20250805": ("Claude Opus 4.1", "2025-08-05T00:00:00Z", 32000),
    "claude-opus-4-20250514": ("Claude Opus 4", "2025-05-22T00:00:00Z", 32000),
    "claude-sonnet-4-20250514": ("Claude Sonnet 4", "2025-05-22T00:00:00Z", 64000),
    "claude-3-7-sonnet-20250219": ("Claude Sonnet 3.7", "2025-02-24T00:00:00Z", 64000),
    "claude-3-5-haiku-20241022": ("Claude Haiku 3.5", "2024-10-22T00:00:00Z", 8192),
    "claude-3-5-sonnet-20241022": ("Claude Sonnet 3.5 (New)", "2024-10-22T00:00:00Z", 8192),
    "claude-3-haiku-20240307": ("Claude Haiku 3", "2024-03-07T00:00:00Z", 4096),
}
DEFAULT_MAX_OUTPUT = 64000


# ---------------------------------------------------------------------------------------------
# Canned errors: bodies exactly as the API sends them (compact JSON, 2025+ top-level request_id), with the
# report each comes from. The request id is fixed; the same id is in the request-id header.

CANNED_REQUEST_ID = "req_011CXmPq7Tz3Lw9RkVbN2sJd"


def canned_headers(request_id: str | None = CANNED_REQUEST_ID) -> tuple[tuple[str, str], ...]:
    headers = [("Content-Type", "application/json"), ("server", "cloudflare"), ("x-robots-tag", "none")]
    if request_id:
        headers.append(("request-id", request_id))
    return tuple(headers)


def canned_body(type_: str, message: str, request_id: str | None = CANNED_REQUEST_ID) -> str:
    return json_compact({"type": "error", "error": {"type": type_, "message": message}, "request_id": request_id})


ERRORS = {
    # 500 api_error with the usual message, as the TypeScript SDK prints it in Claude Code error logs:
    # https://github.com/anthropics/claude-code/issues/22796 , https://github.com/anthropics/claude-code/issues/28639
    "server_error": CannedError(500, canned_body("api_error", "Internal server error"), canned_headers()),
    # 500 api_error "Overloaded" with "request_id":null (incident of 2025-09-24):
    # https://github.com/anthropics/claude-code/issues/8104 , https://github.com/anthropics/claude-code/issues/8116 ,
    # https://github.com/anthropics/claude-code/issues/8132
    "server_overloaded_500": CannedError(500, canned_body("api_error", "Overloaded", None), canned_headers(None)),
    # The spend limit set in the Console, a 400 like the credit-balance error:
    # https://github.com/anthropics/claude-code/issues/38035 , https://github.com/anthropics/claude-code/issues/2127
    "usage_limit": CannedError(
        400,
        canned_body("invalid_request_error",
                    "You have reached your specified API usage limits. You will regain access on 2026-04-01 at "
                    "00:00 UTC."),
        canned_headers(),
    ),
    # The generic 429 that Claude Code shows as "Server is temporarily limiting requests (not your usage limit)":
    # https://github.com/anthropics/claude-code/issues/70101 , https://github.com/anthropics/claude-code/issues/71634
    "rate_limited_generic": CannedError(429, canned_body("rate_limit_error", "Rate limited"), canned_headers()),
}


def canonical(model: str) -> str:
    return ALIASES.get(model, model)


def model_object(model: str) -> dict:
    dated = canonical(model)
    display, created, _ = MODELS.get(dated, (display_name(dated), "2025-01-01T00:00:00Z", DEFAULT_MAX_OUTPUT))
    return {"type": "model", "id": dated, "display_name": display, "created_at": created}


def display_name(model: str) -> str:
    """claude-foo-4-5 -> Claude Foo 4.5 (for models the table does not know)."""
    words, numbers = [], []
    for part in model.split("-"):
        (numbers if part.isdigit() and len(part) < 3 else words).append(part)
    return " ".join([w.capitalize() for w in words if not w.isdigit()] + ([".".join(numbers)] if numbers else []))


class AnthropicMock(ProviderMock):
    name = "anthropic"
    hosts = ["api.anthropic.com"]
    default_models = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1")
    errors = ERRORS

    def rules(self):
        return [
            Rule("/v1/messages", methods=["POST"], endpoint="messages"),
            Rule("/v1/messages/count_tokens", methods=["POST"], endpoint="count_tokens"),
            Rule("/v1/models", methods=["GET"], endpoint="list_models"),
            Rule("/v1/models/<model_id>", methods=["GET"], endpoint="get_model"),
        ]

    # -- responses -------------------------------------------------------------------------

    def headers(self, call: Call) -> dict:
        headers = {
            "request-id": "req_011C" + call.ids.chars("request-id", 20, BASE58),
            "server": "cloudflare",
            "cf-ray": call.ids.hex("cf-ray", 16) + "-SJC",
            "x-robots-tag": "none",
        }
        key = self.presented_key(call)
        if key in call.state["keys"]:
            headers["anthropic-organization-id"] = organization(key)
        return headers

    def error(self, call, status, type_, message, headers=None):
        body = json_compact({"type": "error", "error": {"type": type_, "message": message}})
        return respond(body, status, "application/json", {**self.headers(call), **(headers or {})})

    def ok(self, call, payload, headers=None):
        return respond(json_compact(payload), 200, "application/json", {**self.headers(call), **(headers or {})})

    def not_found(self, call):
        return self.error(call, 404, "not_found_error", "Not Found")

    # -- checks ----------------------------------------------------------------------------

    @staticmethod
    def presented_key(call: Call) -> str | None:
        return call.headers.get("x-api-key") or call.bearer()

    def authenticate(self, call: Call) -> str:
        """The key, after the key and anthropic-version checks."""
        if call.headers.get("x-api-key"):
            key = call.headers["x-api-key"]
            if key not in call.state["keys"]:
                raise Reject(self.error(call, 401, "authentication_error", "invalid x-api-key"))
        elif call.bearer():
            key = call.bearer()
            if key not in call.state["keys"]:
                # Current SDKs send API keys as a bearer token; OAuth tokens (sk-ant-oat...) get their own wording.
                message = "Invalid bearer token" if key.startswith("sk-ant-oat") else "invalid x-api-key"
                raise Reject(self.error(call, 401, "authentication_error", message))
        else:
            raise Reject(self.error(call, 401, "authentication_error", "x-api-key header is required"))
        version = call.headers.get("anthropic-version")
        if not version:
            raise Reject(self.error(call, 400, "invalid_request_error", "anthropic-version: header is required"))
        if not VERSION_FORMAT.match(version):
            message = f'anthropic-version: "{version}" is not a valid version'
            raise Reject(self.error(call, 400, "invalid_request_error", message))
        return key

    def invalid(self, call, message):
        return Reject(self.error(call, 400, "invalid_request_error", message))

    def body(self, call: Call, required: tuple[str, ...]) -> dict:
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            raise self.invalid(call, "There was an error parsing the body of your request: it is not a valid JSON object.")
        for field in required:
            if field not in body:
                raise self.invalid(call, f"{field}: Field required")
        if not isinstance(body["model"], str):
            raise self.invalid(call, "model: Input should be a valid string")
        messages = body["messages"]
        if not isinstance(messages, list):
            raise self.invalid(call, "messages: Input should be a valid list")
        if not messages:
            raise self.invalid(call, "messages: at least one message is required")
        self.check_content(call, messages)
        return body

    def check_content(self, call: Call, messages: list) -> None:
        """The content rules of the Messages API, with its wordings: claude-code issues 6774 (empty message),
        59812 (empty text block), 23440 (whitespace-only text block), 1237 and 5989 (tool_use without
        tool_result; several ids are joined with ", ") and the transcript quoted in errorkb's research notes
        (tool_result without its tool_use)."""
        last = len(messages) - 1
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            content = message.get("content")
            if content in ("", []) and not (index == last and message.get("role") == "assistant"):
                raise self.invalid(call, f"messages.{index}: all messages must have non-empty content except for "
                                         "the optional final assistant message")
            for block in blocks(message):
                if block.get("type") == "text" and isinstance(block.get("text"), str):
                    if block["text"] == "":
                        raise self.invalid(call, "messages: text content blocks must be non-empty")
                    if not block["text"].strip():
                        raise self.invalid(call, "messages: text content blocks must contain non-whitespace text")
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            if message.get("role") == "assistant" and index < last:
                answered = tool_ids(messages[index + 1], "tool_result", "tool_use_id")
                missing = [one for one in tool_ids(message, "tool_use", "id") if one not in answered]
                if missing:
                    raise self.invalid(call, f"messages.{index}: `tool_use` ids were found without `tool_result` "
                                             f"blocks immediately after: {', '.join(missing)}. Each `tool_use` block "
                                             "must have a corresponding `tool_result` block in the next message.")
            if message.get("role") == "user":
                asked = tool_ids(messages[index - 1], "tool_use", "id") if index > 0 else []
                for position, block in enumerate(blocks(message)):
                    if block.get("type") == "tool_result" and block.get("tool_use_id") not in asked:
                        raise self.invalid(call, f"messages.{index}.content.{position}: unexpected `tool_use_id` "
                                                 f"found in `tool_result` blocks: {block.get('tool_use_id')}. Each "
                                                 "`tool_result` block must have a corresponding `tool_use` block in "
                                                 "the previous message.")

    def known(self, call: Call, model: str) -> bool:
        return canonical(model) in {canonical(m) for m in call.state["models"]}

    def require_model(self, call: Call, model: str) -> None:
        if not self.known(call, model):
            raise Reject(self.error(call, 404, "not_found_error", f"model: {model}"))

    def ratelimit_headers(self, exhausted: str | None) -> dict:
        """anthropic-ratelimit-* headers; `exhausted` ("requests" or "tokens") shows that limit used up."""
        requests_left = 0 if exhausted == "requests" else RPM - 1
        input_left = 0 if exhausted == "tokens" else INPUT_TPM
        headers = {}
        for name, limit, remaining in (
            ("requests", RPM, requests_left),
            ("input-tokens", INPUT_TPM, input_left),
            ("output-tokens", OUTPUT_TPM, OUTPUT_TPM),
            ("tokens", INPUT_TPM + OUTPUT_TPM, input_left + OUTPUT_TPM),
        ):
            headers[f"anthropic-ratelimit-{name}-limit"] = str(limit)
            headers[f"anthropic-ratelimit-{name}-remaining"] = str(remaining)
            headers[f"anthropic-ratelimit-{name}-reset"] = reset_time(RETRY_AFTER.get(exhausted, 1) if remaining == 0 else 1)
        return headers

    # -- endpoints -------------------------------------------------------------------------

    def list_models(self, call):
        self.authenticate(call)
        data = [model_object(m) for m in call.state["models"]]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        return self.ok(call, {"data": data, "has_more": False, "first_id": first, "last_id": last})

    def get_model(self, call, model_id):
        self.authenticate(call)
        self.require_model(call, model_id)
        return self.ok(call, model_object(model_id))

    def count_tokens(self, call):
        self.authenticate(call)
        body = self.body(call, ("model", "messages"))
        self.require_model(call, body["model"])
        return self.ok(call, {"input_tokens": count_tokens(gather_text(body["messages"]) + gather_text(body.get("system")))})

    def messages(self, call):
        key = self.authenticate(call)
        body = self.body(call, ("model", "max_tokens", "messages"))
        model = body["model"]
        max_tokens = body["max_tokens"]
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
            raise self.invalid(call, "max_tokens: Input should be a valid integer")
        if max_tokens < 1:
            raise self.invalid(call, "max_tokens: Input should be greater than or equal to 1")
        state = call.state
        self.require_model(call, model)
        if state["quota"] == "exhausted":
            raise self.invalid(call, CREDIT_TOO_LOW)
        if state["rate_limit"] != "ok":
            kind = state["rate_limit"]
            limit = f"{RPM} requests" if kind == "requests" else f"{INPUT_TPM:,} input tokens"
            message = RATE_LIMIT.format(org=organization(key), limit=limit)
            headers = {"retry-after": str(RETRY_AFTER[kind]), **self.ratelimit_headers(kind)}
            raise Reject(self.error(call, 429, "rate_limit_error", message, headers))
        if state["overloaded"]:
            raise Reject(self.overloaded(call, stream=body.get("stream") is True))
        dated = canonical(model)
        max_output = MODELS.get(dated, ("", "", DEFAULT_MAX_OUTPUT))[2]
        if max_tokens > max_output:
            message = f"max_tokens: {max_tokens} > {max_output}, which is the maximum allowed number of output tokens for {dated}"
            raise self.invalid(call, message)
        input_tokens = count_tokens(gather_text(body["messages"]) + gather_text(body.get("system")))
        window = context_window(state, model)
        if input_tokens > window:
            raise self.invalid(call, f"prompt is too long: {input_tokens} tokens > {window} maximum")
        if input_tokens + max_tokens > window:
            message = (
                f"input length and `max_tokens` exceed context limit: {input_tokens} + {max_tokens} > {window}, "
                "decrease input length or `max_tokens` and try again"
            )
            raise self.invalid(call, message)

        text, output_tokens, truncated = reply(max_tokens)
        answer = {
            "id": "msg_01" + call.ids.chars("msg", 22, BASE58),
            "type": "message",
            "role": "assistant",
            "model": dated,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "max_tokens" if truncated else "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                "output_tokens": output_tokens,
                "service_tier": "standard",
            },
        }
        headers = self.ratelimit_headers(None)
        if body.get("stream") is True:
            headers.update(self.headers(call))
            return respond(message_events(answer), 200, "text/event-stream; charset=utf-8", headers)
        return self.ok(call, answer, headers)

    def overloaded(self, call, stream: bool):
        if stream:
            error = {"type": "error", "error": {"details": None, "type": "overloaded_error", "message": "Overloaded"}}
            body = sse([("error", json_compact(error))])
            return respond(body, 200, "text/event-stream; charset=utf-8", self.headers(call))
        return self.error(call, 529, "overloaded_error", "Overloaded", {"x-should-retry": "true"})


def blocks(message) -> list[dict]:
    """The content blocks of a message (a string content has none)."""
    content = message.get("content") if isinstance(message, dict) else None
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


def tool_ids(message, kind: str, field: str) -> list[str]:
    """The ids of the `kind` blocks (tool_use or tool_result) of an assistant or user message."""
    role = "assistant" if kind == "tool_use" else "user"
    if not isinstance(message, dict) or message.get("role") != role:
        return []
    return [str(block.get(field)) for block in blocks(message) if block.get("type") == kind]


def organization(key: str) -> str:
    """A stable organization uuid for a key."""
    h = stable_chars(key, 32, "0123456789abcdef")
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def message_events(message: dict) -> str:
    """The SSE events of a streamed message."""
    start = {**message, "content": [], "stop_reason": None, "usage": {**message["usage"], "output_tokens": 1}}
    text = message["content"][0]["text"]
    events = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
    ]
    events += [
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})
        for piece in reply_pieces(text)
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": message["usage"]["output_tokens"]},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return sse([(name, json_compact(data)) for name, data in events])
