"""Simulator of Azure OpenAI at https://<resource>.openai.azure.com.

Endpoints: POST /openai/deployments/{deployment}/chat/completions?api-version=...,
POST /openai/deployments/{deployment}/embeddings?api-version=..., GET /openai/models?api-version=...
Auth is the `api-key` header or `Authorization: Bearer <key>`. The state's `models` are deployment names.

Formatting: compact JSON, no trailing newline, content type `application/json`. Azure's own errors are
{"error":{"code":"<string>","message":...}} with no type or param; errors the model service passes
through (context length) keep OpenAI's four fields. Headers: apim-request-id, x-request-id, x-ms-region,
x-ms-client-request-id; 429s add retry-after, retry-after-ms and x-ratelimit-remaining-*.

Order of checks: path -> key (missing or wrong: the same 401) -> api-version (missing: 404 "Resource not
found"; malformed: 400) -> deployment (404 DeploymentNotFound) -> body -> rate limit -> context length.
The quota and overloaded flags do not apply to Azure (it has no prepaid quota, and its 503s are not
modelled).
"""

from __future__ import annotations

import re

from werkzeug.routing import Rule

from .common import (
    MOCK_EPOCH,
    Call,
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
API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$|^(v1|latest|preview)$")
SAFE = {"filtered": False, "severity": "safe"}
FILTER_RESULTS = {"hate": SAFE, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}


class AzureOpenAIMock(ProviderMock):
    name = "azure-openai"
    hosts = ["*.openai.azure.com"]
    default_models = ("gpt-4o",)

    def rules(self):
        return [
            Rule("/openai/deployments/<deployment>/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/openai/deployments/<deployment>/embeddings", methods=["POST"], endpoint="embeddings"),
            Rule("/openai/models", methods=["GET"], endpoint="list_models"),
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
        body = self.body(call)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self.openai_error(call, 400, "'messages' is a required property", "messages", None)
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
        window = context_window(call.state, deployment)
        for text in inputs:
            tokens = count_tokens(text)
            if tokens > window:
                return self.openai_error(call, 400, embedding_context_message(window, tokens), None, None)
        dimensions = embedding_dimensions(body.get("dimensions"))
        encoding = "base64" if body.get("encoding_format") == "base64" else "float"
        return self.respond(call, 200, embedding_list(deployment, inputs, dimensions, encoding))
