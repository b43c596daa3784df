"""Reading staff command arguments (指令参数): the words after the command and case codes.

Tolerates what people type on a phone: lower-case or full-width case codes (ｇｒ２０２６…),
full-width spaces, colons and commas between the parts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATORS = " \t\r\n\u3000:：,，、;；"
CODE = re.compile(r"[GgＧｇ]\s*[RrＲｒ]\s*([0-9０-９]{12})(?![0-9０-９])")
LIST_LIMIT = 15

USAGE = {
    "接单": "接单 GR…编号",
    "反馈": "反馈 GR…编号 进展情况",
    "办结": "办结 GR…编号 处理结果（10分钟内可再发照片）",
    "上报": "上报 GR…编号 原因（县级可加：工单号 XXX）",
    "延期": "延期 GR…编号 天数 原因 ｜ 延期 GR…编号 同意 ｜ 延期 GR…编号 不同意 原因",
    "核查": "核查 GR…编号 通过 [意见] ｜ 核查 GR…编号 退回 原因",
    "巡查": "巡查 发现的情况（当场处理的加“已处理”）",
    "日志": "日志 今天的民情日志",
    "请假": "请假 原因",
    "受理": "受理 GR…编号 [类别代码或中文名] [网格编码]",
    "派遣": "派遣 GR…编号 企业微信账号 [交代事项]",
    "不予受理": "不予受理 GR…编号 重复|不属于受理范围|无效 [说明]",
    "合并": "合并 GR…编号 到 GR…编号",
    "重办": "重办 GR…编号 原因",
    "转县": "转县 GR…编号 县级平台工单号",
    "详情": "详情 GR…编号（含居民原话和联系方式，仅限管辖范围）",
}


def usage(word: str) -> str:
    """The one-line hint for a command typed with wrong arguments."""
    return f"格式：{USAGE[word]}"


def trim(text: str) -> str:
    return text.strip(SEPARATORS)


def arguments(text: str, word: str) -> str:
    """What follows the command ``word`` (separators trimmed)."""
    text = trim(text.replace("\u3000", " "))
    return trim(text[len(word):] if text.startswith(word) else text)


def normal_code(raw: str) -> str:
    """'ｇｒ２０２６…' or 'gr2026…' → 'GR2026…'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()


def take_code(text: str) -> tuple[str, str]:
    """('GR…', the rest) when ``text`` starts with a case code, else ('', text)."""
    text = trim(text)
    m = CODE.match(text)
    if not m:
        return "", text
    return normal_code(m.group(0)), trim(text[m.end():])


def all_codes(text: str) -> list[str]:
    """Every case code in ``text``, in order."""
    return [normal_code(m.group(0)) for m in CODE.finditer(text)]


def take_word(text: str, options: Iterable[str]) -> tuple[str, str]:
    """(the longest option ``text`` starts with, the rest), or ('', text)."""
    text = trim(text)
    for option in sorted(options, key=len, reverse=True):
        if text.startswith(option):
            return option, trim(text[len(option):])
    return "", text


def take_number(text: str) -> tuple[int | None, str]:
    """A leading count such as '2', '２天', '3个工作日' → (2, rest)."""
    text = trim(text)
    m = re.match(r"([0-9０-９]{1,3})\s*(?:个工作日|个工作天|工作日|天|日)?", text)
    if not m:
        return None, text
    return int(unicodedata.normalize("NFKC", m.group(1))), trim(text[m.end():])
