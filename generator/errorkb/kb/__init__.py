"""The knowledge base: read errors/ safely, validate it against the schema and the content rules, and hold
it as a KnowledgeBase for the later stages (search, publish, verify).

    load_knowledge_base(errors_dir) -> KnowledgeBase, or raises ValidationFailed(problems)
"""

from .loader import LoadCache, ValidationFailed, load_knowledge_base
from .model import ErrorEntry, KnowledgeBase, Provider, allied_providers, display_path

__all__ = ["ErrorEntry", "KnowledgeBase", "LoadCache", "Provider", "ValidationFailed", "display_path", "load_knowledge_base"]
