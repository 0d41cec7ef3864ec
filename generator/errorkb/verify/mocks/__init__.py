"""Behavioural simulators of the LLM provider APIs that errorkb's example commands call.

Each provider is a `ProviderMock` (name, scheme, host patterns) whose WSGI app answers as the real
service does, from the request itself and from a scenario's `mock` state (keys, quota, rate_limit,
models, overloaded, context_window, running; see common.normalize_state for the defaults).

Public interface:
    PROVIDERS: dict[str, ProviderMock]        keys: openai, azure-openai, anthropic, gemini, mistral,
                                              openrouter, ollama, and the servers of tools: litellm (a
                                              LiteLLM proxy on port 4000), langchain (the LangSmith API),
                                              github-copilot (the Copilot hosts' /_ping probe)
    provider_for_host(host, scheme) -> str | None
    make_app(provider, state, log) -> WSGI app

Each app appends one record per request to `log`: {"method", "path" (query string included, secret
parameters such as key= redacted), "headers" (lower-case names; authorization, x-api-key, api-key and
x-goog-api-key values replaced by "<redacted len=N>"), "body" (first 2000 characters), "status"}.
"""

from __future__ import annotations

from .anthropic import AnthropicMock
from .azure_openai import AzureOpenAIMock
from .common import MockApp, ProviderMock, normalize_state
from .gemini import GeminiMock
from .github_copilot import GitHubCopilotMock
from .langchain import LangSmithMock
from .litellm import LiteLLMMock
from .mistral import MistralMock
from .ollama import OllamaMock
from .openai import OpenAIMock
from .openrouter import OpenRouterMock

__all__ = ["PROVIDERS", "ProviderMock", "make_app", "provider_for_host"]

PROVIDERS: dict[str, ProviderMock] = {
    mock.name: mock
    for mock in (
        OpenAIMock(),
        AzureOpenAIMock(),
        AnthropicMock(),
        GeminiMock(),
        MistralMock(),
        OpenRouterMock(),
        OllamaMock(),
        LiteLLMMock(),
        LangSmithMock(),
        GitHubCopilotMock(),
    )
}
DEFAULT_PORTS = {"https": 443, "http": 80}


def split_host(host: str, scheme: str) -> tuple[str, int | None]:
    """'Api.X.com.:443' -> ('api.x.com', 443); a missing port is the scheme's default."""
    host = host.strip().lower()
    name, port = host, DEFAULT_PORTS.get(scheme)
    head, sep, tail = host.rpartition(":")
    if sep and tail.isdigit() and (head.endswith("]") or ":" not in head):
        name, port = head, int(tail)
    return name.rstrip("."), port


def host_matches(pattern: str, name: str) -> bool:
    """Exact match, or "*.suffix" matching one or more non-empty labels before the suffix."""
    if pattern.startswith("*."):
        suffix = pattern[1:]
        labels = name[: -len(suffix)].split(".") if name.endswith(suffix) else []
        return bool(labels) and all(labels)
    return pattern == name


def provider_for_host(host: str, scheme: str) -> str | None:
    """The provider serving `host` (as in a Host header, port optional) over `scheme`, or None."""
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    name, port = split_host(host, scheme)
    for mock in PROVIDERS.values():
        if mock.scheme != scheme:
            continue
        for pattern in mock.hosts:
            pattern_name, pattern_port = split_host(pattern, scheme)
            if pattern_port == port and host_matches(pattern_name, name):
                return mock.name
    return None


def make_app(provider: str, state: dict, log: list) -> MockApp:
    """The WSGI app of `provider` over a validated copy of `state`, logging each request to `log`.
    Raises ValueError for an unknown provider or state."""
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
    mock = PROVIDERS[provider]
    return MockApp(mock, normalize_state(state, mock.default_models), log)
