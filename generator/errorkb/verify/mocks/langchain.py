"""Simulator of the LangSmith API (LangChain's tracing service) at https://api.smith.langchain.com and
https://eu.api.smith.langchain.com.

The state's `keys` are the LangSmith API keys the service accepts. Auth is the `x-api-key` header, as the
`langsmith` SDK sends it.

Endpoints: GET /sessions and /api/v1/sessions (the projects list the SDK reads), POST /runs,
/runs/batch and /runs/multipart (trace ingestion, answered 202 with nothing to say).

Errors are FastAPI's {"detail": "..."}:
- an unknown or missing key: 401 {"detail":"Invalid token"}, as in
  https://github.com/langchain-ai/langsmith-sdk/issues/3279 (GET /sessions) and
  https://github.com/langflow-ai/langflow/issues/3022 (/runs/multipart and /sessions);
- a key in the old `ls__` format: 401 {"detail":"Using legacy API key. Please generate a new API key."}, as in
  https://github.com/langchain-ai/langsmith-sdk/issues/1201 (which prefix marks a legacy key is an assumption:
  current keys start with lsv2_pt_ or lsv2_sk_, older ones with ls__);
- unknown paths: 404 {"detail":"Not Found"}.
Quota, rate limits, models and context windows do not apply.
"""

from __future__ import annotations

from werkzeug.routing import Rule

from .common import MOCK_EPOCH, Call, ProviderMock, Reject, iso_time, json_compact, respond

INVALID = "Invalid token"
LEGACY = "Using legacy API key. Please generate a new API key."


class LangSmithMock(ProviderMock):
    name = "langchain"
    hosts = ["api.smith.langchain.com", "eu.api.smith.langchain.com"]
    default_models = ()

    def rules(self):
        return [
            Rule("/sessions", methods=["GET"], endpoint="sessions"),
            Rule("/api/v1/sessions", methods=["GET"], endpoint="sessions"),
            Rule("/runs", methods=["POST"], endpoint="ingest"),
            Rule("/runs/batch", methods=["POST"], endpoint="ingest"),
            Rule("/runs/multipart", methods=["POST"], endpoint="ingest"),
        ]

    def detail(self, status: int, text: str):
        return respond(json_compact({"detail": text}), status, "application/json")

    def not_found(self, call):
        return self.detail(404, "Not Found")

    def method_not_allowed(self, call):
        return self.detail(405, "Method Not Allowed")

    def authenticate(self, call: Call) -> str:
        key = call.headers.get("x-api-key", "").strip()
        if key and key in call.state["keys"]:
            return key
        if key.startswith("ls__"):
            raise Reject(self.detail(401, LEGACY))
        raise Reject(self.detail(401, INVALID))

    def sessions(self, call):
        self.authenticate(call)
        name = call.query.get("name") or "default"
        project = {
            "id": call.ids.uuid("session"),
            "name": name,
            "tenant_id": call.ids.uuid("tenant"),
            "start_time": iso_time(MOCK_EPOCH),
            "reference_dataset_id": None,
            "run_count": None,
        }
        return respond(json_compact([project]), 200, "application/json")

    def ingest(self, call):
        self.authenticate(call)
        return respond(b"", 202, None)
