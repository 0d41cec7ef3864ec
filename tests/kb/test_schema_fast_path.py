"""The compiled schema validator (fastjsonschema) accepts exactly what jsonschema accepts, so a file it passes
cannot hide a problem jsonschema would have reported: checked on every shipped and fixture file and on
generated documents with any kind of value in any place."""

from __future__ import annotations

import copy

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from errorkb.kb.schema import is_valid, load_schema
from errorkb.kb.yamlsafe import read_yaml_file

DEMO = FIXTURES / "valid" / "demo"
BASE = yaml.safe_load((DEMO / "bad-token.yaml").read_text(encoding="utf-8"))


def _agrees(data, schema_name: str) -> bool:
    by_jsonschema = not any(jsonschema.Draft7Validator(load_schema(schema_name)).iter_errors(data))
    return is_valid(data, schema_name) == by_jsonschema


def _schema_name(path) -> str:
    return "provider.schema.json" if path.name == "_provider.yaml" else "error.schema.json"


def test_agrees_on_every_shipped_and_fixture_file():
    paths = [*REPO.glob("errors/*/*.yaml"), *FIXTURES.rglob("*.yaml")]
    checked = 0
    for path in paths:
        document, _ = read_yaml_file(path, str(path))
        if document is None:
            continue
        assert _agrees(document.data, _schema_name(path)), path
        checked += 1
    assert checked >= 30
    wrong_type, _ = read_yaml_file(FIXTURES / "invalid" / "wrong-type.yaml", "wrong-type.yaml")
    assert not is_valid(wrong_type.data, "error.schema.json")


def _places(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, path + (index,))


PLACES = [place for place in sorted(_places(BASE), key=str) if place]
ANY_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 1000), st.floats(allow_nan=False), st.text(max_size=8),
              st.sampled_from(["", " ", "2026-01-01", "2099-13-40", "bash", "zsh", "very-common", "GET", "a/b"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=st.sampled_from(PLACES), value=ANY_VALUE, delete=st.booleans())
def test_agrees_on_generated_documents(place, value, delete):
    document = copy.deepcopy(BASE)
    target = document
    for part in place[:-1]:
        target = target[part]
    if delete and isinstance(target, dict):
        del target[place[-1]]
    else:
        target[place[-1]] = value
    assert _agrees(document, "error.schema.json")
