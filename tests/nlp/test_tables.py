"""Tables as data: broken tables are reported as FILE:LINE: reason; jieba user words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.nlp import DEFAULT_DIR, TableError, load_tables


@pytest.fixture
def tables_copy(tmp_path: Path) -> Path:
    target = tmp_path / "nlp"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _replace_line(path: Path, old: str, new: str) -> int:
    """Replace the first line containing ``old``; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if old in line:
            lines[number - 1] = line.replace(old, new)
            path.write_text("\n".join(lines), encoding="utf-8")
            return number
    raise AssertionError(f"{old!r} not in {path}")


def test_default_tables_load():
    tables = load_tables()
    assert [t.code for t in tables.categories][:3] == ["env", "city", "facility"]
    assert tables.settings["similarity_threshold"] == 0.6


def test_copy_loads(tables_copy):
    assert load_tables(tables_copy).directory == tables_copy


@pytest.mark.parametrize(
    ("relative", "old", "new", "reason"),
    [
        ("categories/safety.yaml", "  消防通道: 6.5", "  消防通道: lots", "expected a number"),
        ("categories/env.yaml", "  垃圾桶: 3.5", "  垃圾桶: 99", "outside"),
        ("categories/city.yaml", "  占道: 4.5", "  占道经营+: 4.5", "'+' belongs in phrases"),
        ("categories/dispute.yaml", "  邻居+狗: 3", "  邻居+: 3", "joins two or more words"),
        ("categories/health.yaml", "code: health", "code: healthcare", "unknown category code"),
        ("common.yaml", "  路登: 路灯", "  路登: 路灯杆", "same length"),
        ("rules.yaml", "    ratio: 0.7", "    ratio: 7", "outside"),
        ("urgent.yaml", "    category: safety", "    category: fire", "unknown category code"),
        ("intents.yaml", "    - 'gr\\d{6,}'", "    - 'gr(\\d{6,}'", "bad regular expression"),
        ("guides.yaml", "以社区通知为准。", "请自行咨询。", "must end with"),
        ("settings.yaml", "confidence_tau: 3.0", "confidence_tau: [2]", "single value"),
        ("address.yaml", "connectors: [和, 与, 跟, 同]", "connecters: [和]", "unknown field"),
        ("privacy.yaml", "cues:", "cues: [a\n  b: [", "YAML syntax"),
    ],
)
def test_broken_table_names_file_and_line(tables_copy, relative, old, new, reason):
    path = tables_copy / relative
    line = _replace_line(path, old, new)
    with pytest.raises(TableError) as info:
        load_tables(tables_copy)
    message = str(info.value)
    assert message.startswith(f"{path}:"), message
    reported = int(message[len(str(path)) + 1 :].split(":", 1)[0])
    assert abs(reported - line) <= 1, (message, line)
    assert reason in message


def test_duplicate_key_is_reported(tables_copy):
    path = tables_copy / "categories" / "labor.yaml"
    text = path.read_text(encoding="utf-8").replace("  欠薪: 6\n", "  欠薪: 6\n  欠薪: 5\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableError, match=r"labor\.yaml:\d+: duplicate key '欠薪'"):
        load_tables(tables_copy)


def test_userdict_errors_and_missing_files(tables_copy):
    userdict = tables_copy / "userdict.txt"
    userdict.write_text("# comment\n消防通道 50000 n\n飞线 充电 10 x\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"userdict\.txt:3: "):
        load_tables(tables_copy)
    userdict.write_text("消防通道\n", encoding="utf-8")
    (tables_copy / "categories" / "other.yaml").unlink()
    with pytest.raises(TableError, match=r"other\.yaml:1: missing category table"):
        load_tables(tables_copy)


def test_admin_extension_takes_effect(tables_copy, engine):
    """A keyword added to a copy of the tables changes the result of that engine only."""
    from bot.nlp.engine import Engine

    path = tables_copy / "categories" / "other.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "keywords:\n", "keywords:\n  共享充电宝: 6\n", 1), encoding="utf-8")
    custom = Engine(load_tables(tables_copy), engine.segmenter)
    text = "共享充电宝押金退不了"
    assert custom.classify(text).category == "other"
    assert "共享充电宝" in custom.classify(text).keywords


@pytest.mark.parametrize("word", ["消防通道", "飞线充电", "占道经营", "高空抛物", "井盖", "违建", "低保", "居住证"])
def test_domain_words_are_single_jieba_tokens(engine, word):
    assert word in engine.segmenter.cut(f"我们这里的{word}有问题")
