"""What secrets look like: the one list of headers that carry them and of API-key shapes.

Shared by every room that must recognise a secret: the matcher masks keys in pastes
(errorkb.search.rules), the command lint refuses commands that would print them and texts
that hold real-looking keys (errorkb.verify.secrets), and the provider mocks redact them
in their request logs (errorkb.verify.mocks).
"""

from __future__ import annotations

from dataclasses import dataclass

# Request headers whose value is a credential (lower-case).
SECRET_HEADERS: tuple[str, ...] = (
    "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie",
)

# Query parameters whose value is a credential (lower-case), as in ?key=AIza...
SECRET_QUERY_PARAMETERS: tuple[str, ...] = ("key", "api_key", "api-key", "apikey", "token", "access_token")

KEY_CHARS = "A-Za-z0-9_\\-"


@dataclass(frozen=True)
class KeyShape:
    """One provider's API-key format.

    `pattern` is a regex for a whole real-looking key (Python and JavaScript syntax, case-sensitive);
    `placeholder` is what a page writes instead, and `variable` the environment variable that holds it.
    """

    kind: str
    pattern: str
    placeholder: str
    variable: str


# Earlier shapes win where two overlap (sk-ant- is also sk-).
KEY_SHAPES: tuple[KeyShape, ...] = (
    KeyShape("Anthropic API key", f"sk-ant-[{KEY_CHARS}]{{20,}}", "sk-ant-...", "$ANTHROPIC_API_KEY"),
    KeyShape("OpenRouter API key", "sk-or-v1-[0-9a-fA-F]{20,}", "sk-or-v1-...", "$OPENROUTER_API_KEY"),
    KeyShape("OpenAI API key", f"sk-(?!ant-|or-)(?:proj-|svcacct-|admin-)?[{KEY_CHARS}]{{20,}}", "sk-proj-...",
             "$OPENAI_API_KEY"),
    KeyShape("Google API key", f"AIza[{KEY_CHARS}]{{35,}}", "AIza...", "$GEMINI_API_KEY"),
)

# The leading word of API tokens of many services (sk-..., gsk_..., hf_..., xai-...): in a paste, such a
# word followed by '-' or '_' and a long run of key characters is masked as a key.
KEY_PREFIX_WORDS: tuple[str, ...] = ("sk", "pk", "rk", "gsk", "xai", "hf", "pplx", "r8", "key")

# Google API keys start with this, without a separator.
GOOGLE_KEY_PREFIX = "AIza"
