"""Property-based fuzzing of the loader (hypothesis): any text in any field of an error file, characters above
U+FFFF, surrogates, control and bidirectional characters included, gives either a valid knowledge base or
positioned diagnostics with known codes; never an exception, never a hang."""

from __future__ import annotations

import copy
import shutil

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from errorkb.diagnostics import RULES
from errorkb.kb import ValidationFailed, load_knowledge_base
from errorkb.kb.schema import SCHEMA_LINES

DEMO = FIXTURES / "valid" / "demo"
BASE = yaml.safe_load((DEMO / "bad-token.yaml").read_text(encoding="utf-8"))

# Any character: every plane, surrogates, controls, bidirectional overrides, and the ones YAML treats specially.
HOSTILE = st.text(st.one_of(st.characters(), st.sampled_from(
    ["\x00", "\x1b", "\x07", "\r", "\x85", "\u2028", "\u202e", "\u2066", "\ud83d", "\ude00", "\ufeff", "🔑", "😀",
     ":", "#", "&", "*", "!", "|", ">", "'", '"', "{", "}", "[", "]", "%", "@", "`", "\\", "-", "?", "\t", "\n"])),
    max_size=60)


def _paths(value, path=()):
    """Every place in the document that holds text."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))
    elif isinstance(value, str):
        yield path


PATHS = sorted(_paths(BASE), key=str)


def _set(document, path, text):
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = text


def _write(tmp_path, document, dump) -> None:
    folder = tmp_path / "errors" / "demo"
    shutil.rmtree(tmp_path / "errors", ignore_errors=True)
    shutil.copytree(DEMO, folder)
    (folder / "bad-token.yaml").write_text(SCHEMA_LINES["error.schema.json"] + "\n" + dump(document),
                                           encoding="utf-8", errors="surrogatepass")


DUMPS = [lambda document: yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
         lambda document: yaml.safe_dump(document, allow_unicode=False, sort_keys=False)]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE), min_size=1, max_size=4),
       key=st.one_of(st.none(), HOSTILE), dump=st.sampled_from([0, 1]))
@example(edits=[(("title",), "OpenAI API key missing 🔑 [x](#){onfocus=alert(1)}")], key=None, dump=0)
@example(edits=[(("title",), "\x1b]0;PWNED\x07\x1b[2J\nfake/path.yaml:1:1: injected")], key="\x1b[2J", dump=1)
@example(edits=[(("summary",), "\ud83d lone")], key=None, dump=1)
@example(edits=[(("commands", 0, "output"), "0\x85")], key=None, dump=0)   # found: a raw NEL reads as a space
def test_any_text_in_any_field_gives_a_knowledge_base_or_diagnostics(tmp_path, edits, key, dump):
    document = copy.deepcopy(BASE)
    for path, text in edits:
        _set(document, path, text)
    if key is not None:
        document[key] = "x"
    _write(tmp_path, document, DUMPS[dump])
    try:
        kb = load_knowledge_base(tmp_path / "errors")
    except ValidationFailed as failure:
        assert failure.problems
        for problem in failure.problems:
            assert problem.line >= 1 and problem.column >= 1 and problem.code in RULES
            assert "\x1b" not in str(problem) and "\u202e" not in str(problem)
    else:
        entry = kb.by_id()["demo/bad-token"]
        for path, _ in edits:
            value, written = entry.data, document
            for part in path:
                value, written = value[part], written[part]
            assert value == written
