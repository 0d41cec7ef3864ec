"""Simulator of Azure OpenAI at https://<resource>.openai.azure.com.

Endpoints: POST /openai/deployments/{deployment}/chat/completions?api-version=...,
POST /openai/deployments/{deployment}/embeddings?api-version=..., GET /openai/models?api-version=...,
and the v1 API's POST /openai/v1/chat/completions (deployment in the body's `model`; no dated api-version).
Auth is the `api-key` header or `Authorization: Bearer <key>`. The state's `models` are deployment names.

Formatting: compact JSON, no trailing newline, content type `application/json`. Azure's own errors are
{"error":{"code":"<string>","message":...}} with no type or param; errors the model service passes
through (context length) keep OpenAI's four fields. Headers: apim-request-id, x-request-id, x-ms-region,
x-ms-client-request-id; 429s add retry-after, retry-after-ms and x-ratelimit-remaining-*.

Order of checks: path -> key (missing or wrong: the same 401) -> api-version (missing: 404 "Resource not
found"; malformed: 400) -> deployment (404 DeploymentNotFound) -> body -> operation (chat completions on a
deployment whose name contains "embedding": 400 OperationNotSupported) -> rate limit -> context length.
Embeddings: the same order, with OperationNotSupported for a deployment whose name lacks "embedding" coming
after the rate limit.
The quota and overloaded flags do not apply to Azure (it has no prepaid quota, and its 503s are not
modelled).

Canned errors (`mock: {error: <name>}`, see ERRORS below) give the bodies this simulator does not produce
by itself, each byte for byte as a public report shows it: the 2025 `RateLimitReached` and the short
gateway 429 wordings, the prompt content filter, OperationNotSupported for any operation, the
"API version not supported" and "enabled only for api versions ... and later" 400s for well-formed
versions, the 401 variant whose code is "Unauthorized", and the 404 "Resource not found" with the space
after "message": that Azure really sends (the routing 404 above writes it without the space).
"""

from __future__ import annotations

import json
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
    openai_sse,
    positive_int,
    reply,
    respond,
    stable_chars,
    wants_usage,
)

ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
    "active subscription and use a correct regional API endpoint for your resource."
)
DEPLOYMENT_NOT_FOUND = (
    "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, "
    "please wait a moment and try again."
)
RATE_LIMIT = (
    "Requests to the {operation} Operation under Azure OpenAI API version {version} have exceeded {kind} rate limit "
    "of your current OpenAI S0 pricing tier. Please retry after {seconds} seconds. Please go here: "
    "https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."
)
RETRY_AFTER = {"tokens": 86400, "requests": 60}
OPERATION_NOT_SUPPORTED = (
    "The {operation} operation does not work with the specified model, {model}. Please choose different model and "
    "try again. You can learn more about which models can be used with each operation here: "
    "https://go.microsoft.com/fwlink/?linkid=2197993."
)
API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$|^(v1|latest|preview)$")
SAFE = {"filtered": False, "severity": "safe"}
FILTER_RESULTS = {"hate": SAFE, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}


# ---------------------------------------------------------------------------------------------
# Canned errors: bodies exactly as Azure sends them, with the report each comes from.

CANNED_REQUEST_ID = "5c1f9e2a-7d43-4b8e-a6f0-3e9d2b71c845"
JSON_HEADERS = (("Content-Type", "application/json"), ("apim-request-id", CANNED_REQUEST_ID))


def _deployment_and_operation(call: Call) -> tuple[str, str]:
    """The deployment named in /openai/deployments/<name>/... and the operation the path asks for."""
    parts = call.path.strip("/").split("/")
    deployment = parts[2] if len(parts) > 2 and parts[:2] == ["openai", "deployments"] else "gpt-4o"
    if call.path.rstrip("/").endswith("/embeddings"):
        return deployment, "embeddings"
    if call.path.rstrip("/").endswith("/chat/completions"):
        return deployment, "chatCompletion"
    return deployment, "completion"


def operation_not_supported_body(call: Call) -> str:
    # {"error":{"code":"OperationNotSupported","message":"The completion operation does not work with the specified
    # model, gpt-35-turbo-16k. ..."}} is 307 bytes, the content-length of the 400 in
    # https://github.com/langchain-ai/langchainjs/issues/2633; the chatCompletion and embeddings wordings are in
    # https://github.com/microsoft/graphrag/issues/1557 and https://github.com/OpenHands/OpenHands/issues/1003.
    deployment, operation = _deployment_and_operation(call)
    message = OPERATION_NOT_SUPPORTED.format(operation=operation, model=deployment)
    return json_compact({"error": {"code": "OperationNotSupported", "message": message}})


def rate_limit_reached_body(call: Call) -> str:
    # The 2025 wording with code "RateLimitReached" and a space after "message":, as an HTTP 429 body quoted in
    # public code (errorkb research index); the same message through LiteLLM and a Go app:
    # https://github.com/dyad-sh/dyad/issues/1849 , https://github.com/icereed/paperless-gpt/issues/814
    deployment, operation = _deployment_and_operation(call)
    name = "Embeddings_Create" if operation == "embeddings" else "ChatCompletions_Create"
    version = call.query.get("api-version") or "2024-10-21"
    message = (
        f"Your requests to {deployment} for {deployment} in East US have exceeded the token rate limit for your "
        f"current OpenAI S0 pricing tier. This request was for {name} under Azure OpenAI API version {version}. "
        "Please retry after 43 seconds. To increase your default rate limit, visit: https://aka.ms/oai/quotaincrease."
    )
    return '{"error":{"code":"RateLimitReached","message": ' + json.dumps(message) + "}}"


ERRORS = {
    # https://github.com/microsoft/copilot-camp/issues/551 (body and headers as printed; no retry-after there)
    "rate_limit_short": CannedError(
        429,
        '{"error":{"code":"429","message": "Rate limit is exceeded. Try again in 2 seconds."}}',
        (
            ("Content-Type", "application/json; charset=UTF-8"),
            ("apim-request-id", CANNED_REQUEST_ID),
            ("x-ms-region", "North Central US"),
            ("x-ratelimit-limit-requests", "8"),
            ("x-ratelimit-limit-tokens", "8000"),
            ("x-ratelimit-remaining-requests", "7"),
            ("x-ratelimit-remaining-tokens", "1014"),
        ),
    ),
    "rate_limit_reached": CannedError(
        429,
        rate_limit_reached_body,
        JSON_HEADERS + (
            ("x-ms-region", "East US"),
            ("retry-after", "43"),
            ("retry-after-ms", "43000"),
            ("x-ratelimit-remaining-requests", "9"),
            ("x-ratelimit-remaining-tokens", "0"),
        ),
    ),
    # https://github.com/vibrantlabsai/ragas/issues/649 (openai-python repr of this body; the compact raw form
    # of the same fields, without innererror, is in https://github.com/openai/openai-python/issues/331)
    "content_filter_prompt": CannedError(
        400,
        '{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI\'s content '
        "management policy. Please modify your prompt and retry. To learn more about our content filtering "
        'policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766","type":null,'
        '"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation",'
        '"content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,'
        '"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,'
        '"severity":"medium"}}}}}',
        JSON_HEADERS,
    ),
    "operation_not_supported": CannedError(400, operation_not_supported_body, JSON_HEADERS),
    # https://github.com/hotovo/aider-desk/issues/460
    "api_version_not_supported": CannedError(
        400, '{"error":{"code":"BadRequest","message":"API version not supported"}}', JSON_HEADERS
    ),
    # https://github.com/egoist/chatwise-releases/issues/258 , https://github.com/langchain4j/langchain4j/issues/2636
    # (the literal {modelName} is in Azure's text)
    "model_needs_newer_api_version": CannedError(
        400,
        '{"error":{"code":"BadRequest","message":"Model {modelName} is enabled only for api versions '
        '2024-12-01-preview and later"}}',
        JSON_HEADERS,
    ),
    # https://github.com/vercel/chatbot/issues/588 (late 2024: code "Unauthorized", a space after "message":)
    "invalid_subscription_key_unauthorized": CannedError(
        401,
        '{"error":{"code":"Unauthorized","message": "' + ACCESS_DENIED + '"}}',
        JSON_HEADERS,
    ),
    # 56 bytes: the body and Content-Length in https://github.com/openai/openai-python/issues/362
    "resource_not_found": CannedError(
        404, '{"error":{"code":"404","message": "Resource not found"}}', JSON_HEADERS
    ),
}


class AzureOpenAIMock(ProviderMock):
    name = "azure-openai"
    hosts = ["*.openai.azure.com"]
    default_models = ("gpt-4o",)
    errors = ERRORS

    def rules(self):
        return [
            Rule("/openai/deployments/<deployment>/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/openai/deployments/<deployment>/embeddings", methods=["POST"], endpoint="embeddings"),
            Rule("/openai/models", methods=["GET"], endpoint="list_models"),
            Rule("/openai/v1/chat/completions", methods=["POST"], endpoint="v1_chat_completions"),
        ]

    # -- responses -------------------------------------------------------------------------

    def headers(self, call: Call) -> dict:
        request_id = call.ids.uuid("request-id")
        return {
            "apim-request-id": request_id,
            "x-request-id": call.ids.uuid("x-request-id"),
            "x-ms-region": "East US",
            "x-ms-client-request-id": call.headers.get("x-ms-client-request-id", request_id),
            "x-content-type-options": "nosniff",
            "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
        }

    def respond(self, call, status, payload, headers=None):
        return respond(json_compact(payload), status, "application/json", {**self.headers(call), **(headers or {})})

    def error(self, call, status, code, message, headers=None):
        return self.respond(call, status, {"error": {"code": code, "message": message}}, headers)

    def not_found(self, call):
        return self.error(call, 404, "404", "Resource not found")

    # -- checks ----------------------------------------------------------------------------

    def admit(self, call: Call, deployment: str | None) -> str:
        """Key, api-version and deployment checks; returns the api-version."""
        key = call.headers.get("api-key") or call.bearer()
        if key not in call.state["keys"]:
            raise Reject(self.error(call, 401, "401", ACCESS_DENIED))
        version = call.query.get("api-version")
        if not version:
            raise Reject(self.not_found(call))
        if not API_VERSION.match(version):
            raise Reject(self.error(call, 400, "BadRequest", "API version not supported"))
        if deployment is not None and deployment not in call.state["models"]:
            raise Reject(self.error(call, 404, "DeploymentNotFound", DEPLOYMENT_NOT_FOUND))
        return version

    def body(self, call: Call) -> dict:
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            raise Reject(self.openai_error(call, 400, "We could not parse the JSON body of your request.", None, None))
        return body

    def openai_error(self, call, status, message, param, code):
        return self.respond(call, status, {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}})

    def rate_limited(self, call, operation, version):
        kind = call.state["rate_limit"]
        seconds = RETRY_AFTER[kind]
        message = RATE_LIMIT.format(
            operation=operation, version=version, kind="token" if kind == "tokens" else "call", seconds=seconds
        )
        headers = {
            "retry-after": str(seconds),
            "retry-after-ms": str(seconds * 1000),
            "x-ratelimit-remaining-requests": "0" if kind == "requests" else "9",
            "x-ratelimit-remaining-tokens": "0" if kind == "tokens" else "9000",
        }
        return self.error(call, 429, "429", message, headers)

    # -- endpoints -------------------------------------------------------------------------

    def list_models(self, call):
        self.admit(call, None)
        data = [
            {
                "status": "succeeded",
                "capabilities": {
                    "fine_tune": False,
                    "inference": True,
                    "completion": False,
                    "chat_completion": "embedding" not in name,
                    "embeddings": "embedding" in name,
                },
                "lifecycle_status": "generally-available",
                "id": name,
                "created_at": MOCK_EPOCH,
                "object": "model",
            }
            for name in call.state["models"]
        ]
        return self.respond(call, 200, {"data": data, "object": "list"})

    def chat_completions(self, call, deployment):
        version = self.admit(call, deployment)
        return self.chat(call, deployment, version, self.body(call))

    def v1_chat_completions(self, call):
        """The v1 API: no dated api-version (only none, `preview` or `latest`; a dated one gets 400 "API version
        not supported", as in https://github.com/openclaw/openclaw/pull/82026 and
        https://github.com/openai/codex/issues/3725), and the deployment name in the body's `model`."""
        key = call.headers.get("api-key") or call.bearer()
        if key not in call.state["keys"]:
            raise Reject(self.error(call, 401, "401", ACCESS_DENIED))
        version = call.query.get("api-version")
        if version and version.lower() not in ("preview", "latest"):
            raise Reject(self.error(call, 400, "BadRequest", "API version not supported"))
        body = self.body(call)
        deployment = body.get("model")
        if not isinstance(deployment, str) or deployment not in call.state["models"]:
            raise Reject(self.error(call, 404, "DeploymentNotFound", DEPLOYMENT_NOT_FOUND))
        return self.chat(call, deployment, version or "v1", body)

    def chat(self, call, deployment, version, body):
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self.openai_error(call, 400, "'messages' is a required property", "messages", None)
        if "embedding" in deployment.lower():
            message = OPERATION_NOT_SUPPORTED.format(operation="chatCompletion", model=deployment)
            return self.error(call, 400, "OperationNotSupported", message)
        if call.state["rate_limit"] != "ok":
            return self.rate_limited(call, "ChatCompletions_Create", version)
        prompt_tokens = count_tokens(gather_text(messages))
        max_out = positive_int(body.get("max_completion_tokens")) or positive_int(body.get("max_tokens"))
        window = context_window(call.state, deployment)
        if prompt_tokens + (max_out or 0) > window:
            message = chat_context_message(window, prompt_tokens, max_out)
            return self.openai_error(call, 400, message, "messages", "context_length_exceeded")
        text, completion_tokens, truncated = reply(max_out)
        common = {
            "completion_id": "chatcmpl-" + call.ids.chars("chatcmpl", 29),
            "created": MOCK_EPOCH,
            "model": body.get("model") or deployment,
            "content": text,
            "finish_reason": "length" if truncated else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        fingerprint = "fp_" + stable_chars(deployment, 10, "0123456789abcdef")
        if body.get("stream") is True:
            chunks = chat_completion_chunks(**common, include_usage=wants_usage(body), top_extra={"system_fingerprint": fingerprint})
            return respond(openai_sse(chunks), 200, "text/event-stream; charset=utf-8", self.headers(call))
        payload = chat_completion(
            **common,
            message_extra={"refusal": None, "annotations": []},
            choice_extra={"content_filter_results": FILTER_RESULTS, "logprobs": None},
            top_extra={
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": FILTER_RESULTS}],
                "system_fingerprint": fingerprint,
            },
        )
        return self.respond(call, 200, payload)

    def embeddings(self, call, deployment):
        version = self.admit(call, deployment)
        body = self.body(call)
        inputs = embedding_inputs(body.get("input"))
        if inputs is None:
            return self.openai_error(call, 400, "'input' is a required property", "input", None)
        if call.state["rate_limit"] != "ok":
            return self.rate_limited(call, "Embeddings_Create", version)
        if "embedding" not in deployment.lower():
            message = OPERATION_NOT_SUPPORTED.format(operation="embeddings", model=deployment)
            return self.error(call, 400, "OperationNotSupported", message)
        window = context_window(call.state, deployment)
        for text in inputs:
            tokens = count_tokens(text)
            if tokens > window:
                return self.openai_error(call, 400, embedding_context_message(window, tokens), None, None)
        dimensions = embedding_dimensions(body.get("dimensions"))
        encoding = "base64" if body.get("encoding_format") == "base64" else "float"
        return self.respond(call, 200, embedding_list(deployment, inputs, dimensions, encoding))
