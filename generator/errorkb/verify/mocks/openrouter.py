"""Simulator of the OpenRouter API at https://openrouter.ai.

Endpoints: GET /api/v1/models (public), POST /api/v1/chat/completions, GET /api/v1/key (also the older
/api/v1/auth/key). Auth is `Authorization: Bearer <key>`.

Formatting: compact JSON, no trailing newline, content type `application/json`; errors are
{"error":{"message":...,"code":<int>}} with the HTTP status equal to the code. Streams are SSE that start
with an `: OPENROUTER PROCESSING` comment.

Order of checks on chat completions: key missing (401 "No auth credentials found") -> key unknown
(401 "User not found.") -> body (JSON, messages or prompt) -> model (400 "<id> is not a valid model ID";
a request without a model gets the first of the state's models, as OpenRouter uses the account default)
-> quota (402 insufficient credits) -> rate limit (429 with Retry-After and X-RateLimit-* in
error.metadata.headers) -> context length (400 with the "middle-out" advice). The overloaded flag does not
apply.

Canned errors (`mock: {error: <name>}`), each exactly as logs show the API sending it:
- no_cookie_credentials: 401 "No cookie auth credentials found" (Gitlawb/openclaude#967,
  mims-harvard/Medea#1), the answer to a bearer value OpenRouter cannot read as a key;
- missing_authentication_header: 401 "Missing Authentication header" (Alishahryar1/free-claude-code#146,
  Aider-AI/aider#297);
- credits_exhausted: the 2026 402 "Insufficient credits. Add more using ..." with limit_source and
  remedy_hint in error.metadata (open-assistant-org/open-assistant#80);
- credits_low: a balance that pays for 3395 output tokens. A chat completion whose worst case (max_tokens or
  max_completion_tokens, or 65536, the default maximum output the credit check assumes when neither is
  sent) is larger gets the 402 "This request requires more credits, or fewer max_tokens. ..." with
  metadata.provider_name and a top-level user_id (Gitlawb/openclaude#1125, newo-ether/Agora#8,
  can1357/oh-my-pi#9569); every other request, a capped one included, is answered normally.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from werkzeug.routing import Rule

from .common import (
    MOCK_EPOCH,
    CannedError,
    Call,
    ProviderMock,
    Reject,
    chat_completion,
    chat_completion_chunks,
    context_window,
    count_tokens,
    gather_text,
    json_compact,
    openai_sse,
    positive_int,
    reply,
    respond,
    stable_chars,
)

NO_CREDITS = (
    "Insufficient credits. This account never purchased credits. Make sure your key is on the correct account or "
    "org, and if so, purchase more at https://openrouter.ai/settings/credits"
)
RATE_LIMIT_PER_MINUTE, RETRY_AFTER = 20, 60
AFFORDABLE_TOKENS = 3395       # output tokens the credits_low balance pays for (newo-ether/Agora#8)
DEFAULT_MAX_OUTPUT = 65536     # what the credit check assumes when a request sets no output cap
# What OpenRouter says about known models: (name, provider, prompt price, completion price per token).
MODELS = {
    "openai/gpt-4o": ("OpenAI: GPT-4o", "OpenAI", "0.0000025", "0.00001"),
    "anthropic/claude-sonnet-4.5": ("Anthropic: Claude Sonnet 4.5", "Anthropic", "0.000003", "0.000015"),
}


def model_info(model: str) -> tuple[str, str, str, str]:
    vendor = model.split("/", 1)[0]
    return MODELS.get(model, (model, vendor.capitalize(), "0", "0"))


class OpenRouterMock(ProviderMock):
    name = "openrouter"
    hosts = ["openrouter.ai"]
    default_models = ("openai/gpt-4o", "anthropic/claude-sonnet-4.5")

    def rules(self):
        return [
            Rule("/api/v1/models", methods=["GET"], endpoint="list_models"),
            Rule("/api/v1/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/api/v1/key", methods=["GET"], endpoint="key_info"),
            Rule("/api/v1/auth/key", methods=["GET"], endpoint="key_info"),
        ]

    # -- responses -------------------------------------------------------------------------

    def headers(self, call: Call) -> dict:
        return {
            "access-control-allow-origin": "*",
            "vary": "Accept-Encoding",
            "server": "cloudflare",
            "cf-ray": call.ids.hex("cf-ray", 16) + "-SJC",
        }

    def respond(self, call, status, payload, headers=None):
        return respond(json_compact(payload), status, "application/json", {**self.headers(call), **(headers or {})})

    def error(self, call, status, message, metadata=None, headers=None):
        error = {"message": message, "code": status}
        if metadata:
            error["metadata"] = metadata
        return self.respond(call, status, {"error": error}, headers)

    def not_found(self, call):
        return self.error(call, 404, "Not Found")

    # -- checks ----------------------------------------------------------------------------

    def authenticate(self, call: Call) -> str:
        key = call.bearer()
        if key is None:
            raise Reject(self.error(call, 401, "No auth credentials found"))
        if key not in call.state["keys"]:
            raise Reject(self.error(call, 401, "User not found."))
        return key

    def rate_limited(self, call):
        reset_ms = str((int(time.time()) // 60 + 1) * 60000)
        limits = {"X-RateLimit-Limit": str(RATE_LIMIT_PER_MINUTE), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset_ms}
        headers = {"retry-after": str(RETRY_AFTER), **{name.lower(): value for name, value in limits.items()}}
        return self.error(call, 429, "Rate limit exceeded", {"headers": limits}, headers)

    # -- endpoints -------------------------------------------------------------------------

    def list_models(self, call):
        data = []
        for model in call.state["models"]:
            name, _, prompt_price, completion_price = model_info(model)
            window = context_window(call.state, model)
            data.append(
                {
                    "id": model,
                    "canonical_slug": model,
                    "name": name,
                    "created": MOCK_EPOCH,
                    "description": f"{name}, served through OpenRouter.",
                    "context_length": window,
                    "architecture": {
                        "modality": "text->text",
                        "input_modalities": ["text"],
                        "output_modalities": ["text"],
                        "tokenizer": "Other",
                        "instruct_type": None,
                    },
                    "pricing": {"prompt": prompt_price, "completion": completion_price, "request": "0"},
                    "top_provider": {"context_length": window, "max_completion_tokens": 16384, "is_moderated": True},
                    "per_request_limits": None,
                    "supported_parameters": ["max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice"],
                }
            )
        return self.respond(call, 200, {"data": data})

    def key_info(self, call):
        key = self.authenticate(call)
        exhausted = call.state["quota"] == "exhausted"
        data = {
            "label": f"{key[:12]}...{key[-4:]}" if len(key) > 16 else key,
            "limit": 0 if exhausted else None,
            "usage": 0,
            "is_free_tier": exhausted,
            "limit_remaining": 0 if exhausted else None,
            "is_provisioning_key": False,
            "rate_limit": {"requests": RATE_LIMIT_PER_MINUTE, "interval": "10s"},
        }
        return self.respond(call, 200, {"data": data})

    def chat_completions(self, call):
        self.authenticate(call)
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            return self.error(call, 400, "Invalid JSON body")
        if not body.get("messages") and not body.get("prompt"):
            return self.error(call, 400, 'Input required: specify "prompt" or "messages"')
        state = call.state
        model = body.get("model") or (state["models"][0] if state["models"] else "")
        if not isinstance(model, str) or model not in state["models"]:
            return self.error(call, 400, f"{model} is not a valid model ID")
        if state["quota"] == "exhausted":
            return self.error(call, 402, NO_CREDITS)
        if state["rate_limit"] != "ok":
            return self.rate_limited(call)
        prompt_tokens = count_tokens(gather_text(body.get("messages")) + gather_text(body.get("prompt")))
        max_out = positive_int(body.get("max_tokens")) or positive_int(body.get("max_completion_tokens"))
        window = context_window(state, model)
        if prompt_tokens + (max_out or 0) > window:
            output = f", {max_out} in the output" if max_out else ""
            message = (
                f"This endpoint's maximum context length is {window} tokens. However, you requested about "
                f"{prompt_tokens + (max_out or 0)} tokens ({prompt_tokens} of text input{output}). Please reduce the "
                'length of either one, or use the "middle-out" transform to compress your prompt automatically.'
            )
            return self.error(call, 400, message)
        text, completion_tokens, truncated = reply(max_out)
        _, provider, _, _ = model_info(model)
        common = {
            "completion_id": f"gen-{call.ids.digits('gen-time', 10)}-{call.ids.chars('gen', 20)}",
            "created": MOCK_EPOCH,
            "model": model,
            "content": text,
            "finish_reason": "length" if truncated else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        if body.get("stream") is True:
            chunks = chat_completion_chunks(**common, include_usage=True, top_extra={"provider": provider})
            stream = ": OPENROUTER PROCESSING\n\n" + openai_sse(chunks)
            return respond(stream, 200, "text/event-stream", self.headers(call))
        payload = chat_completion(
            **common,
            message_extra={"refusal": None, "reasoning": None},
            choice_extra={"logprobs": None, "native_finish_reason": "stop"},
            top_extra={"provider": provider, "system_fingerprint": None},
        )
        return self.respond(call, 200, payload)


# ---------------------------------------------------------------------------------------------
# Canned errors


def requested_output(call: Call) -> int | None:
    """The output tokens a chat completion with a valid key asks for (its cap, or the default the credit check
    assumes); None for any other request, which the mock answers normally."""
    if call.method != "POST" or call.path.rstrip("/") != "/api/v1/chat/completions":
        return None
    if call.bearer() not in call.state["keys"]:
        return None
    body, problem = call.json()
    if problem or not isinstance(body, dict):
        return None
    return positive_int(body.get("max_tokens")) or positive_int(body.get("max_completion_tokens")) or DEFAULT_MAX_OUTPUT


def credits_low_body(call: Call) -> str:
    requested = requested_output(call) or DEFAULT_MAX_OUTPUT
    message = (
        f"This request requires more credits, or fewer max_tokens. You requested up to {requested} tokens, but can "
        f"only afford {AFFORDABLE_TOKENS}. To increase, visit https://openrouter.ai/settings/credits and upgrade to a "
        "paid account"
    )
    user = "user_" + stable_chars(call.bearer() or "", 27)
    return json_compact({"error": {"message": message, "code": 402, "metadata": {"provider_name": None}},
                         "user_id": user})


@dataclass(frozen=True)
class CreditCheck(CannedError):
    """A 402 only for the chat completions the balance cannot cover; other requests get the normal answer."""

    def response(self, call: Call):
        requested = requested_output(call)
        if requested is None or requested <= AFFORDABLE_TOKENS:
            return _normal.handle(call)
        return super().response(call)


_normal = OpenRouterMock()

OpenRouterMock.errors = {
    # Gitlawb/openclaude#967: "401 {"error":{"message":"No cookie auth credentials found","code":401}}".
    "no_cookie_credentials": CannedError(401, '{"error":{"message":"No cookie auth credentials found","code":401}}'),
    # Alishahryar1/free-claude-code#146: "Error code: 401 - {'error': {'message': 'Missing Authentication header',
    # 'code': 401}}" (openai-python repr of this body).
    "missing_authentication_header": CannedError(
        401, '{"error":{"message":"Missing Authentication header","code":401}}'
    ),
    # open-assistant-org/open-assistant#80 (openai-python repr of this body, keys in the same order).
    "credits_exhausted": CannedError(
        402,
        '{"error":{"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits",'
        '"code":402,"metadata":{"limit_source":"openrouter_credits","remedy_hint":"Add credits at '
        'https://openrouter.ai/settings/credits, or lower max_tokens / prompt size to fit your remaining '
        'balance."}}}',
    ),
    # Gitlawb/openclaude#1125 and babikov/doka-site#7: {"error":{...,"code":402,"metadata":{"provider_name":null}},
    # "user_id":"user_..."}.
    "credits_low": CreditCheck(402, credits_low_body),
}
