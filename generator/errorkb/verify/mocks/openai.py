"""Simulator of the OpenAI API at https://api.openai.com.

Endpoints: GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/responses,
POST /v1/embeddings. Auth is `Authorization: Bearer <key>` (or HTTP Basic with the key as password).

Formatting: error bodies are JSON indented by 4 spaces plus a trailing newline, with content type
`application/json; charset=utf-8`; successful results are indented by 2 spaces, no trailing newline,
content type `application/json`. Streams are SSE with compact JSON.

Order of checks on the inference endpoints: key missing -> key unknown -> body (JSON, model, required,
unrecognized and out-of-range parameters) -> quota -> rate limit -> model unknown -> overloaded ->
model of the wrong kind (an embedding model on chat: 404 "not a chat model"; a chat model on embeddings:
400) -> context length -> `max_tokens` sent to a reasoning model (o-series, gpt-5) -> a `temperature` other
than 1 sent to a reasoning model (400 unsupported_value).
Unknown paths get 404 "Invalid URL (POST /v1/...)", known paths with the wrong method 405 "Invalid
method for URL (...)", both before any key check.
The model list and model lookup check only the key. Rate-limit 429s carry retry-after and the six
x-ratelimit-* headers (successful inference answers carry the x-ratelimit-* headers too).
Canned errors (ERRORS, at the end): server and edge failures, the region block, tool-call ordering,
Structured Outputs schemas, organization verification, Responses-only models, inactive billing and
deactivated accounts, each with the public report its bytes come from.
"""

from __future__ import annotations

import base64
import re

from werkzeug.routing import Rule

from .common import (
    MOCK_EPOCH,
    Call,
    CannedError,
    ProviderMock,
    Reject,
    chat_completion,
    chat_completion_chunks,
    chat_context_message,
    context_window,
    count_tokens,
    embedding_context_message,
    embedding_dimensions,
    embedding_inputs,
    embedding_list,
    gather_text,
    json_compact,
    json_indented,
    openai_sse,
    positive_int,
    reply,
    reply_pieces,
    respond,
    sse,
    stable_chars,
    wants_usage,
)

KEY_URL = "https://platform.openai.com/account/api-keys"
MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
    "accessing the API from your browser and are prompted for a username and password. You can obtain an API "
    f"key from {KEY_URL}."
)
BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have "
    "trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"
)
QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more information on this "
    "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)
OVERLOADED = (
    "That model is currently overloaded with other requests. You can retry your request, or contact us through "
    "our help center at help.openai.com if the error persists. (Please include the request ID {request_id} in "
    "your message.)"
)
RATE_LIMITS_URL = "https://platform.openai.com/account/rate-limits"

# Rate-limit numbers: (limit, used, wait text, retry-after seconds) per kind, as in real messages.
TPM_LIMIT, TPM_USED, TPM_WAIT, TPM_RETRY = 30000, 29937, "644ms", 1
RPM_LIMIT, RPM_WAIT, RPM_RETRY = 3, "20s", 20

# Known models: (created, owned_by, snapshot the API answers with).
MODELS = {
    "gpt-4o": (1715367049, "system", "gpt-4o-2024-08-06"),
    "gpt-4o-mini": (1721172741, "system", "gpt-4o-mini-2024-07-18"),
    "gpt-4.1": (1744316542, "system", "gpt-4.1-2025-04-14"),
    "gpt-4.1-mini": (1744318173, "system", "gpt-4.1-mini-2025-04-14"),
    "o3-mini": (1737146383, "system", "o3-mini-2025-01-31"),
    "text-embedding-3-small": (1705948997, "system", "text-embedding-3-small"),
}
REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
EMBEDDING_MODEL = re.compile(r"^text-(embedding|similarity|search)")

CHAT_PARAMS = frozenset(
    "model messages audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens "
    "max_tokens metadata modalities n parallel_tool_calls prediction presence_penalty prompt_cache_key "
    "prompt_cache_retention reasoning_effort response_format safety_identifier seed service_tier stop store "
    "stream stream_options temperature tool_choice tools top_logprobs top_p user verbosity "
    "web_search_options".split()
)
RESPONSES_PARAMS = frozenset(
    "model input background conversation include instructions max_output_tokens max_tool_calls metadata "
    "parallel_tool_calls previous_response_id prompt prompt_cache_key prompt_cache_retention reasoning "
    "safety_identifier service_tier store stream stream_options temperature text tool_choice tools "
    "top_logprobs top_p truncation user".split()
)
EMBEDDING_PARAMS = frozenset("model input dimensions encoding_format user".split())


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def unsupported_temperature(value) -> str:
    """The message for a temperature other than 1 sent to a reasoning model; the value as it was sent."""
    return (
        f"Unsupported value: 'temperature' does not support {json_compact(value)} with this model. "
        "Only the default (1) value is supported."
    )


def mask_key(key: str) -> str:
    """The key as OpenAI echoes it: first 8 characters, '*' for each of the middle ones, last 4.
    Keys shorter than 12 characters are echoed whole (the formula has nothing to hide then)."""
    if len(key) < 12:
        return key
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def json_type(value) -> str:
    """How OpenAI names a JSON value's type in "Invalid type" messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def basic_password(call: Call) -> str | None:
    """The password of `Authorization: Basic`, which OpenAI accepts as the key."""
    scheme, _, encoded = call.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        _, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
    except ValueError:
        return None
    return password or None


class OpenAIMock(ProviderMock):
    name = "openai"
    hosts = ["api.openai.com"]
    default_models = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "text-embedding-3-small")

    def rules(self):
        return [
            Rule("/v1/models", methods=["GET"], endpoint="list_models"),
            Rule("/v1/models/<model_id>", methods=["GET"], endpoint="get_model"),
            Rule("/v1/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/v1/responses", methods=["POST"], endpoint="responses"),
            Rule("/v1/embeddings", methods=["POST"], endpoint="embeddings"),
        ]

    # -- responses -------------------------------------------------------------------------

    def headers(self, call: Call) -> dict:
        headers = {
            "x-request-id": "req_" + call.ids.hex("request-id", 32),
            "openai-version": "2020-10-01",
            "openai-processing-ms": str(call.ids.number("processing-ms", 20, 900)),
            "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
            "x-content-type-options": "nosniff",
            "server": "cloudflare",
            "cf-cache-status": "DYNAMIC",
            "cf-ray": call.ids.hex("cf-ray", 16) + "-SJC",
            "alt-svc": 'h3=":443"; ma=86400',
        }
        key = call.bearer() or basic_password(call)
        if key in call.state["keys"]:
            headers["openai-organization"] = "user-" + stable_chars(key, 24).lower()
        return headers

    def error(self, call, status, message, type_="invalid_request_error", param=None, code=None, headers=None):
        body = json_indented({"error": {"message": message, "type": type_, "param": param, "code": code}}, 4)
        all_headers = {**self.headers(call), **(headers or {})}
        return respond(body + "\n", status, "application/json; charset=utf-8", all_headers)

    def ok(self, call, payload, headers=None):
        all_headers = {**self.headers(call), **(headers or {})}
        return respond(json_indented(payload, 2), 200, "application/json", all_headers)

    def stream(self, call, body, headers=None):
        all_headers = {**self.headers(call), **(headers or {})}
        return respond(body, 200, "text/event-stream; charset=utf-8", all_headers)

    def not_found(self, call):
        return self.error(call, 404, f"Invalid URL ({call.method} {call.path})")

    def method_not_allowed(self, call):
        return self.error(call, 405, f"Invalid method for URL ({call.method} {call.path})")

    # -- checks ----------------------------------------------------------------------------

    def authenticate(self, call: Call) -> str:
        key = call.bearer() or basic_password(call)
        if key is None:
            raise Reject(self.error(call, 401, MISSING_KEY))
        if key not in call.state["keys"]:
            message = f"Incorrect API key provided: {mask_key(key)}. You can find your API key at {KEY_URL}."
            raise Reject(self.error(call, 401, message, code="invalid_api_key"))
        return key

    def body(self, call: Call, allowed: frozenset, responses_api: bool = False) -> tuple[dict, str]:
        """The JSON body and its model, after the checks of shape that come before any usage check."""
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            raise Reject(self.error(call, 400, BAD_JSON))
        for name in body:
            if name not in allowed:
                if responses_api:
                    raise Reject(self.error(call, 400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter"))
                raise Reject(self.error(call, 400, f"Unrecognized request argument supplied: {name}"))
        model = body.get("model")
        if model is None or model == "":
            if responses_api:
                raise Reject(self.missing(call, "model"))
            raise Reject(self.error(call, 400, "you must provide a model parameter"))
        if not isinstance(model, str):
            raise Reject(self.invalid_type(call, "model", "a string", model))
        return body, model

    def missing(self, call, name):
        return self.error(call, 400, f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")

    def invalid_type(self, call, name, expected, value):
        message = f"Invalid type for '{name}': expected {expected}, but got {json_type(value)} instead."
        return self.error(call, 400, message, param=name, code="invalid_type")

    def admit(self, call: Call, key: str, model: str, requested_tokens: int) -> dict:
        """Quota, rate limit, model and overload checks; returns the rate-limit headers of a success."""
        state = call.state
        if state["quota"] == "exhausted":
            raise Reject(self.error(call, 429, QUOTA, "insufficient_quota", code="insufficient_quota"))
        if state["rate_limit"] != "ok":
            raise Reject(self.rate_limited(call, key, model, requested_tokens))
        if model not in state["models"]:
            message = f"The model `{model}` does not exist or you do not have access to it."
            raise Reject(self.error(call, 404, message, code="model_not_found"))
        if state["overloaded"]:
            request_id = call.ids.hex("request-id", 32)
            raise Reject(self.error(call, 503, OVERLOADED.format(request_id=request_id), "server_error"))
        return ratelimit_headers(requests=(10000, 9999, "6ms"), tokens=(30000000, 30000000 - requested_tokens, "0s"))

    def rate_limited(self, call: Call, key: str, model: str, requested: int):
        org = "org-" + stable_chars(key, 24)
        requested = max(requested, 1)
        if call.state["rate_limit"] == "requests":
            message = (
                f"Rate limit reached for {model} in organization {org} on requests per min (RPM): Limit {RPM_LIMIT}, "
                f"Used {RPM_LIMIT}, Requested 1. Please try again in {RPM_WAIT}. Visit {RATE_LIMITS_URL} to learn "
                "more. You can increase your rate limit by adding a payment method to your account at "
                "https://platform.openai.com/account/billing."
            )
            headers = ratelimit_headers(requests=(RPM_LIMIT, 0, RPM_WAIT), tokens=(TPM_LIMIT, TPM_LIMIT - requested, "0s"))
            headers["retry-after"] = str(RPM_RETRY)
            return self.error(call, 429, message, "requests", code="rate_limit_exceeded", headers=headers)
        if requested > TPM_LIMIT:
            message = (
                f"Request too large for {model} in organization {org} on tokens per min (TPM): Limit {TPM_LIMIT}, "
                f"Requested {requested}. The input or output tokens must be reduced in order to run successfully. "
                f"Visit {RATE_LIMITS_URL} to learn more."
            )
        else:
            message = (
                f"Rate limit reached for {model} in organization {org} on tokens per min (TPM): Limit {TPM_LIMIT}, "
                f"Used {TPM_USED}, Requested {requested}. Please try again in {TPM_WAIT}. Visit {RATE_LIMITS_URL} "
                "to learn more."
            )
        headers = ratelimit_headers(requests=(500, 499, "120ms"), tokens=(TPM_LIMIT, TPM_LIMIT - TPM_USED, TPM_WAIT))
        headers["retry-after"] = str(TPM_RETRY)
        return self.error(call, 429, message, "tokens", code="rate_limit_exceeded", headers=headers)

    # -- endpoints -------------------------------------------------------------------------

    def list_models(self, call):
        self.authenticate(call)
        return self.ok(call, {"object": "list", "data": [model_object(m) for m in call.state["models"]]})

    def get_model(self, call, model_id):
        self.authenticate(call)
        if model_id not in call.state["models"]:
            message = f"The model `{model_id}` does not exist or you do not have access to it."
            return self.error(call, 404, message, code="model_not_found")
        return self.ok(call, model_object(model_id))

    def chat_completions(self, call):
        key = self.authenticate(call)
        body, model = self.body(call, CHAT_PARAMS)
        messages = body.get("messages")
        if messages is None:
            raise Reject(self.missing(call, "messages"))
        if not isinstance(messages, list):
            raise Reject(self.invalid_type(call, "messages", "an array", messages))
        if not messages:
            message = "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."
            raise Reject(self.error(call, 400, message, param="messages", code="empty_array"))
        prompt_tokens = count_tokens(gather_text(messages))
        max_out = positive_int(body.get("max_completion_tokens")) or positive_int(body.get("max_tokens"))
        requested = prompt_tokens + (max_out or 0)
        limit_headers = self.admit(call, key, model, requested)
        if EMBEDDING_MODEL.match(model):
            message = (
                "This is not a chat model and thus not supported in the v1/chat/completions endpoint. "
                "Did you mean to use v1/completions?"
            )
            return self.error(call, 404, message, param="model")
        window = context_window(call.state, model)
        if requested > window:
            message = chat_context_message(window, prompt_tokens, max_out)
            return self.error(call, 400, message, param="messages", code="context_length_exceeded")
        if "max_tokens" in body and REASONING_MODEL.match(model):
            message = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
            return self.error(call, 400, message, param="max_tokens", code="unsupported_parameter")
        temperature = body.get("temperature")
        if REASONING_MODEL.match(model) and is_number(temperature) and temperature != 1:
            # Reasoning models take only the default temperature: johny-b/llmcomp#69, cline/cline#341,
            # lintsinghua/DeepAudit#80 ("Unsupported value: 'temperature' does not support 0 with this model. ...").
            return self.error(call, 400, unsupported_temperature(temperature), param="temperature", code="unsupported_value")

        text, completion_tokens, truncated = reply(max_out)
        common = {
            "completion_id": "chatcmpl-" + call.ids.chars("chatcmpl", 29),
            "created": MOCK_EPOCH,
            "model": snapshot(model),
            "content": text,
            "finish_reason": "length" if truncated else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        top_extra = {"service_tier": "default", "system_fingerprint": fingerprint(model)}
        if body.get("stream") is True:
            chunks = chat_completion_chunks(**common, include_usage=wants_usage(body), top_extra=top_extra)
            return self.stream(call, openai_sse(chunks), limit_headers)
        payload = chat_completion(
            **common,
            message_extra={"refusal": None, "annotations": []},
            choice_extra={"logprobs": None},
            usage_extra={
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            top_extra=top_extra,
        )
        return self.ok(call, payload, limit_headers)

    def responses(self, call):
        key = self.authenticate(call)
        body, model = self.body(call, RESPONSES_PARAMS, responses_api=True)
        max_out = body.get("max_output_tokens")
        if max_out is not None:
            if not isinstance(max_out, int) or isinstance(max_out, bool):
                raise Reject(self.invalid_type(call, "max_output_tokens", "an integer", max_out))
            if max_out < 16:
                message = (
                    "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, "
                    f"but got {max_out} instead."
                )
                raise Reject(self.error(call, 400, message, param="max_output_tokens", code="integer_below_min_value"))
        prompt_tokens = count_tokens(gather_text(body.get("input")) + gather_text(body.get("instructions")))
        requested = prompt_tokens + (max_out or 0)
        limit_headers = self.admit(call, key, model, requested)
        if requested > context_window(call.state, model):
            message = "Your input exceeds the context window of this model. Please adjust your input and try again."
            return self.error(call, 400, message, param="input", code="context_length_exceeded")

        text, completion_tokens, truncated = reply(max_out)
        response = response_object(call, body, model, text, prompt_tokens, completion_tokens, truncated)
        if body.get("stream") is True:
            return self.stream(call, response_events(response), limit_headers)
        return self.ok(call, response, limit_headers)

    def embeddings(self, call):
        key = self.authenticate(call)
        body, model = self.body(call, EMBEDDING_PARAMS)
        if "input" not in body:
            raise Reject(self.missing(call, "input"))
        inputs = embedding_inputs(body["input"])
        if inputs is None:
            message = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
            raise Reject(self.error(call, 400, message))
        limit_headers = self.admit(call, key, model, sum(count_tokens(text) for text in inputs))
        if not EMBEDDING_MODEL.match(model):
            return self.error(call, 400, "You are not allowed to generate embeddings from this model")
        window = context_window(call.state, model)
        for text in inputs:
            tokens = count_tokens(text)
            if tokens > window:
                return self.error(call, 400, embedding_context_message(window, tokens))
        dimensions = embedding_dimensions(body.get("dimensions"))
        encoding = "base64" if body.get("encoding_format") == "base64" else "float"
        return self.ok(call, embedding_list(model, inputs, dimensions, encoding), limit_headers)


def ratelimit_headers(requests: tuple, tokens: tuple) -> dict:
    """The six x-ratelimit-* headers from (limit, remaining, reset) for requests and tokens."""
    headers = {}
    for kind, (limit, remaining, reset) in (("requests", requests), ("tokens", tokens)):
        headers[f"x-ratelimit-limit-{kind}"] = str(limit)
        headers[f"x-ratelimit-remaining-{kind}"] = str(max(remaining, 0))
        headers[f"x-ratelimit-reset-{kind}"] = reset
    return headers


def snapshot(model: str) -> str:
    return MODELS.get(model, (0, "", model))[2]


def fingerprint(model: str) -> str:
    return "fp_" + stable_chars(model, 10, "0123456789abcdef")


def model_object(model: str) -> dict:
    created, owned_by, _ = MODELS.get(model, (MOCK_EPOCH, "system", model))
    return {"id": model, "object": "model", "created": created, "owned_by": owned_by}


def response_object(call, body, model, text, prompt_tokens, completion_tokens, truncated) -> dict:
    """A Responses API object for a completed (or max_output_tokens-truncated) answer."""
    status = "incomplete" if truncated else "completed"
    return {
        "id": "resp_" + call.ids.hex("resp", 50),
        "object": "response",
        "created_at": MOCK_EPOCH,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if truncated else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": snapshot(model),
        "output": [
            {
                "id": "msg_" + call.ids.hex("msg", 50),
                "type": "message",
                "status": status,
                "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
                "role": "assistant",
            }
        ],
        "parallel_tool_calls": True,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "user": None,
        "metadata": {},
    }


def response_events(response: dict) -> str:
    """The SSE events of a streamed Responses API answer, ending with response.completed."""
    item = response["output"][0]
    text = item["content"][0]["text"]
    pending = {**response, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
    empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    events = [
        ("response.created", {"response": pending}),
        ("response.in_progress", {"response": pending}),
        ("response.output_item.added", {"output_index": 0, "item": {**item, "status": "in_progress", "content": []}}),
        ("response.content_part.added", {**where, "part": empty_part}),
    ]
    events += [("response.output_text.delta", {**where, "delta": piece, "logprobs": []}) for piece in reply_pieces(text)]
    events += [
        ("response.output_text.done", {**where, "text": text, "logprobs": []}),
        ("response.content_part.done", {**where, "part": item["content"][0]}),
        ("response.output_item.done", {"output_index": 0, "item": item}),
        ("response.completed" if response["status"] == "completed" else "response.incomplete", {"response": response}),
    ]
    return sse(
        [
            (name, json_compact({"type": name, "sequence_number": number, **data}))
            for number, (name, data) in enumerate(events)
        ]
    )


# ---------------------------------------------------------------------------------------------
# Canned errors (`mock: {error: <name>}`), byte for byte as public reports show them.
#
# Two body styles: the gateway that checks keys, billing and quota pretty-prints with 4 spaces and a final
# newline (billing_not_active answers with content-length 223, lifan0127/ai-research-assistant#174, which
# only that layout gives); errors raised while validating or running a request are pretty-printed with
# 2 spaces and no final newline (raw responseBody strings in Vercel AI SDK logs, kevinwatt/mysql-mcp#5;
# ai-genie/chatgpt-vscode#100). Cloudflare's own JSON is compact (cf_bad_gateway: content-length 84,
# stanfordnlp/dspy#203) and the region block is compact with `code` first (nalgeon/pokitoki#42).

JSON_HEADERS = (("Content-Type", "application/json"), ("x-request-id", "req_6f1c0b9e3d2a4c58a7e1f0d2b3c4a5e6"),
                ("openai-version", "2020-10-01"), ("server", "cloudflare"))
GATEWAY_HEADERS = (("Content-Type", "application/json; charset=utf-8"),
                   ("x-request-id", "req_0b7e4f2a9c1d4e6f8a3b5c7d9e1f2a3b"), ("server", "cloudflare"))
EDGE_HEADERS = (("Content-Type", "application/json"), ("server", "cloudflare"), ("cf-ray", "81f306648c6ab0ed-ATL"))
VERIFY_URL_TEXT = (
    "Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. "
    "If you just verified, it can take up to 15 minutes for access to propagate."
)


def body_2(error: dict) -> str:
    return json_indented({"error": error}, 2)


def body_4(error: dict) -> str:
    return json_indented({"error": error}, 4) + "\n"


def request_json(call: Call) -> dict:
    body, _ = call.json()
    return body if isinstance(body, dict) else {}


def tool_order_body(call: Call) -> str:
    """Orphan `tool` message (crewAIInc/crewAI#1620, miurla/morphic#136; OpenAI still spells "preceeding");
    `param` points at the first tool message not preceded by an assistant message with tool_calls."""
    index = 1
    messages = request_json(call).get("messages")
    if isinstance(messages, list):
        open_calls = False
        for number, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if role == "tool" and not open_calls:
                index = number
                break
            open_calls = role == "tool" or (role == "assistant" and bool(message.get("tool_calls")))
    return body_2({
        "message": "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        "type": "invalid_request_error",
        "param": f"messages.[{index}].role",
        "code": None,
    })


def tool_reply_missing_body(call: Call) -> str:
    """An assistant tool_calls message without a tool reply per id (RamiAwar/dataline#172, BerriAI/litellm#10083);
    `param` is the message after the assistant message, the ids are those left unanswered."""
    messages = request_json(call).get("messages")
    index, missing = 1, []
    if isinstance(messages, list):
        for number, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") != "assistant" or not message.get("tool_calls"):
                continue
            ids = [c.get("id") for c in message["tool_calls"] if isinstance(c, dict) and c.get("id")]
            answered = set()
            for later in messages[number + 1:]:
                if not isinstance(later, dict) or later.get("role") != "tool":
                    break
                answered.add(later.get("tool_call_id"))
            left = [i for i in ids if i not in answered]
            if left:
                index, missing = number + 1, left
                break
    message = (
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
        f"The following tool_call_ids did not have response messages: {', '.join(missing or ['call_x'])}"
    )
    return body_2({"message": message, "type": "invalid_request_error", "param": f"messages.[{index}].role", "code": None})


def schema_problem(schema, path: tuple) -> str | None:
    """The first Structured Outputs rule a strict schema breaks, in OpenAI's words, depth first."""
    if not isinstance(schema, dict):
        return None
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return f"In context={path!r}, 'additionalProperties' is required to be supplied and to be false."
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        for name in properties:
            if name not in required:
                return (f"In context={path!r}, 'required' is required to be supplied and to be an array including "
                        f"every key in properties. Missing '{name}'.")
        for name, sub in properties.items():
            found = schema_problem(sub, path + ("properties", name))
            if found:
                return found
    if isinstance(schema.get("items"), dict):
        return schema_problem(schema["items"], path + ("items",))
    return None


def json_schema_body(call: Call) -> str:
    """A strict json_schema response format that breaks the Structured Outputs subset. Chat Completions:
    param response_format, code null (dottxt-ai/outlines#844); Responses: param text.format.schema, code
    invalid_json_schema (promptdriven/pdd#299, mavam/pi-web-providers#14)."""
    body = request_json(call)
    if call.path.endswith("/responses"):
        fmt = body.get("text", {}).get("format", {}) if isinstance(body.get("text"), dict) else {}
        param, code = "text.format.schema", "invalid_json_schema"
    else:
        fmt = body.get("response_format", {}).get("json_schema", {}) if isinstance(body.get("response_format"), dict) else {}
        param, code = "response_format", None
    fmt = fmt if isinstance(fmt, dict) else {}
    name = fmt.get("name") if isinstance(fmt.get("name"), str) else "response"
    problem = schema_problem(fmt.get("schema"), ()) or (
        "In context=(), 'additionalProperties' is required to be supplied and to be false.")
    message = f"Invalid schema for response_format '{name}': {problem}"
    return body_2({"message": message, "type": "invalid_request_error", "param": param, "code": code})


def model_from_request(call: Call, default: str) -> str:
    model = request_json(call).get("model")
    return model if isinstance(model, str) and model else default


ERRORS = {
    # 500 (ai-genie/chatgpt-vscode#100; the request id is the 2023-2024 32-hex form)
    "server_error": CannedError(500, body_2({
        "message": "The server had an error processing your request. Sorry about that! You can retry your request, "
                   "or contact us through our help center at help.openai.com if you keep seeing this error. (Please "
                   "include the request ID e5c949c8ec2c86be225544e5eefcbe4d in your email.)",
        "type": "server_error", "param": None, "code": None}), JSON_HEADERS),
    # Cloudflare in front of the API (stanfordnlp/dspy#203: 84 bytes; matrixgpt/matrix-chatgpt-bot#249;
    # ferrislucas/promptr#32) and its HTML page (n3d1117/chatgpt-telegram-bot#637)
    "bad_gateway": CannedError(502, json_compact(
        {"error": {"code": 502, "message": "Bad gateway.", "param": None, "type": "cf_bad_gateway"}}), EDGE_HEADERS),
    "edge_unavailable": CannedError(503, json_compact(
        {"error": {"code": 503, "message": "Service Unavailable.", "param": None, "type": "cf_service_unavailable"}}),
        EDGE_HEADERS),
    "gateway_timeout": CannedError(524, json_compact(
        {"error": {"code": 524, "message": "Gateway timeout.", "param": None, "type": "cf_gateway_timeout"}}),
        EDGE_HEADERS),
    "bad_gateway_html": CannedError(
        502,
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n"
        "<hr><center>cloudflare</center>\n</body>\n</html>\n",
        (("Content-Type", "text/html"), ("server", "cloudflare"), ("cf-ray", "81f306648c6ab0ed-ATL"))),
    # 403 from every endpoint when the caller's IP is in an unsupported location (nalgeon/pokitoki#42,
    # jlcodes99/cockpit-tools#611, continuedev/continue#11449)
    "unsupported_region": CannedError(403, json_compact(
        {"error": {"code": "unsupported_country_region_territory", "message": "Country, region, or territory not supported",
                   "param": None, "type": "request_forbidden"}}), JSON_HEADERS),
    # Tool-calling history (see the body functions)
    "tool_message_order": CannedError(400, tool_order_body, JSON_HEADERS),
    "tool_reply_missing": CannedError(400, tool_reply_missing_body, JSON_HEADERS),
    # Structured Outputs schema outside the supported subset
    "invalid_json_schema": CannedError(400, json_schema_body, JSON_HEADERS),
    # Organization verification: streaming (microsoft/vscode#261232, BeehiveInnovations/pal-mcp-server#134),
    # reasoning summaries (continuedev/continue#9948), image models (openai-php/client#565: 403, param and code null)
    "org_unverified_stream": CannedError(400, body_2({
        "message": "Your organization must be verified to stream this model. " + VERIFY_URL_TEXT,
        "type": "invalid_request_error", "param": "stream", "code": "unsupported_value"}), JSON_HEADERS),
    "org_unverified_summary": CannedError(400, body_2({
        "message": "Your organization must be verified to generate reasoning summaries. " + VERIFY_URL_TEXT,
        "type": "invalid_request_error", "param": "reasoning.summary", "code": "unsupported_value"}), JSON_HEADERS),
    "org_unverified_image": CannedError(403, lambda call: body_2({
        "message": f"Your organization must be verified to use the model `{model_from_request(call, 'gpt-image-1')}`. "
                   + VERIFY_URL_TEXT,
        "type": "invalid_request_error", "param": None, "code": None}), JSON_HEADERS),
    # A model served only by the Responses API, called on Chat Completions (alvinunreal/tmuxai#82: 404, param model)
    "responses_only_model": CannedError(404, body_2({
        "message": "This model is only supported in v1/responses and not in v1/chat/completions.",
        "type": "invalid_request_error", "param": "model", "code": None}), JSON_HEADERS),
    # Billing and account state, answered by the key-checking gateway (4 spaces, final newline).
    # billing_not_active: 429, 223 bytes (lifan0127/ai-research-assistant#174; RamiAwar/dataline#175).
    "billing_not_active": CannedError(429, body_4({
        "message": "Your account is not active, please check your billing details on our website.",
        "type": "billing_not_active", "param": None, "code": "billing_not_active"}), GATEWAY_HEADERS),
    # account_deactivated: 401, the 2023-2025 wording (nat/openplayground#143, ChatGPTNextWeb/NextChat#4175);
    # the layout is assumed to be the gateway's like every other 401.
    "account_deactivated": CannedError(401, body_4({
        "message": "The OpenAI account associated with this API key has been deactivated. If you are the developer "
                   "for this OpenAI app, please check your email for more information. If you are seeing this error "
                   "while using another app or site, please reach out to them for more help.",
        "type": "invalid_request_error", "param": None, "code": "account_deactivated"}), GATEWAY_HEADERS),
}

OpenAIMock.errors = ERRORS
