"""Simulator of the Mistral API at https://api.mistral.ai.

Endpoints: GET /v1/models, POST /v1/chat/completions, POST /v1/embeddings. Auth is
`Authorization: Bearer <key>`.

Formatting: compact JSON, no trailing newline, content type `application/json`. The body shapes follow
what logs show for each error, which differ by layer: 401 is {"detail":"Unauthorized"} (the 2025-2026
form, for a missing and a wrong key alike); API errors are {"object":"error","message",...,"type","param",
"code"}; validation errors are 422 with a FastAPI-style detail list; unknown paths get the gateway's
(Kong) {"message":"no Route matched with those values"}. Headers: mistral-correlation-id,
x-kong-request-id, x-ratelimitbysize-* (on answers and 429s), server: cloudflare, cf-ray.

Order of checks: key -> body (JSON, required fields) -> model (400 "Invalid model: <id>") -> quota and
rate limit (both 429 `rate_limited`, the 2026 body) -> context length. The overloaded flag does not apply.

Canned errors (`mock: {error: <name>}`), each exactly as logs show the API sending it:
- unauthorized_2025: the gateway's 401 of early 2025, {"message":"Unauthorized","request_id":...} printed
  over four lines, `application/json; charset=utf-8` (cline/cline#1734, coolcline/CoolCline#36);
- requests_rate_limit_2025: the 2025 429 {"message":"Requests rate limit exceeded"} (dnakov/anon-kode#53,
  pydantic/pydantic-ai#1885);
- service_tier_capacity: 429 `service_tier_capacity_exceeded`, code "3505": Mistral has no capacity left for
  the model at the account's service tier (the body many clients test for; see BerriAI/litellm#25078);
- service_tier_capacity_2025: the same message with `invalid_request_error` and a null code, as mid-2025
  logs show it (continuedev/continue#6185).
"""

from __future__ import annotations

from werkzeug.routing import Rule

from .common import (
    EMBEDDING_DIMENSIONS,
    MOCK_EPOCH,
    CannedError,
    Call,
    ProviderMock,
    Reject,
    chat_completion,
    chat_completion_chunks,
    context_window,
    count_tokens,
    embedding_inputs,
    embedding_list,
    gather_text,
    json_compact,
    openai_sse,
    positive_int,
    reply,
    respond,
)

TOKENS_PER_MINUTE, TOKENS_PER_MONTH = 500000, 1000000000
RETRY_AFTER = 60
CAPACITY_MESSAGE = "Service tier capacity exceeded for this model."


class MistralMock(ProviderMock):
    name = "mistral"
    hosts = ["api.mistral.ai"]
    default_models = ("mistral-large-latest", "mistral-small-latest")
    errors = {
        # cline/cline#1734: "API error occurred: Status 401 Content-Type application/json; charset=utf-8 Body"
        # followed by this body, two-space indented with no space after the colons (the gateway's template).
        "unauthorized_2025": CannedError(
            401,
            '{\n  "message":"Unauthorized",\n  "request_id":"c61f2f15feca71626a990e3740f99245"\n}',
            (("Content-Type", "application/json; charset=utf-8"),),
        ),
        # dnakov/anon-kode#53 and pydantic/pydantic-ai#1885: body {"message":"Requests rate limit exceeded"}.
        "requests_rate_limit_2025": CannedError(429, '{"message":"Requests rate limit exceeded"}'),
        # The 2026 form clients test for: type service_tier_capacity_exceeded, code "3505", HTTP 429.
        "service_tier_capacity": CannedError(
            429,
            '{"object":"error","message":"' + CAPACITY_MESSAGE + '","type":"service_tier_capacity_exceeded",'
            '"param":null,"code":"3505"}',
        ),
        # continuedev/continue#6185 (June 2025), verbatim.
        "service_tier_capacity_2025": CannedError(
            429,
            '{"object":"error","message":"' + CAPACITY_MESSAGE + '","type":"invalid_request_error","param":null,'
            '"code":null}',
        ),
    }

    def rules(self):
        return [
            Rule("/v1/models", methods=["GET"], endpoint="list_models"),
            Rule("/v1/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/v1/embeddings", methods=["POST"], endpoint="embeddings"),
        ]

    # -- responses -------------------------------------------------------------------------

    def headers(self, call: Call) -> dict:
        return {
            "mistral-correlation-id": call.ids.uuid("correlation"),
            "x-kong-request-id": call.ids.hex("kong", 30),
            "x-envoy-upstream-service-time": str(call.ids.number("upstream", 40, 900)),
            "server": "cloudflare",
            "cf-ray": call.ids.hex("cf-ray", 16) + "-CDG",
        }

    def respond(self, call, status, payload, headers=None):
        return respond(json_compact(payload), status, "application/json", {**self.headers(call), **(headers or {})})

    def api_error(self, call, status, message, type_, code=None, headers=None):
        payload = {"object": "error", "message": message, "type": type_, "param": None, "code": code}
        return self.respond(call, status, payload, headers)

    def not_found(self, call):
        return self.respond(call, 404, {"message": "no Route matched with those values", "request_id": call.ids.hex("kong", 30)})

    def validation_error(self, call, detail: dict):
        payload = {"object": "error", "message": {"detail": [detail]}, "type": "invalid_request_error", "param": None, "code": None}
        return self.respond(call, 422, payload)

    @staticmethod
    def ratelimit_headers(remaining_minute: int) -> dict:
        return {
            "x-ratelimitbysize-limit-minute": str(TOKENS_PER_MINUTE),
            "x-ratelimitbysize-remaining-minute": str(remaining_minute),
            "x-ratelimitbysize-limit-month": str(TOKENS_PER_MONTH),
            "x-ratelimitbysize-remaining-month": str(TOKENS_PER_MONTH - (TOKENS_PER_MINUTE - remaining_minute)),
        }

    # -- checks ----------------------------------------------------------------------------

    def authenticate(self, call: Call) -> None:
        if call.bearer() not in call.state["keys"]:
            raise Reject(self.respond(call, 401, {"detail": "Unauthorized"}))

    def body(self, call: Call, required: tuple[str, ...]) -> dict:
        body, problem = call.json()
        if problem == "invalid":
            detail = {"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error", "input": {}, "ctx": {"error": "Expecting value"}}
            raise Reject(self.validation_error(call, detail))
        if not isinstance(body, dict):
            body = {}
        for field in required:
            if field not in body:
                detail = {"type": "missing", "loc": ["body", field], "msg": "Field required", "input": body}
                raise Reject(self.validation_error(call, detail))
        return body

    def admit(self, call: Call, model: str, tokens: int) -> dict:
        """Model, quota and rate-limit checks; returns the rate-limit headers of a success."""
        if model not in call.state["models"]:
            raise Reject(self.api_error(call, 400, f"Invalid model: {model}", "invalid_model", "1500"))
        if call.state["quota"] == "exhausted" or call.state["rate_limit"] != "ok":
            headers = {"retry-after": str(RETRY_AFTER), **self.ratelimit_headers(0)}
            raise Reject(self.api_error(call, 429, "Rate limit exceeded", "rate_limited", "1300", headers))
        return self.ratelimit_headers(TOKENS_PER_MINUTE - tokens)

    # -- endpoints -------------------------------------------------------------------------

    def list_models(self, call):
        self.authenticate(call)
        data = [
            {
                "id": model,
                "object": "model",
                "created": MOCK_EPOCH,
                "owned_by": "mistralai",
                "capabilities": {
                    "completion_chat": "embed" not in model,
                    "completion_fim": False,
                    "function_calling": "embed" not in model,
                    "fine_tuning": False,
                    "vision": False,
                },
                "name": model,
                "description": f"Official {model} Mistral AI model",
                "max_context_length": context_window(call.state, model),
                "aliases": [],
                "deprecation": None,
                "default_model_temperature": 0.3,
                "type": "base",
            }
            for model in call.state["models"]
        ]
        return self.respond(call, 200, {"object": "list", "data": data})

    def chat_completions(self, call):
        self.authenticate(call)
        body = self.body(call, ("model", "messages"))
        model = str(body["model"])
        prompt_tokens = count_tokens(gather_text(body["messages"]))
        max_out = positive_int(body.get("max_tokens"))
        headers = self.admit(call, model, prompt_tokens + (max_out or 0))
        window = context_window(call.state, model)
        if prompt_tokens + (max_out or 0) > window:
            message = (
                f"Prompt contains {prompt_tokens} tokens and {max_out or 0} draft tokens, too large for model with "
                f"{window} maximum context length"
            )
            return self.api_error(call, 400, message, "invalid_request_error")
        text, completion_tokens, truncated = reply(max_out)
        common = {
            "completion_id": call.ids.hex("completion", 32),
            "created": MOCK_EPOCH,
            "model": model,
            "content": text,
            "finish_reason": "length" if truncated else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        if body.get("stream") is True:
            chunks = chat_completion_chunks(**common, include_usage=True)
            headers.update(self.headers(call))
            return respond(openai_sse(chunks), 200, "text/event-stream; charset=utf-8", headers)
        return self.respond(call, 200, chat_completion(**common, message_extra={"tool_calls": None}), headers)

    def embeddings(self, call):
        self.authenticate(call)
        body = self.body(call, ("model", "input"))
        model = str(body["model"])
        inputs = embedding_inputs(body["input"])
        if inputs is None:
            detail = {"type": "string_type", "loc": ["body", "input"], "msg": "Input should be a valid string", "input": body["input"]}
            return self.validation_error(call, detail)
        headers = self.admit(call, model, sum(count_tokens(text) for text in inputs))
        payload = embedding_list(model, inputs, EMBEDDING_DIMENSIONS, "float", {"id": call.ids.hex("embedding", 32)})
        return self.respond(call, 200, payload, headers)
