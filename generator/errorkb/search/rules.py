"""The matcher's rules as named data: normalising, masking, status, provider hints, weights.

Everything here reaches the browser through the index (errorkb.search.index.build_index), so the
Python engine (errorkb.search.engine) and matcher.js apply exactly the same rules.  Regex sources
are valid in Python `re` (compiled with re.ASCII) and in JavaScript `RegExp`: no lookbehind, named
groups or inline flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..secrets import GOOGLE_KEY_PREFIX, KEY_PREFIX_WORDS

INDEX_VERSION = 5

@dataclass(frozen=True)
class MaskRule:
    """One way a variable part of a message is replaced by a placeholder, like Sentry's parameterization rules.

    `pattern` is applied with flags "gi"; with `keep`, the text of its group 1 stays in front of the
    placeholder ("Bearer <key>").  No rule may match a line break: lines are masked several at a time,
    joined by "\n".  A match result names the rules that fired in its window.
    """

    name: str
    pattern: str
    placeholder: str
    keep: bool = False


# Applied in this order.
MASK_RULES: tuple[MaskRule, ...] = (
    MaskRule("url", r"https?://[^ \n'<>()\[\]{}|\\^]*[^ \n'<>()\[\]{}|\\^.,;:!?]", "<url>"),
    MaskRule("email", r"[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}", "<email>"),
    # sk-abc1***wxyz, sk-proj-****...****abcd, your-ope*******-key, ${OPENAI*****KEY}
    MaskRule("masked-key", r"[a-z0-9_\-${]{2,}\*\*[a-z0-9_\-*.}]*", "<key>"),
    MaskRule("api-key", r"\b(?:" + "|".join(KEY_PREFIX_WORDS) + r")[-_][a-z0-9_\-]{12,}", "<key>"),
    MaskRule("google-api-key", r"\b" + GOOGLE_KEY_PREFIX + r"[0-9a-z_\-]{20,}", "<key>"),
    MaskRule("bearer-token", r"\b(bearer )[a-z0-9._\-]{8,}", "<key>", keep=True),
    MaskRule("uuid", r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>"),
    MaskRule("object-id", r"\b(?:req|msg|chatcmpl|resp|run|thread|asst|file|batch|call|toolu|evt|cs)[_\-][a-z0-9]{6,}",
             "<id>"),
    MaskRule("org-id", r"\b(?:org|user|proj)-[a-z0-9]{4,}", "<org>"),
    MaskRule("hex-id", r"\b(?=[a-f]*[0-9])[0-9a-f]{16,}\b", "<id>"),
    MaskRule("path", r"(?:\b[a-z]:)?(?:[\\/][a-z0-9_.@~+\-]+){2,}[\\/]?", "<path>"),
    MaskRule("model-name", r"\b(?:gpt|chatgpt|o[1-9]|text-embedding|text-davinci|davinci|babbage|dall-e|whisper-[0-9]"
             r"|tts-[0-9]|claude|gemini|gemma|palm-?[0-9]|llama|codellama|tinyllama|mistral|mixtral|codestral"
             r"|ministral|pixtral|qwen|phi-?[0-9]|deepseek|command-r|grok|llava|granite|nomic-embed|mxbai"
             r"|starcoder|wizardlm|vicuna|zephyr|smollm|olmo)[a-z0-9._:\-/]*", "<model>"),
    MaskRule("quoted-model", r"\b(models? ?:? ?)'[^' \n]{1,80}'", "'<model>'", keep=True),
    MaskRule("number", r"\b[0-9]+(?:[.,][0-9]+)*(?:ms|s|m|h|k)?\b", "<num>"),
)

# Placeholders that masking writes (gap_masked below must not read them as an author's gaps).
_PLACEHOLDER_WORDS = "|".join(dict.fromkeys(rule.placeholder.strip("'<>") for rule in MASK_RULES))

# Characters replaced before matching: RE2's case folding equates them with ASCII letters of patterns.
FOLD = {"\u212a": "K", "\u017f": "s"}   # KELVIN SIGN, LATIN SMALL LETTER LONG S

# Regex sources shared with matcher.js through the index.  [source, flags].

_SPACE_CHARS = r" \t\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BOX = r"\u2500-\u257f\u2580-\u259f"

RULES: dict[str, list[str]] = {
    # CSI / OSC / two-char escapes, and bare SGR remnants like "[31m" whose ESC was lost.
    "ansi": [r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
             r"|\[(?:[0-9]{1,3};)*[0-9]{1,3}m", "g"],
    # JSON / Python string escapes; group 1: \uXXXX, group 2: \xXX, group 3: one char.
    # \b and \f are left alone: rare in messages, common in Windows paths (C:\build).
    "unescape": [r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\\\"'/nrt]))", "g"],
    "ctrl": [r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]", "g"],
    # Letters that case-insensitive RE2 (Python) would equate with k and s and the browser would not.
    "fold": ["[" + "".join(FOLD) + "]", "g"],
    "newline": [r"\r\n?", "g"],
    "quotes": [r"[\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u00b4]", "g"],
    "ellipsis": [r"\u2026", "g"],
    "spaces": ["[" + _SPACE_CHARS + "]+", "g"],
    "border_only": ["^[ " + _BOX + r"|+=\-_~*]*$", "gm"],
    "border_left": ["^ ?(?:[" + _BOX + r"|] ?)+", "gm"],
    "border_right": ["(?: ?[" + _BOX + r"|])+ ?$", "gm"],
    "trim": [r"^ +| +$", "gm"],
    # Words used for anchors (on lower-cased text).
    "word": [r"[a-z0-9]{4,}", "g"],
    "token": [r"[a-z0-9]+", "g"],
    "wrap_head": [r"^[A-Za-z0-9]+", ""],
    "wrap_tail": [r"[A-Za-z0-9]+$", ""],
    # Tokens for error_code / error_type features and fuzzy matching (lower-cased, masked text).
    "feature": [r"[a-z0-9_]+", "g"],
    "fuzzy": [r"<[a-z]+>|[a-z0-9_]+", "g"],
    "placeholder": [r"<[a-z]+>", "g"],
    # Punctuation trimmed from both ends of a short paste before looking for it inside literals.
    "edge": [r"^[^a-z0-9<]+|[^a-z0-9>]+$", "g"],
    # Gaps that split an authored literal into fragments: "...", <name>, {name};
    # in the masked form the masking placeholders are not gaps.
    "gap": [r"\.\.\.|<[^<> ]{1,30}>|\{[a-z_ ]{1,30}\}", "g"],
    "gap_masked": [r"\.\.\.|<(?!(?:" + _PLACEHOLDER_WORDS + r")>)[^<> ]{1,30}>|\{[a-z_ ]{1,30}\}", "g"],
    "alnum": [r"[a-z0-9]", "g"],
}


# HTTP status seen in a window: applied with flags "gm" to the lower-cased
# window whose lines are joined by "\n"; group 1 is the status.  No rule may
# match a line break: they are applied to each block of the window.
STATUS_RULES: list[str] = [
    r"(?:error code|status code|statuscode|status|http/[0-9.]+|http|code|error|api error)"
    r"[ :=('\[\-]{0,4}([45][0-9][0-9])\b",
    r"[\[(]([45][0-9][0-9]) ",
    r"\b([45][0-9][0-9]) (?:bad request|unauthorized|payment required|forbidden|not found|too many requests"
    r"|internal server error|service unavailable|overloaded|client error)",
    r"^(?:[a-z_.]*error: |error: )?([45][0-9][0-9]) ",
]

# Provider hints: compact (no spaces), lower-case, quotes unified to '.
# Weight 1 = strong (names the server), 0.4 = weak (a client library, a key prefix, a model name).
STRONG = 1
WEAK = 0.4
BUILTIN_HINTS: dict[str, list[tuple[str, float]]] = {
    "openai": [
        ("api.openai.com", STRONG), ("platform.openai.com", STRONG), ("help.openai.com", STRONG),
        ("beta.openai.com", STRONG), ("openai-organization", STRONG), ("openai-processing-ms", STRONG),
        ("openai-version", STRONG),
        ("openai.", WEAK), ("openai/", WEAK), ("openai\\", WEAK), ("openaiexception", WEAK),
        ("openaierror", WEAK), ("sk-proj-", WEAK), ("gpt-", WEAK),
    ],
    "anthropic": [
        ("api.anthropic.com", STRONG), ("anthropic.com", STRONG), ("docs.claude.com", STRONG),
        ("status.claude.com", STRONG), ("anthropic.", STRONG), ("anthropic/", STRONG), ("anthropic\\", STRONG),
        ("@anthropic-ai", STRONG), ("anthropicexception", STRONG), ("anthropicerror", STRONG),
        ("x-api-key", STRONG), ("anthropic-version", STRONG), ("anthropic-ratelimit", STRONG),
        ("anthropic-organization", STRONG), ("{'type':'error','error':{", WEAK),   # OpenAI's stream errors too
        ("'type':'overloaded_error'", WEAK), ("'type':'authentication_error'", WEAK),
        ("claude-", WEAK), ("sk-ant-", WEAK), ("claude", WEAK),
    ],
    "gemini": [
        ("generativelanguage.googleapis.com", STRONG), ("ai.google.dev", STRONG), ("aistudio.google.com", STRONG),
        ("google.genai", STRONG), ("google/genai", STRONG), ("google\\genai", STRONG),
        ("google.generativeai", STRONG), ("google/generativeai", STRONG), ("googlegenerativeai", STRONG),
        ("@google/generative-ai", STRONG), ("langchain_google_genai", STRONG), ("google.api_core", STRONG),
        ("geminiexception", STRONG), ("x-goog-api-key", STRONG), ("type.googleapis.com/google.rpc", STRONG),
        ("'status':'invalid_argument'", STRONG), ("'status':'resource_exhausted'", STRONG),
        ("'status':'permission_denied'", STRONG), ("'status':'failed_precondition'", STRONG),
        ("'status':'unavailable'", STRONG), ("'status':'not_found'", STRONG),
        ("gemini", WEAK), ("aizasy", WEAK), ("ai.dev", WEAK),
    ],
    "ollama": [
        (":11434", STRONG), ("ollama._types", STRONG), ("ollama/_", STRONG), ("ollama\\_", STRONG),
        ("ollama._client", STRONG), ("ollama.com", STRONG), ("ollamapull", STRONG), ("ollamarun", STRONG),
        ("ollamacall", STRONG), ("ollamaendpointnotfounderror", STRONG), ("ollama_chatexception", STRONG),
        ("ollamaexception", STRONG), ("@langchain/ollama", STRONG), ("[gin]", STRONG),
        ("ollama", WEAK),
    ],
    "azure-openai": [
        ("openai.azure.com", STRONG), ("azureopenai", STRONG), ("azureexception", STRONG),
        ("azure.requestfailedexception", STRONG), ("azure.core", STRONG), ("apim-request-id", STRONG),
        ("x-ms-region", STRONG), ("aka.ms/oai", STRONG), ("cognitiveservices.azure.com", STRONG),
        ("'code':'deploymentnotfound'", STRONG), ("invalidsubscriptionkey", STRONG),
        ("responsibleaipolicyviolation", STRONG),
    ],
    "mistral": [("api.mistral.ai", STRONG), ("mistralexception", STRONG), ("mistralai.", STRONG)],
    "openrouter": [("openrouter.ai", STRONG), ("openrouterexception", STRONG), ("openrouter", WEAK)],
    "groq": [("api.groq.com", STRONG), ("groqexception", STRONG)],
    "deepseek": [("api.deepseek.com", STRONG)],
    "xai": [("api.x.ai", STRONG)],
}

# Scoring weights, carried in the index so both implementations use the same numbers.
WEIGHTS: dict[str, float] = {
    "base": 0.4,            # pattern score = base + span * min(1, alnum / full)
    "span": 0.5,
    "full": 40,
    "multi": 0.02,          # per extra pattern hit of the same error
    "multi_cap": 0.06,
    "fuzzy": 0.1,           # subtracted for an in-order token match with extra tokens
    "status": 0.08,         # the error's HTTP status is seen
    "status_other": 0.15,   # statuses are seen but not the error's
    "code": 0.1,            # the error's error_code is seen as a token
    "code_other": 0.1,      # another error's code is seen, not this one's
    "type": 0.04,
    "type_other": 0.04,
    "own_strong": 0.1,      # strong evidence for the error's provider
    "own_weak": 0.04,
    "foreign_weak": 0.05,   # weak evidence for another provider only
    "mismatch": 0.45,       # multiplier: another provider's strong evidence outweighs the own
    "reverse_min": 8,       # a short paste looked for inside literals needs this many letters and digits
    "reverse_cover": 0.3,   # and must be at least this part of the literal
    "threshold": 0.55,
}

BLOCK_LINES = 20
# The longest normalised line, in UTF-16 units; a longer one is cut into pieces (as a terminal wraps), so that
# the browser's backtracking regexes never search an unbounded line.
LINE_CAP = 2000
SHORT_PASTE = 300   # compact characters; a paste this short may also be found inside a literal
MAX_GAP = 160
FUZZY_EXTRA = 2
FUZZY_MIN_TOKENS = 3

STOP_WORDS = frozenset("""
error errors code http https www com api key keys request requests please status type message
failed fail none null true false info debug warn warning exception traceback file line model models
from with this that your have been were will when then than there their they what which while would
could should into only also more most some such other about after before again call last recent return
raise self client response json data value time the and for not you are was can may any all use used
using retry retrying seconds version default found invalid error_code detail details provided param
string object array number unknown
""".split())
