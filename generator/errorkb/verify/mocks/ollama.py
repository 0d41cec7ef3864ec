"""Simulator of a local Ollama server at http://localhost:11434 (and 127.0.0.1:11434). No auth.

Native endpoints: GET / ("Ollama is running"), GET /api/version, GET /api/tags, GET /api/ps,
POST /api/show, /api/generate, /api/chat, /api/embed, /api/embeddings (legacy), /api/pull, and
DELETE /api/delete (DELETE, as the real server routes it; POST there gets 405).
OpenAI-compatible endpoints: GET /v1/models, GET /v1/models/{model}, POST /v1/chat/completions,
POST /v1/embeddings.

Formatting follows the Go server: compact JSON with <, >, & escaped, content type `application/json;
charset=utf-8`; streams (the default for generate, chat and pull) are NDJSON lines
(`application/x-ndjson`); errors are {"error":"..."}; unknown paths get gin's "404 page not found",
wrong methods "405 method not allowed" (text/plain). Errors of the /v1 endpoints are OpenAI-shaped
({"error":{"message","type":"invalid_request_error|not_found_error|api_error","param":null,"code":null}})
followed by a newline, as Go's json.Encoder writes them.

Model names without a tag mean ":latest"; matching ignores case and a registry.ollama.ai/library/ prefix.
A model that is not in the state's models gives 404 "model 'x' not found" (the legacy /api/embeddings
gives the scheduler's `model "x" not found, try pulling it first`). `overloaded` gives 503 with the
scheduler's "server busy" text on generate, chat and embed. `/api/pull` of a known library model adds it
to the state's models; an unknown name streams `{"error":"pull model manifest: file does not exist"}`
after "pulling manifest" (or answers 500 with it when "stream": false). Quota, rate limit, keys and
context_window do not apply: Ollama has none of them (it truncates long prompts silently).
`running: false` is handled by the sandbox: nothing listens, so clients get "connection refused".

Canned errors (`mock: {error: <name>}`), each exactly as the server sends it:
- memory_insufficient: the scheduler's pre-check of Ollama v0.2.2 to v0.24.x (llm/server.go), HTTP 500
  {"error":"model requires more system memory (7.3 GiB) than is available (6.0 GiB)"} as in
  home-assistant/core#139085. It answers /api/generate, /api/chat and /v1/chat/completions for an installed
  model unless the request asks for a context (`options.num_ctx`) of at most 2048 tokens, which this machine
  has room for; every other request is answered normally.
- runner_cuda_oom: 500 {"error":"llama runner process has terminated: CUDA error: out of memory"}, the
  runner crashing on a GPU allocation (ollama/ollama#9782), for every request.
- llama_server_oom: 500 with the v0.30+ wording of llm/llama_server.go, "llama-server reported
  out-of-memory during startup: cudaMalloc failed: out of memory", for every request.
"""

from __future__ import annotations

import hashlib
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
    count_tokens,
    embedding_dimensions,
    embedding_inputs,
    embedding_list,
    embedding_vector,
    gather_text,
    go_json_error,
    iso_time,
    json_go,
    openai_sse,
    positive_int,
    reply,
    reply_pieces,
    respond,
    wants_usage,
)

VERSION = "0.12.6"
BUSY = "server busy, please try again.  maximum pending requests exceeded"
MANIFEST_MISSING = "pull model manifest: file does not exist"
JSON_TYPE = "application/json; charset=utf-8"
MEMORY_MESSAGE = "model requires more system memory (7.3 GiB) than is available (6.0 GiB)"
FITTING_CONTEXT = 2048   # the largest num_ctx the memory_insufficient machine can load the model with
NDJSON_TYPE = "application/x-ndjson"
# Library models the mock can pull: tags, size of the default tag, parameter size, family, quantization.
LIBRARY = {
    "llama3.2": (("latest", "1b", "3b"), 2019393189, "3.2B", "llama", "Q4_K_M"),
    "llama3.1": (("latest", "8b", "70b", "405b"), 4920753328, "8.0B", "llama", "Q4_K_M"),
    "llama3.3": (("latest", "70b"), 42520413916, "70.6B", "llama", "Q4_K_M"),
    "llama3": (("latest", "8b", "70b"), 4661224676, "8.0B", "llama", "Q4_0"),
    "llama2": (("latest", "7b", "13b", "70b"), 3826793677, "7B", "llama", "Q4_0"),
    "mistral": (("latest", "7b"), 4113301824, "7.2B", "llama", "Q4_K_M"),
    "gemma3": (("latest", "1b", "4b", "12b", "27b"), 3338801804, "4.3B", "gemma3", "Q4_K_M"),
    "gemma2": (("latest", "2b", "9b", "27b"), 5443152417, "9.2B", "gemma2", "Q4_0"),
    "qwen2.5": (("latest", "0.5b", "1.5b", "3b", "7b", "14b", "32b", "72b"), 4683087332, "7.6B", "qwen2", "Q4_K_M"),
    "qwen2.5-coder": (("latest", "1.5b", "7b", "14b", "32b"), 4683087519, "7.6B", "qwen2", "Q4_K_M"),
    "qwen3": (("latest", "0.6b", "1.7b", "4b", "8b", "14b", "32b"), 5225388164, "8.2B", "qwen3", "Q4_K_M"),
    "deepseek-r1": (("latest", "1.5b", "7b", "8b", "14b", "32b", "70b"), 5225376047, "8.2B", "qwen3", "Q4_K_M"),
    "gpt-oss": (("latest", "20b", "120b"), 13780173839, "20.9B", "gptoss", "MXFP4"),
    "phi3": (("latest", "mini", "medium"), 2176178913, "3.8B", "phi3", "Q4_0"),
    "phi4": (("latest", "14b"), 9053116391, "14.7B", "phi3", "Q4_K_M"),
    "codellama": (("latest", "7b", "13b", "34b"), 3825910662, "7B", "llama", "Q4_0"),
    "llava": (("latest", "7b", "13b"), 4733363377, "7B", "llama", "Q4_0"),
    "tinyllama": (("latest",), 637700138, "1B", "llama", "Q4_0"),
    "nomic-embed-text": (("latest", "v1.5"), 274302450, "137M", "nomic-bert", "F16"),
    "mxbai-embed-large": (("latest",), 669615493, "334M", "bert", "F16"),
    "all-minilm": (("latest", "22m", "33m"), 45960996, "23M", "bert", "F16"),
}
UNKNOWN_FAMILY = ((), 2019393189, "3.2B", "llama", "Q4_K_M")


def normalize(name: str) -> str:
    """The canonical form of a model name: lower case, no default registry or namespace, a tag."""
    name = name.strip().lower()
    for prefix in ("registry.ollama.ai/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


def library_entry(name: str) -> tuple:
    return LIBRARY.get(normalize(name).split(":", 1)[0], UNKNOWN_FAMILY)


def is_embedding(name: str) -> bool:
    return "embed" in name or "minilm" in name


def digest(name: str) -> str:
    return hashlib.sha256(normalize(name).encode()).hexdigest()


def details(name: str) -> dict:
    _, _, parameter_size, family, quantization = library_entry(name)
    return {
        "parent_model": "",
        "format": "gguf",
        "family": family,
        "families": [family],
        "parameter_size": parameter_size,
        "quantization_level": quantization,
    }


MODIFIED_AT = iso_time(MOCK_EPOCH - 86400)  # when the installed models were "pulled"


class OllamaMock(ProviderMock):
    name = "ollama"
    scheme = "http"
    hosts = ["localhost:11434", "127.0.0.1:11434"]
    default_models = ("llama3.2:latest",)

    def rules(self):
        return [
            Rule("/", methods=["GET"], endpoint="root"),
            Rule("/api/version", methods=["GET"], endpoint="version"),
            Rule("/api/tags", methods=["GET"], endpoint="tags"),
            Rule("/api/ps", methods=["GET"], endpoint="ps"),
            Rule("/api/show", methods=["POST"], endpoint="show"),
            Rule("/api/generate", methods=["POST"], endpoint="generate"),
            Rule("/api/chat", methods=["POST"], endpoint="chat"),
            Rule("/api/embed", methods=["POST"], endpoint="embed"),
            Rule("/api/embeddings", methods=["POST"], endpoint="legacy_embeddings"),
            Rule("/api/pull", methods=["POST"], endpoint="pull"),
            Rule("/api/delete", methods=["DELETE"], endpoint="delete"),
            Rule("/v1/models", methods=["GET"], endpoint="v1_models"),
            Rule("/v1/models/<path:model>", methods=["GET"], endpoint="v1_model"),
            Rule("/v1/chat/completions", methods=["POST"], endpoint="v1_chat_completions"),
            Rule("/v1/embeddings", methods=["POST"], endpoint="v1_embeddings"),
        ]

    # -- responses -------------------------------------------------------------------------

    @staticmethod
    def json(payload, status=200, content_type=JSON_TYPE):
        return respond(json_go(payload), status, content_type)

    def error(self, status, message, content_type=JSON_TYPE):
        return self.json({"error": message}, status, content_type)

    @staticmethod
    def ndjson(lines: list[dict]):
        return respond("".join(json_go(line) + "\n" for line in lines), 200, NDJSON_TYPE)

    @staticmethod
    def v1_error(status, message, from_handler=True):
        """An OpenAI-shaped error. The middleware's own checks answer through gin (no newline); errors of the
        wrapped native handler are re-encoded with json.Encoder (trailing newline, bare application/json)."""
        kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
        error = json_go({"error": {"message": message, "type": kind, "param": None, "code": None}})
        if from_handler:
            return respond(error + "\n", status, "application/json")
        return respond(error, status, JSON_TYPE)

    @staticmethod
    def v1_json(payload):
        return respond(json_go(payload) + "\n", 200, "application/json")

    def not_found(self, call):
        return respond("404 page not found", 404, "text/plain")

    def method_not_allowed(self, call):
        return respond("405 method not allowed", 405, "text/plain")

    # -- checks ----------------------------------------------------------------------------

    def body(self, call: Call, go_type: str) -> dict:
        """The JSON body, with gin's errors for a missing or malformed one."""
        body, problem = call.json()
        if problem == "empty":
            raise Reject(self.error(400, "missing request body"))
        if problem == "invalid":
            raise Reject(self.error(400, go_json_error(call.raw)))
        if not isinstance(body, dict):
            kind = {list: "array", str: "string", bool: "bool", int: "number", float: "number"}.get(type(body), "value")
            raise Reject(self.error(400, f"json: cannot unmarshal {kind} into Go value of type api.{go_type}"))
        return body

    @staticmethod
    def model_name(body: dict) -> str:
        name = body.get("model") or body.get("name") or ""
        return name if isinstance(name, str) else ""

    def installed(self, call: Call, name: str) -> str | None:
        """The installed model's name as listed, or None."""
        wanted = normalize(name)
        for model in call.state["models"]:
            if normalize(model) == wanted:
                return model
        return None

    def require(self, call: Call, name: str, error=None) -> str:
        """The installed name, after the model-required, not-found and overload checks."""
        error = error or self.error
        if not name:
            raise Reject(error(400, "model is required"))
        installed = self.installed(call, name)
        if installed is None:
            raise Reject(error(404, f"model '{name}' not found"))
        if call.state["overloaded"]:
            raise Reject(error(503, BUSY))
        return installed

    # -- output helpers ----------------------------------------------------------------------

    @staticmethod
    def created_at(call: Call, step: int = 0) -> str:
        nanos = call.ids.number("created-at", 100000000, 899999999) + step * 18000000
        seconds = call.ids.request_number
        return f"2026-01-01T00:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{nanos:09d}".rstrip("0") + "Z"

    @staticmethod
    def metrics(call: Call, prompt_tokens: int, eval_tokens: int) -> dict:
        load = call.ids.number("load", 10000000, 90000000)
        prompt_ms = call.ids.number("prompt-eval", 20000000, 90000000)
        eval_ms = eval_tokens * 18000000
        return {
            "total_duration": load + prompt_ms + eval_ms + 1000000,
            "load_duration": load,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": prompt_ms,
            "eval_count": eval_tokens,
            "eval_duration": eval_ms,
        }

    # -- native endpoints ------------------------------------------------------------------

    def root(self, call):
        return respond("Ollama is running", 200, "text/plain; charset=utf-8")

    def version(self, call):
        return self.json({"version": VERSION})

    def tags(self, call):
        models = []
        for name in call.state["models"]:
            shown = normalize(name)
            models.append(
                {
                    "name": shown,
                    "model": shown,
                    "modified_at": MODIFIED_AT,
                    "size": library_entry(name)[1],
                    "digest": digest(name),
                    "details": details(name),
                }
            )
        return self.json({"models": models})

    def ps(self, call):
        return self.json({"models": []})

    def show(self, call):
        body = self.body(call, "ShowRequest")
        name = self.model_name(body)
        if not name:
            return self.error(400, "model is required")
        if self.installed(call, name) is None:
            return self.error(404, f"model '{name}' not found")
        info = details(name)
        family = info["family"]
        shown = normalize(name)
        return self.json(
            {
                "license": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT" if family == "llama" else "",
                "modelfile": (
                    '# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n'
                    f"# FROM {shown}\n\nFROM /root/.ollama/models/blobs/sha256-{digest(name)}\n"
                ),
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": info,
                "model_info": {
                    "general.architecture": family,
                    "general.parameter_count": 3212749888,
                    f"{family}.context_length": 131072,
                    f"{family}.embedding_length": 3072,
                },
                "capabilities": ["embedding"] if is_embedding(name) else ["completion", "tools"],
                "modified_at": MODIFIED_AT,
            }
        )

    def generate(self, call):
        return self.complete(call, chat=False)

    def chat(self, call):
        return self.complete(call, chat=True)

    def complete(self, call: Call, chat: bool):
        """/api/generate and /api/chat: one JSON answer, or NDJSON lines unless "stream": false."""
        body = self.body(call, "ChatRequest" if chat else "GenerateRequest")
        name = self.model_name(body)
        installed = self.require(call, name)
        if is_embedding(installed):
            return self.error(400, f'"{name}" does not support {"chat" if chat else "generate"}')
        prompt = body.get("messages") if chat else body.get("prompt")
        if not prompt:
            load = {"model": name, "created_at": self.created_at(call)}
            if chat:
                load.update({"message": {"role": "assistant", "content": ""}, "done_reason": "load", "done": True})
            else:
                load.update({"response": "", "done": True, "done_reason": "load"})
            return self.json(load)
        prompt_tokens = count_tokens(gather_text(prompt) + gather_text(body.get("system")))
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        text, eval_tokens, truncated = reply(positive_int(options.get("num_predict")))
        reason = "length" if truncated else "stop"

        def line(piece: str, step: int) -> dict:
            out = {"model": name, "created_at": self.created_at(call, step)}
            if chat:
                out["message"] = {"role": "assistant", "content": piece}
            else:
                out["response"] = piece
            return out

        final = line("", len(reply_pieces(text)))
        if chat:
            final.update({"done_reason": reason, "done": True})
        else:
            final.update({"done": True, "done_reason": reason, "context": context_tokens(prompt_tokens + eval_tokens)})
        final.update(self.metrics(call, prompt_tokens, eval_tokens))
        if body.get("stream") is False:
            whole = {**final, **({"message": {"role": "assistant", "content": text}} if chat else {"response": text})}
            return self.json(whole)
        lines = [{**line(piece, step), "done": False} for step, piece in enumerate(reply_pieces(text))]
        return self.ndjson(lines + [final])

    def embed(self, call):
        body = self.body(call, "EmbedRequest")
        name = self.model_name(body)
        value = body.get("input")
        if value is None or value == "":
            inputs = []
        elif isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            inputs = [value] if isinstance(value, str) else value
        else:
            return self.error(400, "invalid input type")
        self.require(call, name)
        if not inputs:
            return self.json({"model": name, "embeddings": []})
        dimensions = embedding_dimensions(body.get("dimensions"))
        tokens = sum(count_tokens(text) for text in inputs)
        metrics = self.metrics(call, tokens, 0)
        return self.json(
            {
                "model": name,
                "embeddings": [embedding_vector(text, dimensions) for text in inputs],
                "total_duration": metrics["total_duration"],
                "load_duration": metrics["load_duration"],
                "prompt_eval_count": tokens,
            }
        )

    def legacy_embeddings(self, call):
        body = self.body(call, "EmbeddingRequest")
        name = self.model_name(body)
        if not name:
            return self.error(400, "model is required")
        if self.installed(call, name) is None:
            return self.error(404, f'model "{name}" not found, try pulling it first')
        if call.state["overloaded"]:
            return self.error(503, BUSY)
        prompt = body.get("prompt")
        if not prompt or not isinstance(prompt, str):
            return self.json({"embedding": []})
        return self.json({"embedding": embedding_vector(prompt)})

    def pull(self, call):
        body = self.body(call, "PullRequest")
        name = self.model_name(body)
        stream = body.get("stream") is not False
        if not name.strip():
            return self.error(400, "invalid model name")
        family, _, tag = normalize(name).partition(":")
        entry = LIBRARY.get(family)
        if entry is None or tag not in entry[0]:
            if stream:
                return self.ndjson([{"status": "pulling manifest"}, {"error": MANIFEST_MISSING}])
            return self.error(500, MANIFEST_MISSING, "application/json")
        if self.installed(call, name) is None:
            call.state["models"].append(normalize(name))
        if not stream:
            return self.json({"status": "success"}, content_type="application/json")
        layer = digest(name)
        size = entry[1]
        return self.ndjson(
            [
                {"status": "pulling manifest"},
                {"status": f"pulling {layer[:12]}", "digest": f"sha256:{layer}", "total": size},
                {"status": f"pulling {layer[:12]}", "digest": f"sha256:{layer}", "total": size, "completed": size},
                {"status": "verifying sha256 digest"},
                {"status": "writing manifest"},
                {"status": "success"},
            ]
        )

    def delete(self, call):
        body = self.body(call, "DeleteRequest")
        name = self.model_name(body)
        if not name.strip():
            return self.error(400, "invalid model name")
        installed = self.installed(call, name)
        if installed is None:
            return self.error(404, f"model '{name}' not found")
        call.state["models"].remove(installed)
        return respond(b"", 200, None)

    # -- OpenAI-compatible endpoints -----------------------------------------------------------

    def v1_models(self, call):
        data = [
            {"id": normalize(name), "object": "model", "created": MOCK_EPOCH - 86400, "owned_by": "library"}
            for name in call.state["models"]
        ]
        return self.v1_json({"object": "list", "data": data})

    def v1_model(self, call, model):
        if self.installed(call, model) is None:
            return self.v1_error(404, f"model '{model}' not found")
        return self.v1_json({"id": model, "object": "model", "created": MOCK_EPOCH - 86400, "owned_by": "library"})

    def v1_chat_completions(self, call):
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            message = "missing request body" if problem == "empty" else go_json_error(call.raw)
            return self.v1_error(400, message, from_handler=False)
        messages = body.get("messages")
        if not messages:
            return self.v1_error(400, "[] is too short - 'messages'", from_handler=False)
        name = self.model_name(body)
        self.require(call, name, self.v1_error)
        prompt_tokens = count_tokens(gather_text(messages))
        text, completion_tokens, truncated = reply(positive_int(body.get("max_tokens")))
        common = {
            "completion_id": f"chatcmpl-{call.ids.number('chatcmpl', 0, 999)}",
            "created": MOCK_EPOCH,
            "model": name,
            "content": text,
            "finish_reason": "length" if truncated else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        if body.get("stream") is True:
            chunks = chat_completion_chunks(**common, include_usage=wants_usage(body), top_extra={"system_fingerprint": "fp_ollama"})
            return respond(openai_sse(chunks), 200, "text/event-stream")
        return self.v1_json(chat_completion(**common, top_extra={"system_fingerprint": "fp_ollama"}))

    def v1_embeddings(self, call):
        body, problem = call.json()
        if problem or not isinstance(body, dict):
            message = "missing request body" if problem == "empty" else go_json_error(call.raw)
            return self.v1_error(400, message, from_handler=False)
        inputs = embedding_inputs(body.get("input"))
        if inputs is None:
            return self.v1_error(400, "invalid input", from_handler=False)
        name = self.model_name(body)
        self.require(call, name, self.v1_error)
        dimensions = embedding_dimensions(body.get("dimensions"))
        encoding = "base64" if body.get("encoding_format") == "base64" else "float"
        return self.v1_json(embedding_list(name, inputs, dimensions, encoding))


def context_tokens(count: int) -> list[int]:
    """Token ids for the deprecated `context` field of /api/generate (at most 64 shown)."""
    return [128000 + (i * 7919) % 9000 for i in range(min(count, 64))]


# ---------------------------------------------------------------------------------------------
# Canned errors


def _memory_refused(call: Call) -> bool:
    """Whether the memory pre-check refuses this request: a model load (generate, chat, OpenAI chat) of an
    installed model with no num_ctx or one above FITTING_CONTEXT."""
    if call.method != "POST" or call.path.rstrip("/") not in ("/api/generate", "/api/chat", "/v1/chat/completions"):
        return False
    body, problem = call.json()
    if problem or not isinstance(body, dict):
        return False
    name = OllamaMock.model_name(body)
    if not name or _normal.installed(call, name) is None:
        return False
    options = body.get("options") if isinstance(body.get("options"), dict) else {}
    num_ctx = positive_int(options.get("num_ctx"))
    return num_ctx is None or num_ctx > FITTING_CONTEXT


@dataclass(frozen=True)
class MemoryCheck(CannedError):
    """The v0.2.2-v0.24 pre-check: 500 for loads that do not fit, the normal answer for everything else."""

    def response(self, call: Call):
        if not _memory_refused(call):
            return _normal.handle(call)
        if call.path.startswith("/v1/"):
            return OllamaMock.v1_error(500, MEMORY_MESSAGE)
        return OllamaMock.json({"error": MEMORY_MESSAGE}, 500)


_normal = OllamaMock()

OllamaMock.errors = {
    "memory_insufficient": MemoryCheck(500, json_go({"error": MEMORY_MESSAGE}), (("Content-Type", JSON_TYPE),)),
    # ollama/ollama#9782: "Error: llama runner process has terminated: CUDA error: out of memory".
    "runner_cuda_oom": CannedError(
        500, json_go({"error": "llama runner process has terminated: CUDA error: out of memory"}),
        (("Content-Type", JSON_TYPE),),
    ),
    # v0.30+ (llm/llama_server.go: "llama-server reported out-of-memory during startup: %s").
    "llama_server_oom": CannedError(
        500,
        json_go({"error": "llama-server reported out-of-memory during startup: cudaMalloc failed: out of memory"}),
        (("Content-Type", JSON_TYPE),),
    ),
}
