"""``flask classify`` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli.classify import classify_command


def test_one_text_prints_one_json_object(engine):
    result = CliRunner().invoke(classify_command, ["楼道里有人飞线充电 阳光花园3栋"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["category"] == "safety"
    assert data["address"] == "阳光花园3栋"
    assert "飞线充电" in lines[0]  # ensure_ascii=False
    assert data["candidates"][0]["label"] == "安全隐患"


def test_file_of_lines_and_jsonl(engine, tmp_path):
    plain = tmp_path / "msgs.txt"
    plain.write_text("路灯坏了\n\n办低保要什么材料\n", encoding="utf-8")
    result = CliRunner().invoke(classify_command, ["--file", str(plain)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["intent"] for r in rows] == ["report", "consult"]

    jsonl = tmp_path / "msgs.jsonl"
    jsonl.write_text('{"text": "着火了 5栋"}\n{"text": "你好"}\n', encoding="utf-8")
    rows = [json.loads(line) for line in
            CliRunner().invoke(classify_command, ["--file", str(jsonl)]).output.splitlines()]
    assert rows[0]["urgent"] is True and rows[1]["intent"] == "chitchat"

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"txt": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(classify_command, ["--file", str(bad)])
    assert result.exit_code != 0 and "bad.jsonl:1" in result.output


def test_eval_prints_figures(engine, tmp_path):
    labelled = tmp_path / "eval.jsonl"
    labelled.write_text(
        '{"text": "路灯坏了", "category": "facility", "intent": "report", "urgent": false}\n'
        '{"text": "楼道冒烟了 快来人", "category": "safety", "intent": "report", "urgent": true}\n'
        '{"text": "小广告太多了", "category": "env", "intent": "report", "urgent": false}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(classify_command, ["--eval", str(labelled), "--mistakes"])
    assert result.exit_code == 0, result.output
    assert "category accuracy (report+consult, 3 rows): 0.667" in result.output
    assert "intent accuracy: 1.000" in result.output
    assert "urgent recall: 1.000  precision: 1.000" in result.output
    assert "env → city: 1" in result.output
    assert "小广告太多了" in result.output


def test_usage_errors():
    runner = CliRunner()
    assert runner.invoke(classify_command, []).exit_code == 2
    assert runner.invoke(classify_command, ["x", "--eval", __file__]).exit_code == 2
    assert "Usage" in runner.invoke(classify_command, ["--help"]).output
