"""The learned model (model.json): loading, broken files, training, blending."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.nlp import DEFAULT_DIR, TableError, classify, load_tables
from bot.nlp.corpus import DEV_CORPUS, labelled_files, read_labelled
from bot.nlp.learned import FORMAT, load_model, parse_model
from bot.nlp.naive_bayes import TrainOptions, train_model
from bot.nlp.train import data_digest

MODEL = DEFAULT_DIR / "model.json"


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "nlp"
    shutil.copytree(DEFAULT_DIR, target)
    return target / "model.json"


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_committed_model_loads_with_three_heads():
    model = load_tables().model
    assert model is not None
    assert model.category.classes[0] == "env" and len(model.category.classes) == 13
    assert model.intent is not None and set(model.intent.classes) == {"consult", "report"}
    assert model.urgent is not None and model.urgent.classes == ("urgent", "calm")
    assert model.category.weight > 0, "the blend weight comes from cross-validation"
    assert 0.5 <= model.urgent.threshold <= 2
    assert len(model.category.weights) > 1000


@pytest.mark.skipif(not DEV_CORPUS.is_file(), reason="dev corpus not present")
def test_committed_model_is_trained_on_the_current_rows():
    """Labelled rows were added or changed: run python -m bot.nlp.train and commit model.json."""
    rows = read_labelled(labelled_files())
    meta = load_model(MODEL).meta
    assert meta["rows"] == len(rows)
    assert meta["data_sha256"] == data_digest(rows)


def test_missing_model_is_reported(model_copy):
    model_copy.unlink()
    with pytest.raises(TableError, match=r"model\.json:1: cannot read the learned model .*bot\.nlp\.train"):
        load_tables(model_copy.parent)
    assert load_tables(model_copy.parent, with_model=False).model is None


def test_invalid_json_names_the_line(model_copy):
    lines = model_copy.read_text(encoding="utf-8").split("\n")
    lines[5] = lines[5].replace(":", "", 1)
    model_copy.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TableError, match=r"model\.json:6: not valid JSON"):
        load_tables(model_copy.parent)


def test_unknown_class_in_a_feature_names_its_line(model_copy):
    text = model_copy.read_text(encoding="utf-8")
    feature_line = next(line for line in text.split("\n") if line.startswith('"火": {'))
    broken = feature_line.replace('"safety":', '"fire":', 1)
    model_copy.write_text(text.replace(feature_line, broken, 1), encoding="utf-8")
    with pytest.raises(TableError) as info:
        load_tables(model_copy.parent)
    message = str(info.value)
    assert f"{model_copy}:{_line_of(model_copy, broken)}:" in message
    assert "unknown class 'fire'" in message


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d.update(format="nb/0"), "unknown model format"),
        (lambda d: d["heads"].pop("category"), "missing heads.category"),
        (lambda d: d["heads"].update(extra=d["heads"]["intent"]), "unknown head"),
        (lambda d: d["heads"]["category"].update(weight="lots"), "expected a number"),
        (lambda d: d["heads"]["intent"].update(classes=["consult", "gossip"]), "classes must be"),
        (lambda d: d["heads"]["urgent"].update(ngram=3), "same ngram size"),
    ],
)
def test_broken_model_fields_are_reported(model_copy, edit, reason):
    data = json.loads(model_copy.read_text(encoding="utf-8"))
    edit(data)
    model_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(TableError, match=rf"model\.json:\d+: .*{reason}"):
        load_tables(model_copy.parent)


ROWS = [
    {"text": "楼下垃圾堆了好几天 臭死了", "category": "env", "intent": "report", "urgent": False},
    {"text": "垃圾桶满了没人清", "category": "env", "intent": "report", "urgent": False},
    {"text": "路灯不亮了 晚上好黑", "category": "facility", "intent": "report", "urgent": False},
    {"text": "路灯坏了好几盏", "category": "facility", "intent": "report", "urgent": False},
    {"text": "低保怎么申请 要什么材料", "category": "welfare", "intent": "consult", "urgent": False},
    {"text": "低保要什么材料", "category": "welfare", "intent": "consult", "urgent": False},
    {"text": "着火了 快来人", "category": "safety", "intent": "report", "urgent": True},
    {"text": "楼道着火了 好大的烟", "category": "safety", "intent": "report", "urgent": True},
]


def test_training_is_deterministic_and_round_trips(engine, tmp_path):
    options = TrainOptions(min_df=1)
    first = train_model(ROWS, engine.normalise, options).blended((4.0, 2.0), (1.0, 2.0), 0.99)
    second = train_model(list(ROWS), engine.normalise, options).blended((4.0, 2.0), (1.0, 2.0), 0.99)
    assert first.to_json() == second.to_json()
    assert json.loads(first.to_json())["format"] == FORMAT
    again = parse_model(first.to_json(), tmp_path / "model.json")
    assert again.to_json() == first.to_json()
    norm = engine.normalise("垃圾好臭")
    post = again.category.posterior(norm)
    assert max(post, key=post.__getitem__) == "env"
    assert again.urgent.posterior(engine.normalise("着火了"))["urgent"] > 0.5


def test_blend_keeps_table_decisions_and_fills_gaps(engine):
    # a clear table word still decides, whatever the model thinks
    assert classify("楼道里有人飞线充电").category == "safety"
    # nothing to go on: no category, no confidence, nothing urgent
    empty = classify("嗯")
    assert (empty.category, empty.confidence, empty.urgent) == ("other", 0.0, False)
    # the model alone never makes a confident answer out of a vague one
    assert classify("有问题").confidence < 0.45


def test_engine_without_model_still_classifies(engine):
    rules = engine.with_model(None)
    c = rules.classify("楼下垃圾桶满了 臭死了")
    assert c.category == "env" and c.intent == "report"
