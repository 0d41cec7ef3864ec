"""Tests of the provider simulators in errorkb.verify.mocks: host routing, state validation, the request log
with its redaction, and for every provider a valid answer, missing and wrong keys, unknown models and
each state flag it supports, checked byte for byte where provider-errors.md gives the real body."""

from __future__ import annotations

import base64
import json
import re
import struct

import pytest
from werkzeug.test import Client

from errorkb.verify.mocks import PROVIDERS, make_app, provider_for_host
from errorkb.verify.mocks.common import CannedError

KEY = "errorkb-test-key"
BEARER = {"Authorization": f"Bearer {KEY}"}
CHAT = {"messages": [{"role": "user", "content": "Say hello"}]}


def client(provider: str, state: dict | None = None, log: list | None = None) -> Client:
    return Client(make_app(provider, state or {}, [] if log is None else log))


def body_of(response) -> dict:
    return json.loads(response.get_data(as_text=True))


# ---------------------------------------------------------------------------------------------
# Interface


def test_providers_and_hosts():
    assert set(PROVIDERS) == {"openai", "azure-openai", "anthropic", "gemini", "mistral", "openrouter", "ollama",
                              "litellm", "langchain", "github-copilot"}
    for name, mock in PROVIDERS.items():
        assert mock.name == name
        assert mock.scheme in ("https", "http")
        assert mock.hosts
    assert PROVIDERS["ollama"].scheme == "http"
    assert PROVIDERS["ollama"].hosts == ["localhost:11434", "127.0.0.1:11434"]
    assert PROVIDERS["azure-openai"].hosts == ["*.openai.azure.com"]
    assert PROVIDERS["litellm"].scheme == "http" and "localhost:4000" in PROVIDERS["litellm"].hosts


@pytest.mark.parametrize(
    "host, scheme, expected",
    [
        ("api.openai.com", "https", "openai"),
        ("API.OpenAI.com:443", "https", "openai"),
        ("api.openai.com.", "https", "openai"),
        ("api.openai.com:8443", "https", None),
        ("api.openai.com", "http", None),
        ("my-resource.openai.azure.com", "https", "azure-openai"),
        ("a.b.openai.azure.com:443", "https", "azure-openai"),
        ("openai.azure.com", "https", None),
        (".openai.azure.com", "https", None),
        ("evil-openai.azure.com", "https", None),
        ("api.anthropic.com", "https", "anthropic"),
        ("localhost:4000", "http", "litellm"),
        ("localhost:4000", "https", None),
        ("api.smith.langchain.com", "https", "langchain"),
        ("generativelanguage.googleapis.com", "https", "gemini"),
        ("api.mistral.ai", "https", "mistral"),
        ("openrouter.ai", "https", "openrouter"),
        ("localhost:11434", "http", "ollama"),
        ("127.0.0.1:11434", "http", "ollama"),
        ("localhost", "http", None),
        ("localhost:11434", "https", None),
        ("example.com", "https", None),
        ("api.openai.com", "ftp", None),
    ],
)
def test_provider_for_host(host, scheme, expected):
    assert provider_for_host(host, scheme) == expected


def test_make_app_rejects_unknown_provider_and_state():
    with pytest.raises(ValueError, match="unknown provider"):
        make_app("cohere", {}, [])
    with pytest.raises(ValueError, match="unknown mock state key"):
        make_app("openai", {"keyz": []}, [])
    for bad in ({"quota": "empty"}, {"rate_limit": True}, {"keys": "k"}, {"overloaded": "yes"}, {"context_window": 0}):
        with pytest.raises(ValueError):
            make_app("openai", bad, [])


def test_app_works_on_its_own_copy_of_the_state():
    state = {"models": ["llama3.2:latest"]}
    app = client("ollama", state)
    assert app.post("/api/pull", json={"model": "mistral", "stream": False}).status_code == 200
    assert state == {"models": ["llama3.2:latest"]}
    names = [m["name"] for m in body_of(app.get("/api/tags"))["models"]]
    assert names == ["llama3.2:latest", "mistral:latest"]


def test_log_records_requests_with_secrets_redacted():
    log: list = []
    app = client("gemini", {}, log)
    response = app.post(
        "/v1beta/models/gemini-2.5-flash:generateContent?alt=json&key=AIzaSecret123",
        json={"contents": [{"parts": [{"text": "hi"}]}]},
        headers={"x-goog-api-key": "AIzaOther", "User-Agent": "curl/7.88.1"},
    )
    assert response.status_code == 400
    entry = log[-1]
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1beta/models/gemini-2.5-flash:generateContent?alt=json&key=<redacted len=13>"
    assert entry["headers"]["x-goog-api-key"] == "<redacted len=9>"
    assert entry["headers"]["user-agent"] == "curl/7.88.1"
    assert json.loads(entry["body"]) == {"contents": [{"parts": [{"text": "hi"}]}]}
    assert entry["status"] == 400
    assert "Secret" not in json.dumps(log) and "AIzaOther" not in json.dumps(log)


@pytest.mark.parametrize(
    "provider, path, headers",
    [
        ("openai", "/v1/models", {"Authorization": "Bearer sk-secret-value-1234"}),
        ("azure-openai", "/openai/models?api-version=2024-10-21", {"api-key": "sk-secret-value-1234"}),
        ("anthropic", "/v1/models", {"x-api-key": "sk-secret-value-1234", "anthropic-version": "2023-06-01"}),
        ("mistral", "/v1/models", {"Authorization": "Bearer sk-secret-value-1234"}),
        ("openrouter", "/api/v1/key", {"Authorization": "Bearer sk-secret-value-1234"}),
    ],
)
def test_log_redacts_key_headers(provider, path, headers):
    log: list = []
    client(provider, {}, log).get(path, headers=headers)
    (entry,) = log
    assert "sk-secret-value-1234" not in json.dumps(entry)
    name = next(iter(headers)).lower()
    assert entry["headers"][name] == f"<redacted len={len(headers[next(iter(headers))])}>"
    assert entry["status"] == 401


def test_state_keys_replace_the_default_key():
    app = client("openai", {"keys": ["sk-scenario-key-0001"]})
    assert app.get("/v1/models", headers={"Authorization": "Bearer sk-scenario-key-0001"}).status_code == 200
    assert app.get("/v1/models", headers=BEARER).status_code == 401


def test_log_truncates_body():
    log: list = []
    client("ollama", {}, log).post("/api/generate", json={"model": "llama3.2", "prompt": "x" * 5000, "stream": False})
    assert len(log[0]["body"]) == 2000


def test_output_is_deterministic():
    def run():
        app = client("openai")
        response = app.post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT})
        return response.get_data(), response.headers["x-request-id"]

    assert run() == run()


# ---------------------------------------------------------------------------------------------
# OpenAI

OPENAI_MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth "
    "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the "
    "API from your browser and are prompted for a username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


def openai_error_body(message, type_="invalid_request_error", param=None, code=None) -> str:
    """The real API's error rendering: 4-space indent and a trailing newline."""
    return json.dumps({"error": {"message": message, "type": type_, "param": param, "code": code}}, indent=4) + "\n"


def test_openai_missing_key():
    response = client("openai").post("/v1/chat/completions", json={"model": "gpt-4o", **CHAT})
    assert response.status_code == 401
    assert response.get_data(as_text=True) == openai_error_body(OPENAI_MISSING_KEY)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])


@pytest.mark.parametrize(
    "key, shown",
    [
        ("sk-proj-abcdefghijklmnopqrstuvwxyz1234", "sk-proj-" + "*" * 26 + "1234"),
        ("your-openai-api-key", "your-ope*******-key"),
        ("sk-abcd", "sk-abcd"),
    ],
)
def test_openai_wrong_key_is_masked(key, shown):
    response = client("openai").get("/v1/models", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
    message = f"Incorrect API key provided: {shown}. You can find your API key at https://platform.openai.com/account/api-keys."
    assert response.get_data(as_text=True) == openai_error_body(message, code="invalid_api_key")


def test_openai_basic_auth_password_is_the_key():
    token = base64.b64encode(f":{KEY}".encode()).decode()
    assert client("openai").get("/v1/models", headers={"Authorization": f"Basic {token}"}).status_code == 200


def test_openai_models():
    app = client("openai")
    listing = body_of(app.get("/v1/models", headers=BEARER))
    assert listing["object"] == "list"
    assert [m["id"] for m in listing["data"]][:2] == ["gpt-4o", "gpt-4o-mini"]
    assert body_of(app.get("/v1/models/o3-mini", headers=BEARER))["id"] == "o3-mini"
    missing = app.get("/v1/models/gpt-5", headers=BEARER)
    assert missing.status_code == 404
    assert body_of(missing)["error"]["code"] == "model_not_found"


def test_openai_chat_completion():
    response = client("openai").post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-ratelimit-limit-requests"]
    body = body_of(response)
    assert body["object"] == "chat.completion"
    assert body["model"].startswith("gpt-4o")
    assert body["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Hello! How can I help you today?",
        "refusal": None,
        "annotations": [],
    }
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["prompt_tokens"] == 3  # ceil(len("Say hello") / 4)
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]


def test_openai_chat_stream_and_truncation():
    app = client("openai")
    stream = app.post(
        "/v1/chat/completions",
        headers=BEARER,
        json={"model": "gpt-4o-mini", **CHAT, "stream": True, "stream_options": {"include_usage": True}},
    )
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    lines = [line for line in stream.get_data(as_text=True).split("\n\n") if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[len("data: ") :]) for line in lines[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == "Hello! How can I help you today?"
    assert chunks[-1]["usage"]["completion_tokens"] == 8
    short = body_of(app.post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT, "max_tokens": 2}))
    assert short["choices"][0]["finish_reason"] == "length"
    assert short["usage"]["completion_tokens"] == 2


def test_openai_responses_api():
    app = client("openai")
    body = body_of(app.post("/v1/responses", headers=BEARER, json={"model": "gpt-4.1", "input": "Say hello"}))
    assert body["object"] == "response"
    assert body["status"] == "completed"
    assert body["output"][0]["content"][0]["text"] == "Hello! How can I help you today?"
    assert body["usage"]["input_tokens"] == 3
    events = app.post("/v1/responses", headers=BEARER, json={"model": "gpt-4.1", "input": "hi", "stream": True})
    names = re.findall(r"^event: (\S+)$", events.get_data(as_text=True), re.M)
    assert names[0] == "response.created" and names[-1] == "response.completed"
    unknown = app.post("/v1/responses", headers=BEARER, json={"model": "gpt-4.1", "input": "hi", "max_tokens": 5})
    assert body_of(unknown)["error"]["code"] == "unknown_parameter"


def test_openai_embeddings():
    app = client("openai")
    request = {"model": "text-embedding-3-small", "input": ["one", "two"]}
    first = body_of(app.post("/v1/embeddings", headers=BEARER, json=request))
    second = body_of(client("openai").post("/v1/embeddings", headers=BEARER, json=request))
    assert first["data"] == second["data"]
    assert [d["index"] for d in first["data"]] == [0, 1]
    assert len(first["data"][0]["embedding"]) == 8
    assert first["usage"] == {"prompt_tokens": 2, "total_tokens": 2}
    encoded = body_of(app.post("/v1/embeddings", headers=BEARER, json={**request, "encoding_format": "base64", "dimensions": 4}))
    floats = struct.unpack("<4f", base64.b64decode(encoded["data"][0]["embedding"]))
    assert len(floats) == 4
    chat_model = app.post("/v1/embeddings", headers=BEARER, json={"model": "gpt-4o", "input": "x"})
    assert chat_model.status_code == 400


def test_openai_unknown_model():
    response = client("openai").post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-5", **CHAT})
    assert response.status_code == 404
    message = "The model `gpt-5` does not exist or you do not have access to it."
    assert response.get_data(as_text=True) == openai_error_body(message, code="model_not_found")


def test_openai_quota_exhausted():
    response = client("openai", {"quota": "exhausted"}).post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT})
    assert response.status_code == 429
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more information on this "
        "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
    )
    assert response.get_data(as_text=True) == openai_error_body(message, "insufficient_quota", code="insufficient_quota")


def test_openai_rate_limit_tokens():
    response = client("openai", {"rate_limit": "tokens"}).post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT})
    assert response.status_code == 429
    error = body_of(response)["error"]
    assert (error["type"], error["code"], error["param"]) == ("tokens", "rate_limit_exceeded", None)
    assert re.fullmatch(
        r"Rate limit reached for gpt-4o in organization org-\w{24} on tokens per min \(TPM\): Limit 30000, Used 29937, "
        r"Requested 3\. Please try again in 644ms\. Visit https://platform\.openai\.com/account/rate-limits to learn more\.",
        error["message"],
    )
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-ratelimit-remaining-tokens"] == "63"
    assert response.headers["x-ratelimit-reset-tokens"] == "644ms"
    for name in ("limit", "remaining", "reset"):
        assert response.headers[f"x-ratelimit-{name}-requests"]


def test_openai_rate_limit_requests():
    response = client("openai", {"rate_limit": "requests"}).post("/v1/embeddings", headers=BEARER, json={"model": "text-embedding-3-small", "input": "x"})
    assert response.status_code == 429
    error = body_of(response)["error"]
    assert error["type"] == "requests"
    assert "on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s." in error["message"]
    assert response.headers["retry-after"] == "20"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"


def test_openai_overloaded():
    response = client("openai", {"overloaded": True}).post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT})
    assert response.status_code == 503
    error = body_of(response)["error"]
    request_hex = response.headers["x-request-id"][len("req_") :]
    assert error["type"] == "server_error"
    assert error["message"] == (
        "That model is currently overloaded with other requests. You can retry your request, or contact us through "
        "our help center at help.openai.com if the error persists. (Please include the request ID "
        f"{request_hex} in your message.)"
    )
    assert client("openai", {"overloaded": True}).get("/v1/models", headers=BEARER).status_code == 200


def test_openai_context_length():
    app = client("openai", {"context_window": 100})
    long = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 800}]}
    error = body_of(app.post("/v1/chat/completions", headers=BEARER, json=long))["error"]
    assert error == {
        "message": "This model's maximum context length is 100 tokens. However, your messages resulted in 200 tokens. "
        "Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
    with_completion = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 200}], "max_tokens": 60}
    message = body_of(app.post("/v1/chat/completions", headers=BEARER, json=with_completion))["error"]["message"]
    assert "However, you requested 110 tokens (50 in the messages, 60 in the completion)." in message
    responses = app.post("/v1/responses", headers=BEARER, json={"model": "gpt-4o", "input": "x" * 800})
    assert body_of(responses)["error"] == {
        "message": "Your input exceeds the context window of this model. Please adjust your input and try again.",
        "type": "invalid_request_error",
        "param": "input",
        "code": "context_length_exceeded",
    }
    default_window = client("openai").post("/v1/embeddings", headers=BEARER, json={"model": "text-embedding-3-small", "input": "x" * 40000})
    assert "maximum context length is 8191 tokens, however you requested 10000 tokens" in body_of(default_window)["error"]["message"]


def test_openai_max_tokens_on_reasoning_model():
    response = client("openai").post("/v1/chat/completions", headers=BEARER, json={"model": "o3-mini", **CHAT, "max_tokens": 100})
    assert response.status_code == 400
    message = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    assert response.get_data(as_text=True) == openai_error_body(message, param="max_tokens", code="unsupported_parameter")
    ok = client("openai").post("/v1/chat/completions", headers=BEARER, json={"model": "o3-mini", **CHAT, "max_completion_tokens": 100})
    assert ok.status_code == 200


def test_openai_bad_requests():
    app = client("openai")
    bad_json = app.post("/v1/chat/completions", headers=BEARER, data="{not json", content_type="application/json")
    assert bad_json.status_code == 400
    assert body_of(bad_json)["error"]["message"].startswith("We could not parse the JSON body of your request.")
    unknown = app.post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o", **CHAT, "foo": 1})
    assert body_of(unknown)["error"]["message"] == "Unrecognized request argument supplied: foo"
    no_model = app.post("/v1/chat/completions", headers=BEARER, json=CHAT)
    assert body_of(no_model)["error"]["message"] == "you must provide a model parameter"
    no_messages = app.post("/v1/chat/completions", headers=BEARER, json={"model": "gpt-4o"})
    assert body_of(no_messages)["error"]["code"] == "missing_required_parameter"
    not_chat = app.post("/v1/chat/completions", headers=BEARER, json={"model": "text-embedding-3-small", **CHAT})
    assert not_chat.status_code == 404
    assert body_of(not_chat)["error"]["message"].startswith("This is not a chat model")


def test_openai_unknown_path_and_method():
    app = client("openai")
    wrong_path = app.post("/v1/chat/completion", headers=BEARER, json={})
    assert wrong_path.status_code == 404
    assert wrong_path.get_data(as_text=True) == openai_error_body("Invalid URL (POST /v1/chat/completion)")
    wrong_method = app.get("/v1/chat/completions", headers=BEARER)
    assert wrong_method.status_code == 405
    assert body_of(wrong_method)["error"]["message"] == "Invalid method for URL (GET /v1/chat/completions)"


# ---------------------------------------------------------------------------------------------
# Azure OpenAI

AZURE = "https://my-resource.openai.azure.com"
AZURE_CHAT = f"{AZURE}/openai/deployments/gpt-4o/chat/completions?api-version=2024-08-01-preview"
AZURE_KEY = {"api-key": KEY}
AZURE_401 = (
    '{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make '
    "sure to provide a valid key for an active subscription and use a correct regional API endpoint for your "
    'resource."}}'
)


def test_azure_chat_completion():
    for headers in (AZURE_KEY, BEARER):
        response = client("azure-openai").post(AZURE_CHAT, headers=headers, json=CHAT)
        assert response.status_code == 200
        body = body_of(response)
        assert body["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
        assert body["prompt_filter_results"][0]["content_filter_results"]["hate"] == {"filtered": False, "severity": "safe"}
        assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["apim-request-id"])


def test_azure_missing_and_wrong_key():
    app = client("azure-openai")
    for headers in ({}, {"api-key": "0123456789abcdef"}, {"Authorization": "Bearer nope"}):
        response = app.post(AZURE_CHAT, headers=headers, json=CHAT)
        assert response.status_code == 401
        assert response.get_data(as_text=True) == AZURE_401


def test_azure_deployment_and_path_errors():
    app = client("azure-openai")
    missing = app.post(AZURE_CHAT.replace("gpt-4o", "gpt-35-turbo"), headers=AZURE_KEY, json=CHAT)
    assert missing.status_code == 404
    assert missing.get_data(as_text=True) == (
        '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you '
        'created the deployment within the last 5 minutes, please wait a moment and try again."}}'
    )
    no_version = app.post(AZURE_CHAT.split("?")[0], headers=AZURE_KEY, json=CHAT)
    assert no_version.status_code == 404
    assert no_version.get_data(as_text=True) == '{"error":{"code":"404","message":"Resource not found"}}'
    assert app.post(f"{AZURE}/openai/chat?api-version=2024-10-21", headers=AZURE_KEY, json=CHAT).status_code == 404


def test_azure_rate_limit():
    response = client("azure-openai", {"rate_limit": "tokens"}).post(AZURE_CHAT, headers=AZURE_KEY, json=CHAT)
    assert response.status_code == 429
    assert response.get_data(as_text=True) == (
        '{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API '
        "version 2024-08-01-preview have exceeded token rate limit of your current OpenAI S0 pricing tier. Please "
        "retry after 86400 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further "
        'increase the default rate limit."}}'
    )
    assert response.headers["retry-after"] == "86400"
    calls = client("azure-openai", {"rate_limit": "requests"}).post(
        f"{AZURE}/openai/deployments/gpt-4o/embeddings?api-version=2024-10-21", headers=AZURE_KEY, json={"input": "x"}
    )
    assert "Embeddings_Create Operation" in body_of(calls)["error"]["message"]
    assert "exceeded call rate limit" in body_of(calls)["error"]["message"]


def test_azure_ignores_quota_and_overloaded():
    response = client("azure-openai", {"quota": "exhausted", "overloaded": True}).post(AZURE_CHAT, headers=AZURE_KEY, json=CHAT)
    assert response.status_code == 200


def test_azure_context_embeddings_and_models():
    app = client("azure-openai", {"context_window": 10, "models": ["gpt-4o", "text-embedding-3-small"]})
    long = app.post(AZURE_CHAT, headers=AZURE_KEY, json={"messages": [{"role": "user", "content": "x" * 100}]})
    assert body_of(long)["error"]["code"] == "context_length_exceeded"
    embed_url = f"{AZURE}/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21"
    embedded = body_of(app.post(embed_url, headers=AZURE_KEY, json={"input": "hello"}))
    assert len(embedded["data"][0]["embedding"]) == 8
    models = body_of(app.get(f"{AZURE}/openai/models?api-version=2024-10-21", headers=AZURE_KEY))
    assert [m["id"] for m in models["data"]] == ["gpt-4o", "text-embedding-3-small"]


# ---------------------------------------------------------------------------------------------
# Anthropic

ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
MESSAGE = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "Say hello"}]}


def anthropic_error(type_, message) -> str:
    return json.dumps({"type": "error", "error": {"type": type_, "message": message}}, separators=(",", ":"))


def test_anthropic_message():
    response = client("anthropic").post("/v1/messages", headers=ANTHROPIC, json=MESSAGE)
    assert response.status_code == 200
    assert re.fullmatch(r"req_011C[1-9A-HJ-NP-Za-km-z]{20}", response.headers["request-id"])
    assert response.headers["server"] == "cloudflare"
    assert re.fullmatch(r"[0-9a-f]{16}-[A-Z]{3}", response.headers["cf-ray"])
    text = response.get_data(as_text=True)
    assert ", " not in text and '": ' not in text  # compact JSON
    body = json.loads(text)
    assert body["type"] == "message"
    assert body["model"] == "claude-sonnet-4-5-20250929"
    assert body["content"] == [{"type": "text", "text": "Hello! How can I help you today?"}]
    assert body["stop_reason"] == "end_turn"
    assert body["usage"]["input_tokens"] == 3 and body["usage"]["output_tokens"] == 8


def test_anthropic_stream():
    response = client("anthropic").post("/v1/messages", headers=ANTHROPIC, json={**MESSAGE, "stream": True})
    names = re.findall(r"^event: (\S+)$", response.get_data(as_text=True), re.M)
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]


def test_anthropic_missing_and_wrong_key():
    app = client("anthropic")
    missing = app.post("/v1/messages", headers={"anthropic-version": "2023-06-01"}, json=MESSAGE)
    assert missing.status_code == 401
    assert missing.get_data(as_text=True) == anthropic_error("authentication_error", "x-api-key header is required")
    wrong = app.post("/v1/messages", headers={**ANTHROPIC, "x-api-key": "sk-ant-api03-wrong"}, json=MESSAGE)
    assert wrong.status_code == 401
    assert wrong.get_data(as_text=True) == '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
    bearer = app.post("/v1/messages", headers={"Authorization": "Bearer sk-ant-api03-wrong", "anthropic-version": "2023-06-01"}, json=MESSAGE)
    assert body_of(bearer)["error"]["message"] == "invalid x-api-key"
    oauth = app.post("/v1/messages", headers={"Authorization": "Bearer sk-ant-oat01-wrong", "anthropic-version": "2023-06-01"}, json=MESSAGE)
    assert body_of(oauth)["error"]["message"] == "Invalid bearer token"
    assert app.post("/v1/messages", headers={**BEARER, "anthropic-version": "2023-06-01"}, json=MESSAGE).status_code == 200
    no_version = app.post("/v1/messages", headers={"x-api-key": KEY}, json=MESSAGE)
    assert no_version.status_code == 400
    assert no_version.get_data(as_text=True) == anthropic_error("invalid_request_error", "anthropic-version: header is required")


def test_anthropic_unknown_model():
    app = client("anthropic")
    response = app.post("/v1/messages", headers=ANTHROPIC, json={**MESSAGE, "model": "claude-3-5-sonnet-20241022"})
    assert response.status_code == 404
    assert response.get_data(as_text=True) == anthropic_error("not_found_error", "model: claude-3-5-sonnet-20241022")
    assert app.get("/v1/models/claude-2", headers=ANTHROPIC).status_code == 404
    dated = app.post("/v1/messages", headers=ANTHROPIC, json={**MESSAGE, "model": "claude-haiku-4-5-20251001"})
    assert dated.status_code == 200  # the alias in the state covers the dated id


def test_anthropic_credit_balance():
    response = client("anthropic", {"quota": "exhausted"}).post("/v1/messages", headers=ANTHROPIC, json=MESSAGE)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == anthropic_error(
        "invalid_request_error",
        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
    )


@pytest.mark.parametrize("kind, limit", [("tokens", "40,000 input tokens"), ("requests", "50 requests")])
def test_anthropic_rate_limit(kind, limit):
    response = client("anthropic", {"rate_limit": kind}).post("/v1/messages", headers=ANTHROPIC, json=MESSAGE)
    assert response.status_code == 429
    error = body_of(response)["error"]
    assert error["type"] == "rate_limit_error"
    assert re.fullmatch(
        rf"This request would exceed the rate limit for your organization \([0-9a-f-]{{36}}\) of {limit} per minute\. "
        r"For details, refer to: https://docs\.anthropic\.com/en/api/rate-limits\. .*rate limit increase\.",
        error["message"],
    )
    assert int(response.headers["retry-after"]) > 0
    remaining = "requests" if kind == "requests" else "input-tokens"
    assert response.headers[f"anthropic-ratelimit-{remaining}-remaining"] == "0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", response.headers["anthropic-ratelimit-requests-reset"])


def test_anthropic_overloaded():
    app = client("anthropic", {"overloaded": True})
    response = app.post("/v1/messages", headers=ANTHROPIC, json=MESSAGE)
    assert response.status_code == 529
    assert response.get_data() == b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    assert len(response.get_data()) == 75
    assert response.headers["Content-Length"] == "75"
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-should-retry"] == "true"
    assert response.headers["request-id"].startswith("req_")
    streamed = app.post("/v1/messages", headers=ANTHROPIC, json={**MESSAGE, "stream": True})
    assert streamed.status_code == 200
    assert streamed.get_data(as_text=True) == (
        'event: error\ndata: {"type":"error","error":{"details":null,"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )


def test_anthropic_context_and_max_tokens():
    app = client("anthropic", {"context_window": 1000})
    long = {**MESSAGE, "messages": [{"role": "user", "content": "x" * 8000}]}
    too_long = app.post("/v1/messages", headers=ANTHROPIC, json=long)
    assert too_long.get_data(as_text=True) == anthropic_error("invalid_request_error", "prompt is too long: 2000 tokens > 1000 maximum")
    both = app.post("/v1/messages", headers=ANTHROPIC, json={**MESSAGE, "max_tokens": 999})
    assert body_of(both)["error"]["message"] == (
        "input length and `max_tokens` exceed context limit: 3 + 999 > 1000, decrease input length or `max_tokens` "
        "and try again"
    )
    over_output = client("anthropic").post("/v1/messages", headers=ANTHROPIC, json={**MESSAGE, "max_tokens": 100000})
    assert body_of(over_output)["error"]["message"] == (
        "max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5-20250929"
    )
    missing = app.post("/v1/messages", headers=ANTHROPIC, json={"model": "claude-sonnet-4-5", "messages": MESSAGE["messages"]})
    assert body_of(missing)["error"]["message"] == "max_tokens: Field required"


def test_anthropic_models_and_count_tokens():
    app = client("anthropic")
    listing = body_of(app.get("/v1/models", headers=ANTHROPIC))
    assert [m["id"] for m in listing["data"]] == [
        "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5-20251001",
        "claude-opus-4-1-20250805",
    ]
    assert listing["has_more"] is False
    assert body_of(app.get("/v1/models/claude-opus-4-1", headers=ANTHROPIC))["display_name"] == "Claude Opus 4.1"
    counted = app.post("/v1/messages/count_tokens", headers=ANTHROPIC, json={"model": "claude-sonnet-4-5", "messages": MESSAGE["messages"]})
    assert body_of(counted) == {"input_tokens": 3}
    assert app.get("/v1/nothing", headers=ANTHROPIC).get_data(as_text=True) == anthropic_error("not_found_error", "Not Found")


# ---------------------------------------------------------------------------------------------
# Gemini

GEMINI = "/v1beta/models/gemini-2.5-flash"
GEMINI_KEY = {"x-goog-api-key": KEY}
CONTENTS = {"contents": [{"role": "user", "parts": [{"text": "Say hello"}]}]}


def gemini_key_error(message: str) -> dict:
    return {
        "error": {
            "code": 400,
            "message": message,
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                },
                {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
            ],
        }
    }


def test_gemini_generate_content():
    app = client("gemini")
    for response in (
        app.post(f"{GEMINI}:generateContent?key={KEY}", json=CONTENTS),
        app.post(f"{GEMINI}:generateContent", headers=GEMINI_KEY, json=CONTENTS),
    ):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
        body = body_of(response)
        assert body["candidates"][0]["content"] == {"parts": [{"text": "Hello! How can I help you today?"}], "role": "model"}
        assert body["candidates"][0]["finishReason"] == "STOP"
        assert body["usageMetadata"]["promptTokenCount"] == 3
        assert body["usageMetadata"]["totalTokenCount"] == 11
        assert body["modelVersion"] == "gemini-2.5-flash"


def test_gemini_stream_count_and_embed():
    app = client("gemini", {"models": ["gemini-2.5-flash", "gemini-embedding-001"]})
    sse_body = app.post(f"{GEMINI}:streamGenerateContent?alt=sse&key={KEY}", json=CONTENTS).get_data(as_text=True)
    events = [json.loads(part[len("data: ") :]) for part in sse_body.split("\r\n\r\n") if part]
    assert "".join(e["candidates"][0]["content"]["parts"][0]["text"] for e in events) == "Hello! How can I help you today?"
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
    array = body_of(app.post(f"{GEMINI}:streamGenerateContent?key={KEY}", json=CONTENTS))
    assert len(array) == len(events)
    assert body_of(app.post(f"{GEMINI}:countTokens?key={KEY}", json=CONTENTS))["totalTokens"] == 3
    embedded = body_of(app.post(f"/v1beta/models/gemini-embedding-001:embedContent?key={KEY}", json={"content": {"parts": [{"text": "hi"}]}}))
    assert len(embedded["embedding"]["values"]) == 8
    not_embedder = app.post(f"{GEMINI}:embedContent?key={KEY}", json={"content": {"parts": [{"text": "hi"}]}})
    assert not_embedder.status_code == 404
    assert "is not supported for embedContent" in body_of(not_embedder)["error"]["message"]


def test_gemini_missing_and_wrong_key():
    app = client("gemini")
    missing = app.post(f"{GEMINI}:generateContent", json=CONTENTS)
    assert missing.status_code == 400
    assert body_of(missing) == gemini_key_error("API Key not found. Please pass a valid API key.")
    wrong = app.post(f"{GEMINI}:generateContent?key=AIzaSyWrongKey", json=CONTENTS)
    assert wrong.status_code == 400
    expected = gemini_key_error("API key not valid. Please pass a valid API key.")
    assert wrong.get_data(as_text=True) == json.dumps(expected, indent=2) + "\n"


def test_gemini_unknown_model():
    app = client("gemini")
    for version in ("v1beta", "v1"):
        response = app.post(f"/{version}/models/gemini-pro:generateContent?key={KEY}", json=CONTENTS)
        assert response.status_code == 404
        assert body_of(response) == {
            "error": {
                "code": 404,
                "message": f"models/gemini-pro is not found for API version {version}, or is not supported for "
                "generateContent. Call ListModels to see the list of available models and their supported methods.",
                "status": "NOT_FOUND",
            }
        }


def test_gemini_quota_and_rate_limit():
    quota = client("gemini", {"quota": "exhausted"}).post(f"/v1beta/models/gemini-2.0-flash:generateContent?key={KEY}", json=CONTENTS)
    assert quota.status_code == 429
    error = body_of(quota)["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["message"].startswith(
        "You exceeded your current quota, please check your plan and billing details. For more information on this "
        "error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: "
        "https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/"
    )
    assert "limit: 0, model: gemini-2.0-flash\n" in error["message"]
    assert error["message"].endswith("\nPlease retry in 7.967587226s.")
    types = [detail["@type"].rsplit(".", 1)[-1] for detail in error["details"]]
    assert types == ["Help", "QuotaFailure", "RetryInfo"]
    assert error["details"][2]["retryDelay"] == "7s"
    assert error["details"][1]["violations"][1]["quotaId"] == "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
    rate = body_of(client("gemini", {"rate_limit": "requests"}).post(f"{GEMINI}:generateContent?key={KEY}", json=CONTENTS))
    assert "generate_content_free_tier_requests, limit: 10, model: gemini-2.5-flash" in rate["error"]["message"]
    tokens = body_of(client("gemini", {"rate_limit": "tokens"}).post(f"{GEMINI}:generateContent?key={KEY}", json=CONTENTS))
    assert "input_token_count, limit: 250000" in tokens["error"]["message"]


def test_gemini_overloaded_and_context():
    over = client("gemini", {"overloaded": True}).post(f"{GEMINI}:generateContent?key={KEY}", json=CONTENTS)
    assert over.status_code == 503
    assert body_of(over) == {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}
    long = {"contents": [{"parts": [{"text": "x" * 400}]}]}
    response = client("gemini", {"context_window": 50}).post(f"{GEMINI}:generateContent?key={KEY}", json=long)
    assert response.status_code == 400
    assert body_of(response)["error"]["message"] == "The input token count (100) exceeds the maximum number of tokens allowed (50)."


def test_gemini_models_and_bad_requests():
    app = client("gemini")
    listing = body_of(app.get(f"/v1beta/models?key={KEY}"))
    assert [m["name"] for m in listing["models"]][:3] == ["models/gemini-3.8-flash", "models/gemini-3.7-flash",
                                                          "models/gemini-3.6-flash"]
    assert "models/gemini-2.5-flash" in [m["name"] for m in listing["models"]]
    assert body_of(app.get(f"{GEMINI}?key={KEY}"))["displayName"] == "Gemini 2.5 Flash"
    unknown_field = body_of(app.post(f"{GEMINI}:generateContent?key={KEY}", json={**CONTENTS, "prompt": "hi"}))
    assert unknown_field["error"]["message"] == 'Invalid JSON payload received. Unknown name "prompt": Cannot find field.'
    no_contents = body_of(app.post(f"{GEMINI}:generateContent?key={KEY}", json={}))
    assert no_contents["error"]["message"] == "* GenerateContentRequest.contents: contents is not specified\n"
    page = app.get("/v1beta/nothing")
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<code>/v1beta/nothing</code> was not found on this server." in page.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Mistral

MISTRAL_CHAT = {"model": "mistral-small-latest", **CHAT}


def test_mistral_chat_and_models():
    app = client("mistral", {"models": ["mistral-small-latest", "mistral-embed"]})
    response = app.post("/v1/chat/completions", headers=BEARER, json=MISTRAL_CHAT)
    assert response.status_code == 200
    body = body_of(response)
    assert body["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
    assert body["usage"]["prompt_tokens"] == 3
    assert response.headers["x-ratelimitbysize-limit-minute"]
    assert [m["id"] for m in body_of(app.get("/v1/models", headers=BEARER))["data"]] == ["mistral-small-latest", "mistral-embed"]
    embedded = body_of(app.post("/v1/embeddings", headers=BEARER, json={"model": "mistral-embed", "input": ["a"]}))
    assert len(embedded["data"][0]["embedding"]) == 8


def test_mistral_keys_and_model():
    app = client("mistral")
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = app.post("/v1/chat/completions", headers=headers, json=MISTRAL_CHAT)
        assert response.status_code == 401
        assert response.get_data(as_text=True) == '{"detail":"Unauthorized"}'
    unknown = app.post("/v1/chat/completions", headers=BEARER, json={**MISTRAL_CHAT, "model": "mistral-huge"})
    assert unknown.status_code == 400
    assert unknown.get_data(as_text=True) == (
        '{"object":"error","message":"Invalid model: mistral-huge","type":"invalid_model","param":null,"code":"1500"}'
    )
    missing = app.post("/v1/chat/completions", headers=BEARER, json={"model": "mistral-small-latest"})
    assert missing.status_code == 422
    assert body_of(missing)["message"]["detail"][0]["loc"] == ["body", "messages"]


@pytest.mark.parametrize("state", [{"rate_limit": "requests"}, {"rate_limit": "tokens"}, {"quota": "exhausted"}])
def test_mistral_rate_limit_and_quota(state):
    response = client("mistral", state).post("/v1/chat/completions", headers=BEARER, json=MISTRAL_CHAT)
    assert response.status_code == 429
    assert response.get_data(as_text=True) == (
        '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}'
    )
    assert response.headers["retry-after"]


def test_mistral_context():
    long = {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "x" * 400}]}
    response = client("mistral", {"context_window": 10}).post("/v1/chat/completions", headers=BEARER, json=long)
    assert response.status_code == 400
    assert "Prompt contains 100 tokens" in body_of(response)["message"]


# ---------------------------------------------------------------------------------------------
# OpenRouter

OPENROUTER = "/api/v1/chat/completions"
OPENROUTER_CHAT = {"model": "openai/gpt-4o", **CHAT}


def test_openrouter_chat_models_and_key():
    app = client("openrouter")
    body = body_of(app.post(OPENROUTER, headers=BEARER, json=OPENROUTER_CHAT))
    assert body["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
    assert body["provider"] == "OpenAI"
    assert re.fullmatch(r"gen-\d{10}-\w{20}", body["id"])
    models = body_of(app.get("/api/v1/models"))  # public: no key needed
    assert [m["id"] for m in models["data"]] == ["openai/gpt-4o", "anthropic/claude-sonnet-4.5"]
    assert body_of(app.get("/api/v1/key", headers=BEARER))["data"]["limit_remaining"] is None
    stream = app.post(OPENROUTER, headers=BEARER, json={**OPENROUTER_CHAT, "stream": True}).get_data(as_text=True)
    assert stream.startswith(": OPENROUTER PROCESSING\n\n") and stream.endswith("data: [DONE]\n\n")


def test_openrouter_missing_and_wrong_key():
    app = client("openrouter")
    missing = app.post(OPENROUTER, json=OPENROUTER_CHAT)
    assert missing.status_code == 401
    assert missing.get_data(as_text=True) == '{"error":{"message":"No auth credentials found","code":401}}'
    wrong = app.post(OPENROUTER, headers={"Authorization": "Bearer sk-or-v1-0000"}, json=OPENROUTER_CHAT)
    assert wrong.status_code == 401
    assert wrong.get_data(as_text=True) == '{"error":{"message":"User not found.","code":401}}'


def test_openrouter_unknown_model():
    response = client("openrouter").post(OPENROUTER, headers=BEARER, json={**OPENROUTER_CHAT, "model": "openai/gpt-99"})
    assert response.status_code == 400
    assert response.get_data(as_text=True) == '{"error":{"message":"openai/gpt-99 is not a valid model ID","code":400}}'


def test_openrouter_credits_rate_limit_and_context():
    credits = client("openrouter", {"quota": "exhausted"}).post(OPENROUTER, headers=BEARER, json=OPENROUTER_CHAT)
    assert credits.status_code == 402
    assert credits.get_data(as_text=True) == (
        '{"error":{"message":"Insufficient credits. This account never purchased credits. Make sure your key is on the '
        'correct account or org, and if so, purchase more at https://openrouter.ai/settings/credits","code":402}}'
    )
    limited = client("openrouter", {"rate_limit": "requests"}).post(OPENROUTER, headers=BEARER, json=OPENROUTER_CHAT)
    assert limited.status_code == 429
    assert body_of(limited)["error"]["code"] == 429
    assert limited.headers["retry-after"] == "60"
    long = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "x" * 400}]}
    context = client("openrouter", {"context_window": 32}).post(OPENROUTER, headers=BEARER, json=long)
    assert body_of(context)["error"]["message"] == (
        "This endpoint's maximum context length is 32 tokens. However, you requested about 100 tokens (100 of text "
        'input). Please reduce the length of either one, or use the "middle-out" transform to compress your prompt '
        "automatically."
    )


# ---------------------------------------------------------------------------------------------
# Ollama

OLLAMA = "http://localhost:11434"


def ndjson(response) -> list[dict]:
    assert response.headers["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_ollama_basics():
    app = client("ollama")
    root = app.get(f"{OLLAMA}/")
    assert (root.status_code, root.get_data(as_text=True)) == (200, "Ollama is running")
    assert body_of(app.get(f"{OLLAMA}/api/version"))["version"]
    tags = body_of(app.get(f"{OLLAMA}/api/tags"))
    assert tags["models"][0]["name"] == "llama3.2:latest"
    assert tags["models"][0]["details"]["family"] == "llama"
    shown = body_of(app.post(f"{OLLAMA}/api/show", json={"model": "llama3.2"}))
    assert shown["details"]["parameter_size"] == "3.2B"
    assert app.get(f"{OLLAMA}/api/nothing").get_data(as_text=True) == "404 page not found"
    assert app.get(f"{OLLAMA}/api/generate").get_data(as_text=True) == "405 method not allowed"


def test_ollama_generate_and_chat():
    app = client("ollama")
    lines = ndjson(app.post(f"{OLLAMA}/api/generate", json={"model": "llama3.2", "prompt": "Say hello"}))
    assert "".join(line["response"] for line in lines) == "Hello! How can I help you today?"
    assert [line["done"] for line in lines].count(True) == 1
    assert lines[-1]["done_reason"] == "stop" and lines[-1]["prompt_eval_count"] == 3
    whole = body_of(app.post(f"{OLLAMA}/api/generate", json={"model": "llama3.2:latest", "prompt": "hi", "stream": False}))
    assert whole["response"] == "Hello! How can I help you today?" and whole["done"] is True
    assert whole["model"] == "llama3.2:latest"
    chat = body_of(app.post(f"{OLLAMA}/api/chat", json={"model": "llama3.2", **CHAT, "stream": False}))
    assert chat["message"] == {"role": "assistant", "content": "Hello! How can I help you today?"}
    embedded = body_of(app.post(f"{OLLAMA}/api/embed", json={"model": "llama3.2", "input": ["a", "b"]}))
    assert len(embedded["embeddings"]) == 2


def test_ollama_unknown_model():
    app = client("ollama")
    for path, body in (
        ("/api/generate", {"model": "llama9", "prompt": "hi"}),
        ("/api/chat", {"model": "llama9", **CHAT}),
        ("/api/embed", {"model": "llama9", "input": "hi"}),
    ):
        response = app.post(f"{OLLAMA}{path}", json=body)
        assert response.status_code == 404
        assert response.get_data(as_text=True) == '{"error":"model \'llama9\' not found"}'
    wrong_tag = app.post(f"{OLLAMA}/api/generate", json={"model": "llama3.2:1b", "prompt": "hi"})
    assert wrong_tag.status_code == 404


def test_ollama_pull_and_delete():
    app = client("ollama")
    lines = ndjson(app.post(f"{OLLAMA}/api/pull", json={"model": "gemma3"}))
    assert lines[0] == {"status": "pulling manifest"} and lines[-1] == {"status": "success"}
    assert app.post(f"{OLLAMA}/api/generate", json={"model": "gemma3", "prompt": "hi", "stream": False}).status_code == 200
    missing = ndjson(app.post(f"{OLLAMA}/api/pull", json={"model": "no-such-model"}))
    assert missing == [{"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}]
    blocking = app.post(f"{OLLAMA}/api/pull", json={"model": "no-such-model", "stream": False})
    assert blocking.status_code == 500
    assert blocking.get_data(as_text=True) == '{"error":"pull model manifest: file does not exist"}'
    assert app.delete(f"{OLLAMA}/api/delete", json={"model": "gemma3"}).status_code == 200
    again = app.delete(f"{OLLAMA}/api/delete", json={"model": "gemma3"})
    assert again.status_code == 404


def test_ollama_overloaded():
    app = client("ollama", {"overloaded": True})
    response = app.post(f"{OLLAMA}/api/chat", json={"model": "llama3.2", **CHAT})
    assert response.status_code == 503
    assert response.get_data(as_text=True) == '{"error":"server busy, please try again.  maximum pending requests exceeded"}'
    assert app.get(f"{OLLAMA}/api/tags").status_code == 200


def test_ollama_openai_compatible():
    app = client("ollama")
    models = body_of(app.get(f"{OLLAMA}/v1/models"))
    assert models["data"][0] == {"id": "llama3.2:latest", "object": "model", "created": models["data"][0]["created"], "owned_by": "library"}
    completion = body_of(app.post(f"{OLLAMA}/v1/chat/completions", json={"model": "llama3.2", **CHAT}))
    assert completion["choices"][0]["message"]["content"] == "Hello! How can I help you today?"
    assert completion["system_fingerprint"] == "fp_ollama"
    missing = app.post(f"{OLLAMA}/v1/chat/completions", json={"model": "llama9", **CHAT})
    assert missing.status_code == 404
    assert missing.get_data(as_text=True) == (
        '{"error":{"message":"model \'llama9\' not found","type":"not_found_error","param":null,"code":null}}\n'
    )


def test_ollama_ignores_keys():
    app = client("ollama", {"keys": ["something-else"]})
    assert app.post(f"{OLLAMA}/api/generate", json={"model": "llama3.2", "prompt": "hi", "stream": False}).status_code == 200


# ---------------------------------------------------------------------------------------------
# The official SDKs read the mocks' answers (skipped where the SDKs are not installed)


def sdk_http_client(provider: str, state: dict | None = None):
    """An HTTP client for the SDKs that calls the mock's WSGI app (the SDKs build on httpx2, or on httpx)."""
    try:
        import httpx2 as httpx
    except ImportError:
        httpx = pytest.importorskip("httpx")
    return httpx.Client(transport=httpx.WSGITransport(app=make_app(provider, state or {}, [])))


def test_openai_sdk_reads_answers_and_errors():
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(api_key=KEY, http_client=sdk_http_client("openai"), max_retries=0)
    messages = [{"role": "user", "content": "Say hello"}]
    completion = sdk.chat.completions.create(model="gpt-4o", messages=messages)
    assert completion.choices[0].message.content == "Hello! How can I help you today?"
    assert completion._request_id.startswith("req_")
    stream = sdk.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices) == "Hello! How can I help you today?"
    assert sdk.responses.create(model="gpt-4o", input="Say hello").output_text == "Hello! How can I help you today?"
    embedding = sdk.embeddings.create(model="text-embedding-3-small", input="hi")  # the SDK asks for base64
    assert len(embedding.data[0].embedding) == 8
    wrong = openai.OpenAI(api_key="sk-proj-0123456789abcdef", http_client=sdk_http_client("openai"), max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        wrong.models.list()
    assert "Incorrect API key provided: sk-proj-************cdef. You can find your API key" in str(raised.value)
    assert raised.value.code == "invalid_api_key"
    limited = openai.OpenAI(api_key=KEY, http_client=sdk_http_client("openai", {"quota": "exhausted"}), max_retries=0)
    with pytest.raises(openai.RateLimitError) as raised:
        limited.chat.completions.create(model="gpt-4o", messages=messages)
    assert raised.value.code == "insufficient_quota"


def test_anthropic_sdk_reads_answers_and_errors():
    anthropic = pytest.importorskip("anthropic")
    sdk = anthropic.Anthropic(api_key=KEY, http_client=sdk_http_client("anthropic"), max_retries=0)
    request = {"model": "claude-opus-4-1", "max_tokens": 100, "messages": [{"role": "user", "content": "Say hello"}]}
    message = sdk.messages.create(**request)
    assert message.content[0].text == "Hello! How can I help you today?"
    with sdk.messages.stream(**request) as stream:
        assert stream.get_final_text() == "Hello! How can I help you today?"
    busy = anthropic.Anthropic(api_key=KEY, http_client=sdk_http_client("anthropic", {"overloaded": True}), max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as raised:
        busy.messages.create(**request)
    assert raised.value.status_code == 529
    assert "'type': 'overloaded_error', 'message': 'Overloaded'" in str(raised.value)
    with pytest.raises(anthropic.APIStatusError) as raised:
        with busy.messages.stream(**request) as stream:
            stream.get_final_text()
    assert "'details': None, 'type': 'overloaded_error', 'message': 'Overloaded'" in str(raised.value)
    wrong = anthropic.Anthropic(api_key="sk-ant-wrong", http_client=sdk_http_client("anthropic"), max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as raised:
        wrong.messages.create(**request)
    assert "'type': 'authentication_error', 'message': 'invalid x-api-key'" in str(raised.value)


def test_a_canned_error_has_the_status_phrase_servers_send():
    """`curl -i` shows "HTTP/1.1 402 Payment Required" as from the API, not Werkzeug's "402 PAYMENT REQUIRED"."""
    assert CannedError(402, "{}").response(None).status == "402 Payment Required"
    assert CannedError(529, "{}").response(None).status == "529 Site Overloaded"
