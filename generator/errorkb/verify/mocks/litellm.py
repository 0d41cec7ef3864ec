"""Simulator of a LiteLLM proxy (`litellm --config config.yaml`) on its default port: http://localhost:4000,
http://127.0.0.1:4000 and http://0.0.0.0:4000.

The state's `models` are the proxy's public model names (the `model_name` entries of `model_list`), its
`keys` the keys the proxy accepts (the master key and virtual keys found in its database).

Endpoints: GET /health/liveliness (no auth), GET /v1/models and /models, POST /v1/chat/completions and
/chat/completions. Auth is `Authorization: Bearer <key>`.

Formatting: FastAPI JSON (compact), content type `application/json`. Errors are the proxy's
`ProxyException` envelope {"error":{"message","type","param","code"}} in which `type` and `param` are often
the strings "None" and `code` is the status as a string. Unknown paths get FastAPI's {"detail":"Not Found"}.

Order of checks: no key (401 "No api key passed in.") -> key unknown (401 `token_not_found_in_db`, or
"LiteLLM Virtual Key expected" for a key that does not start with sk-) -> body -> model not among the
state's models (400 "Invalid model name passed in model=..."). Quota, rate limits, overload and context
windows belong to the providers behind the proxy and do not apply here.

Sources of the wordings (the bodies are copied byte for byte from these reports):
- no key: {"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None",
  "code":"401"}}, as several public test fixtures and reports record it (e.g. "Error code: 401 - {'error':
  {'message': 'Authentication Error, No api key passed in.', 'type': 'auth_error', 'param': 'None', 'code':
  '401'}}").
- unknown key: https://github.com/BerriAI/litellm/issues/24680 (type token_not_found_in_db, param key,
  "Received API Key = sk-...<last 4>, Key Hash (Token) =<sha256>").
- key without sk-: https://github.com/cline/cline/issues/1766 ("LiteLLM Virtual Key expected. Received=...,
  expected to start with 'sk-'."); current releases mask the received value (****<last 4>).
- unknown model: https://github.com/BerriAI/litellm/issues/8821 (the message is an object, a known bug) and
  litellm/proxy/route_llm_request.py (ProxyModelNotFoundError: "{route}: Invalid model name passed in
  model={model}. Call `/v1/models` to view available models for your key.").
- /v1/models list: https://github.com/BerriAI/litellm/issues/14257 (created 1677610602, owned_by "openai").
"""

from __future__ import annotations

import hashlib

from werkzeug.routing import Rule

from .common import (
    MOCK_EPOCH,
    Call,
    ProviderMock,
    Reject,
    chat_completion,
    chat_completion_chunks,
    count_tokens,
    gather_text,
    json_compact,
    openai_sse,
    positive_int,
    reply,
    respond,
)

MODELS_CREATED = 1677610602   # what the proxy reports for every model in /v1/models (litellm issue 14257)
AVAILABLE_MODELS_HINT = "Call `/v1/models` to view available models for your key."


def masked_key(key: str) -> str:
    """sk-...<last 4>, as the proxy shows a key it could not find."""
    return f"sk-...{key[-4:]}" if key.startswith("sk-") else f"****{key[-4:]}"


class LiteLLMMock(ProviderMock):
    name = "litellm"
    scheme = "http"
    hosts = ["localhost:4000", "127.0.0.1:4000", "0.0.0.0:4000"]
    default_models = ("gpt-4o", "claude-sonnet-4-5")

    def rules(self):
        return [
            Rule("/health/liveliness", methods=["GET"], endpoint="liveliness"),
            Rule("/v1/models", methods=["GET"], endpoint="list_models"),
            Rule("/models", methods=["GET"], endpoint="list_models"),
            Rule("/v1/chat/completions", methods=["POST"], endpoint="chat_completions"),
            Rule("/chat/completions", methods=["POST"], endpoint="chat_completions"),
        ]

    # -- responses -------------------------------------------------------------------------

    def respond(self, call: Call, status: int, payload) -> object:
        headers = {"x-litellm-call-id": call.ids.uuid("call-id"), "x-litellm-version": "1.77.7"}
        return respond(json_compact(payload), status, "application/json", headers)

    def error(self, call: Call, status: int, message, error_type: str = "None", param: str = "None"):
        return self.respond(call, status,
                            {"error": {"message": message, "type": error_type, "param": param, "code": str(status)}})

    def not_found(self, call):
        return respond(json_compact({"detail": "Not Found"}), 404, "application/json")

    def method_not_allowed(self, call):
        return respond(json_compact({"detail": "Method Not Allowed"}), 405, "application/json")

    # -- checks ----------------------------------------------------------------------------

    def authenticate(self, call: Call) -> str:
        key = call.bearer()
        if key is None:
            raise Reject(self.error(call, 401, "Authentication Error, No api key passed in.", "auth_error"))
        if key in call.state["keys"]:
            return key
        if not key.startswith("sk-"):
            message = (f"Authentication Error, LiteLLM Virtual Key expected. Received={masked_key(key)}, "
                       "expected to start with 'sk-'.")
            raise Reject(self.error(call, 401, message, "auth_error"))
        token = hashlib.sha256(key.encode()).hexdigest()
        message = (f"Authentication Error, Invalid proxy server token passed. Received API Key = {masked_key(key)}, "
                   f"Key Hash (Token) ={token}. Unable to find token in cache or `LiteLLM_VerificationTokenTable`")
        raise Reject(self.error(call, 401, message, "token_not_found_in_db", "key"))

    # -- endpoints -------------------------------------------------------------------------

    def liveliness(self, call):
        return respond(json_compact("I'm alive!"), 200, "application/json")

    def list_models(self, call):
        self.authenticate(call)
        data = [{"id": model, "object": "model", "created": MODELS_CREATED, "owned_by": "openai"}
                for model in call.state["models"]]
        return self.respond(call, 200, {"data": data, "object": "list"})

    def chat_completions(self, call):
        self.authenticate(call)
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            return self.error(call, 400, "Invalid JSON payload received.")
        model = body.get("model")
        if not isinstance(model, str) or model not in call.state["models"]:
            shown = model if isinstance(model, str) else "None"
            message = {"error": f"/chat/completions: Invalid model name passed in model={shown}. {AVAILABLE_MODELS_HINT}"}
            return self.error(call, 400, message)
        prompt_tokens = count_tokens(gather_text(body.get("messages")))
        max_out = positive_int(body.get("max_tokens")) or positive_int(body.get("max_completion_tokens"))
        text, completion_tokens, truncated = reply(max_out)
        common = {
            "completion_id": f"chatcmpl-{call.ids.uuid('completion')}",
            "created": MOCK_EPOCH,
            "model": model,
            "content": text,
            "finish_reason": "length" if truncated else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        if body.get("stream") is True:
            chunks = chat_completion_chunks(**common, include_usage=False)
            return respond(openai_sse(chunks), 200, "text/event-stream")
        payload = chat_completion(**common, message_extra={"tool_calls": None, "function_call": None},
                                  top_extra={"system_fingerprint": None, "object": "chat.completion"})
        return self.respond(call, 200, payload)
