"""Privacy masking (脱敏): every PII kind masked, case codes / dates / times / money untouched."""

from __future__ import annotations

import pytest

from bot.nlp import mask
from bot.nlp.privacy import valid_id18


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("有事打我电话13912345678", "有事打我电话139****5678"),
        ("电话 139 1234 5678", "电话 139 **** 5678"),
        ("手机：139-1234-5678", "手机：139-****-5678"),
        ("座机 010-62345678", "座机 010-****5678"),
        ("座机0571-8712345", "座机0571-***2345"),
        ("身份证号11010519491231002X", "身份证号110***********002X"),
        ("身份证号 11010519491231002x 请核实", "身份证号 110***********002x 请核实"),
        ("老身份证110105491231002", "老身份证110*********002"),
        ("我是张伟，住在这", "我是张*，住在这"),
        ("我叫欧阳娜娜", "我叫欧阳**"),
        ("联系人：王小明 谢谢", "联系人：王** 谢谢"),
        ("我是张伟的妈妈", "我是张*的妈妈"),
        ("302室漏水", "***室漏水"),
        ("找1502的业主", "找****的业主"),
        ("锦绣家园3栋2单元502天天吵", "锦绣家园3栋2单元***天天吵"),
        ("4栋301群租", "4栋***群租"),
    ],
)
def test_masks_each_kind(engine, text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "案件GR202611260001已办结",
        "GR202611260001 2026-11-26 15:30 处理",
        "11月26日下午3点半到现场",
        "2026年11月26日 赔偿2000元",
        "罚款￥1500.50",
        "欠了3万块工资",
        "姓李，是个热心人",
        "王女士 李师傅 张大爷",
        "我是金桂园的业主",
        "我是低保户",
        "住在3栋2单元",
        "身份证号110101199003077777",  # checksum wrong: not an ID number
    ],
)
def test_leaves_non_pii_alone(engine, text):
    assert mask(text) == text


def test_mask_mixed_message_keeps_length(engine):
    text = "我是李华 13700005678 住阳光花园5栋1单元1201 案件GR202611260002 11月26日"
    out = mask(text)
    assert len(out) == len(text)
    assert "13700005678" not in out and "1201" not in out and "李华" not in out
    assert "GR202611260002" in out and "11月26日" in out and "阳光花园5栋1单元" in out
    assert mask("") == ""


def test_id_checksum():
    assert valid_id18("11010519491231002X")
    assert not valid_id18("110105194912310021")
