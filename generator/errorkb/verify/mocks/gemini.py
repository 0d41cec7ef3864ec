"""Simulator of the Gemini API at https://generativelanguage.googleapis.com (API versions v1beta and v1).

Endpoints: GET /{v}/models, GET /{v}/models/{m}, POST /{v}/models/{m}:generateContent,
:streamGenerateContent (a JSON array, or SSE with ?alt=sse), :countTokens, :embedContent and
:batchEmbedContents. The key comes from the `key=` query parameter or the `x-goog-api-key` header.

Formatting: JSON indented by 2 spaces plus a trailing newline, content type `application/json;
charset=UTF-8`, errors as google.rpc.Status ({"error": {"code": <int>, "message", "status", "details"}}).
Unknown paths get Google's HTML 404 page. There are no request-id or rate-limit headers; the retry delay
is in the body (RetryInfo) and at the end of the message.

Order of checks: path -> key missing (400 "API Key not found") -> key invalid (400 "API key not valid") ->
body (JSON, unknown fields, required fields) -> model unknown or method unsupported (404) -> quota
(429 limit 0) -> rate limit (429 per-minute limit) -> overloaded (503) -> input token count.
Quota, rate limit and overload apply to generateContent and streamGenerateContent only; embedding
methods need an embedding model (a name containing "embedding"), generation needs any other model.

Canned errors (`mock: {error: <name>}`, see ERRORS at the end) answer every request, before any check,
with bodies copied from public reports: the 2026 "high demand" 503, the bare 429, the location
refusal, the expired key, the 2026 404 of a retired model, and three HTTP 200 answers that carry no text (a blocked prompt, a candidate
stopped for SAFETY, one stopped for RECITATION).
"""

from __future__ import annotations

from werkzeug.routing import Rule

from .common import (
    Call,
    CannedError,
    ProviderMock,
    Reject,
    as_dict,
    context_window,
    count_tokens,
    embedding_dimensions,
    embedding_vector,
    gather_text,
    json_compact,
    json_indented,
    pick,
    positive_int,
    reply,
    reply_pieces,
    respond,
    sse,
)

SERVICE = "generativelanguage.googleapis.com"
KEY_INVALID = "API key not valid. Please pass a valid API key."
KEY_NOT_FOUND = "API Key not found. Please pass a valid API key."
OVERLOADED = "The model is overloaded. Please try again later."
RATE_LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits"
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more information on this "
    f"error, head to: {RATE_LIMITS_URL}. To monitor your current usage, head to: https://ai.dev/rate-limit. "
)
RETRY_IN, RETRY_DELAY = "7.967587226s", "7s"
# (metric, quota id, limit) of each violation a 429 reports, by cause.
VIOLATIONS = {
    "exhausted": (
        ("generate_content_free_tier_input_token_count", "GenerateContentInputTokensPerModelPerMinute-FreeTier", 0),
        ("generate_content_free_tier_requests", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", 0),
        ("generate_content_free_tier_requests", "GenerateRequestsPerDayPerProjectPerModel-FreeTier", 0),
    ),
    "requests": (("generate_content_free_tier_requests", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", 10),),
    "tokens": (
        ("generate_content_free_tier_input_token_count", "GenerateContentInputTokensPerModelPerMinute-FreeTier", 250000),
    ),
}
GENERATE_METHODS = ("generateContent", "streamGenerateContent", "countTokens")
EMBED_METHODS = ("embedContent", "batchEmbedContents", "countTokens")
# Fields each method accepts (Google takes camelCase and snake_case alike).
FIELDS = {
    "generateContent": "contents tools toolConfig safetySettings systemInstruction generationConfig cachedContent labels model",
    "countTokens": "contents generateContentRequest model",
    "embedContent": "content taskType title outputDimensionality model",
    "batchEmbedContents": "requests",
}
FIELDS["streamGenerateContent"] = FIELDS["generateContent"]
NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error 404 (Not Found)!!1</title>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>404.</b> <ins>That\u2019s an error.</ins>
  <p>The requested URL <code>{path}</code> was not found on this server.  <ins>That\u2019s all we know.</ins>
"""


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def is_embedding_model(model: str) -> bool:
    return "embedding" in model


def model_object(model: str) -> dict:
    embedding = is_embedding_model(model)
    words = [w if w[0].isdigit() else w.capitalize() for w in model.split("-") if w]
    info = {
        "name": f"models/{model}",
        "version": "001",
        "displayName": " ".join(words),
        "description": f"{' '.join(words)} model",
        "inputTokenLimit": 2048 if embedding else 1048576,
        "outputTokenLimit": 1 if embedding else 65536,
        "supportedGenerationMethods": list(EMBED_METHODS if embedding else ("generateContent", "countTokens", "createCachedContent", "batchGenerateContent")),
    }
    if not embedding:
        info.update({"temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": not model.startswith(("gemini-1", "gemini-2.0"))})
    return info


class GeminiMock(ProviderMock):
    name = "gemini"
    hosts = ["generativelanguage.googleapis.com"]
    # The Gemini 3 text models of https://ai.google.dev/gemini-api/docs/models ("All Gemini 3 models", stable
    # first, then previews) as of December 2026. gemini-2.5-flash, gemini-2.5-pro and gemini-2.0-flash stay
    # only because tests/verify/test_mock_providers.py calls them; Google lists them as deprecated or shut down
    # (https://ai.google.dev/gemini-api/docs/deprecations), so pages must not use them as working models.
    default_models = (
        "gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.5-flash", "gemini-3.5-flash-lite",
        "gemini-3.1-flash-lite", "gemini-3.1-pro-preview", "gemini-3-flash-preview",
        "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash",
    )

    def rules(self):
        return [
            Rule("/<any(v1, v1beta):version>/models", methods=["GET"], endpoint="list_models"),
            Rule("/<any(v1, v1beta):version>/models/<name>", methods=["GET"], endpoint="get_model"),
            Rule("/<any(v1, v1beta):version>/models/<name>", methods=["POST"], endpoint="model_method"),
        ]

    # -- responses -------------------------------------------------------------------------

    def headers(self, call: Call) -> dict:
        return {
            "vary": "Origin, X-Origin, Referer",
            "server": "scaffolding on HTTPServer2",
            "x-xss-protection": "0",
            "x-frame-options": "SAMEORIGIN",
            "x-content-type-options": "nosniff",
            "server-timing": f"gfet4t7; dur={call.ids.number('dur', 80, 900)}",
            "alt-svc": 'h3=":443"; ma=2592000,h3-29=":443"; ma=2592000',
        }

    def ok(self, call, payload):
        return respond(json_indented(payload, 2) + "\n", 200, "application/json; charset=UTF-8", self.headers(call))

    def error(self, call, code, status, message, details=None):
        error = {"code": code, "message": message, "status": status}
        if details:
            error["details"] = details
        body = json_indented({"error": error}, 2) + "\n"
        return respond(body, code, "application/json; charset=UTF-8", self.headers(call))

    def not_found(self, call):
        page = NOT_FOUND_PAGE.format(path=call.path)
        return respond(page, 404, "text/html; charset=UTF-8", {"referrer-policy": "no-referrer"})

    def key_error(self, call, message):
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": SERVICE},
            },
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
        ]
        return self.error(call, 400, "INVALID_ARGUMENT", message, details)

    def quota_error(self, call, model, cause):
        violations = VIOLATIONS[cause]
        lines = "".join(
            f"\n* Quota exceeded for metric: {SERVICE}/{metric}, limit: {limit}, model: {model}"
            for metric, _, limit in violations
        )
        message = f"{QUOTA_MESSAGE}{lines}\nPlease retry in {RETRY_IN}."
        failure = []
        for metric, quota_id, limit in violations:
            violation = {
                "quotaMetric": f"{SERVICE}/{metric}",
                "quotaId": quota_id,
                "quotaDimensions": {"location": "global", "model": model},
            }
            if limit:
                violation["quotaValue"] = str(limit)
            failure.append(violation)
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [{"description": "Learn more about Gemini API quotas", "url": RATE_LIMITS_URL}],
            },
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": failure},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": RETRY_DELAY},
        ]
        return self.error(call, 429, "RESOURCE_EXHAUSTED", message, details)

    # -- checks ----------------------------------------------------------------------------

    def authenticate(self, call: Call) -> None:
        key = call.headers.get("x-goog-api-key") or call.query.get("key")
        if not key:
            raise Reject(self.key_error(call, KEY_NOT_FOUND))
        if key not in call.state["keys"]:
            raise Reject(self.key_error(call, KEY_INVALID))

    def body(self, call: Call, method: str) -> dict:
        body, problem = call.json()
        if problem == "empty":
            return {}
        if problem or not isinstance(body, dict):
            text = call.raw.decode("utf-8", "replace")
            raise Reject(self.error(call, 400, "INVALID_ARGUMENT", f"Invalid JSON payload received. Unexpected token.\n{text[:40]}\n^"))
        allowed = set(FIELDS[method].split())
        allowed |= {snake(name) for name in allowed}
        for name in body:
            if name not in allowed:
                message = f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
                violation = {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"description": message}]}
                raise Reject(self.error(call, 400, "INVALID_ARGUMENT", message, [violation]))
        return body

    def require_model(self, call, version, model, method):
        """404 unless the model is available and supports the method ("get" needs it available only)."""
        supported = EMBED_METHODS if is_embedding_model(model) else GENERATE_METHODS
        if model not in call.state["models"] or method not in (*supported, "get"):
            message = (
                f"models/{model} is not found for API version {version}, or is not supported for {method}. "
                "Call ListModels to see the list of available models and their supported methods."
            )
            raise Reject(self.error(call, 404, "NOT_FOUND", message))

    # -- endpoints -------------------------------------------------------------------------

    def list_models(self, call, version):
        self.authenticate(call)
        return self.ok(call, {"models": [model_object(m) for m in call.state["models"]]})

    def get_model(self, call, version, name):
        self.authenticate(call)
        self.require_model(call, version, name, "get")
        return self.ok(call, model_object(name))

    def model_method(self, call, version, name):
        model, _, method = name.rpartition(":")
        handler = {
            "generateContent": self.generate,
            "streamGenerateContent": self.generate,
            "countTokens": self.count_tokens,
            "embedContent": self.embed,
            "batchEmbedContents": self.embed,
        }.get(method)
        if not model or handler is None:
            return self.not_found(call)
        self.authenticate(call)
        body = self.body(call, method)
        return handler(call, version, model, method, body)

    def count_tokens(self, call, version, model, method, body):
        self.require_model(call, version, model, method)
        request = as_dict(pick(body, "generateContentRequest", "generate_content_request")) or body
        tokens = count_tokens(prompt_text(request))
        return self.ok(call, {"totalTokens": tokens, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": tokens}]})

    def embed(self, call, version, model, method, body):
        self.require_model(call, version, model, method)
        requests = body.get("requests") if method == "batchEmbedContents" else [body]
        embeddings = []
        for request in requests if isinstance(requests, list) else []:
            request = as_dict(request)
            dimensions = embedding_dimensions(pick(request, "outputDimensionality", "output_dimensionality"))
            embeddings.append({"values": embedding_vector(gather_text(request.get("content")), dimensions)})
        if method == "batchEmbedContents":
            return self.ok(call, {"embeddings": embeddings})
        return self.ok(call, {"embedding": embeddings[0]})

    def generate(self, call, version, model, method, body):
        contents = body.get("contents")
        if not contents:
            raise Reject(self.error(call, 400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified\n"))
        self.require_model(call, version, model, method)
        state = call.state
        if state["quota"] == "exhausted":
            return self.quota_error(call, model, "exhausted")
        if state["rate_limit"] != "ok":
            return self.quota_error(call, model, state["rate_limit"])
        if state["overloaded"]:
            return self.error(call, 503, "UNAVAILABLE", OVERLOADED)
        prompt_tokens = count_tokens(prompt_text(body))
        window = context_window(state, model)
        if prompt_tokens > window:
            message = f"The input token count ({prompt_tokens}) exceeds the maximum number of tokens allowed ({window})."
            return self.error(call, 400, "INVALID_ARGUMENT", message)

        config = as_dict(pick(body, "generationConfig", "generation_config"))
        text, output_tokens, truncated = reply(positive_int(pick(config, "maxOutputTokens", "max_output_tokens")))
        finish = "MAX_TOKENS" if truncated else "STOP"
        response_id = call.ids.chars("response-id", 22)
        usage = {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
        }

        def answer(part: str, finish_reason: str | None, usage_metadata: dict) -> dict:
            candidate = {"content": {"parts": [{"text": part}], "role": "model"}}
            if finish_reason:
                candidate["finishReason"] = finish_reason
            candidate["index"] = 0
            return {"candidates": [candidate], "usageMetadata": usage_metadata, "modelVersion": model, "responseId": response_id}

        if method == "generateContent":
            return self.ok(call, answer(text, finish, usage))
        pieces = reply_pieces(text)
        partial = {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens}
        chunks = [answer(p, None, partial) for p in pieces[:-1]] + [answer(pieces[-1], finish, usage)]
        if call.query.get("alt") == "sse":
            body_text = sse([(None, json_compact(chunk)) for chunk in chunks], separator="\r\n\r\n")
            return respond(body_text, 200, "text/event-stream", self.headers(call))
        body_text = "[" + "\n,\r\n".join(json_indented(chunk, 2) for chunk in chunks) + "]"
        return respond(body_text, 200, "application/json; charset=UTF-8", self.headers(call))


def prompt_text(request: dict) -> str:
    """All text of a generateContent-style request: contents and system instruction."""
    system = pick(request, "systemInstruction", "system_instruction")
    return gather_text(request.get("contents")) + gather_text(system)


# ---------------------------------------------------------------------------------------------
# Canned errors: bodies exactly as Google sends them (pretty-printed by 2 spaces, trailing newline),
# each copied from the public report named beside it.

CANNED_HEADERS = (
    ("Content-Type", "application/json; charset=UTF-8"),
    ("Vary", "Origin, X-Origin, Referer"),
    ("Server", "scaffolding on HTTPServer2"),
    ("X-XSS-Protection", "0"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("X-Content-Type-Options", "nosniff"),
)


def canned(status: int, payload: dict) -> CannedError:
    return CannedError(status, json_indented(payload, 2) + "\n", CANNED_HEADERS)


def canned_status(code: int, status: str, message: str, details: list | None = None) -> CannedError:
    error = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return canned(code, {"error": error})


KEY_EXPIRED = "API key expired. Please renew the API key."
HIGH_DEMAND = (
    "This model is currently experiencing high demand. Spikes in demand are usually temporary. "
    "Please try again later."
)


def retired_model(call: Call) -> str:
    """The 2026 404 for a model Google has shut down; the model is the one named in the request path."""
    name = call.path.rsplit("/", 1)[-1].partition(":")[0]
    message = (f"This model models/{name} is no longer available. Please update your code to use a newer model "
               "for the latest features and improvements.")
    return json_indented({"error": {"code": 404, "message": message, "status": "NOT_FOUND"}}, 2) + "\n"


GeminiMock.errors = {
    # 503 since 2026: https://github.com/continuedev/continue/issues/10639 (also #12719, #12790), body escaped
    # inside Continue's wrapper: {\n  "error": {\n    "code": 503,\n    "message": "...",\n    "status": ...
    "high_demand": canned_status(503, "UNAVAILABLE", HIGH_DEMAND),
    # The bare 429 (no details), escaped with its 2-space layout in https://github.com/google-gemini/gemini-cli/issues/1841
    # and raw in https://github.com/lbjlaq/Antigravity-Manager/issues/1096; paid Tier 1 in 2026:
    # https://github.com/googleapis/python-genai/issues/2065
    "resource_exhausted_legacy": canned_status(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    # 400 FAILED_PRECONDITION, no details: https://github.com/GeorgeXie2333/LLM-Stream-Optimizer/issues/6 (raw
    # body), https://github.com/google-gemini/gemini-cli/issues/24641 (escaped, 2-space indent)
    "location_not_supported": canned_status(400, "FAILED_PRECONDITION", "User location is not supported for the API use."),
    # Same shape as "API key not valid" (ErrorInfo + LocalizedMessage):
    # https://github.com/continuedev/continue/issues/11336 and #9655, https://github.com/plainbook-ai/plainbook/issues/25
    "key_expired": canned_status(400, "INVALID_ARGUMENT", KEY_EXPIRED, [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": SERVICE},
        },
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": KEY_EXPIRED},
    ]),
    # 404 for a retired model (2026), as google-genai printed it in https://github.com/google/adk-docs/pull/1840:
    # {'error': {'code': 404, 'message': 'This model models/gemini-2.0-flash is no longer available. ...', 'status': 'NOT_FOUND'}}
    "model_retired": CannedError(404, retired_model, CANNED_HEADERS),
    # HTTP 200, prompt blocked, no candidates: https://github.com/vercel/ai/issues/19758 (the SSE event of
    # gemini-3.7-flash; the same object, pretty-printed, is the generateContent body)
    "prompt_blocked": canned(200, {
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
        "usageMetadata": {"promptTokenCount": 13, "totalTokenCount": 13},
    }),
    # HTTP 200, candidate stopped for SAFETY, no content: the candidate of https://github.com/xtekky/gpt4free/pull/2341;
    # usageMetadata as in https://github.com/google/generative-ai-docs/issues/518
    "candidate_safety": canned(200, {
        "candidates": [
            {
                "finishReason": "SAFETY",
                "index": 0,
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
                    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "MEDIUM"},
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM"},
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"},
                ],
            }
        ],
        "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4},
    }),
    # HTTP 200, candidate stopped for RECITATION: https://github.com/google/generative-ai-docs/issues/518 (curl output)
    "recitation": canned(200, {
        "candidates": [{"finishReason": "RECITATION", "index": 0}],
        "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4},
    }),
}
