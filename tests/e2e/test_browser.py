"""Headless Chromium over a live server: what a person sees on the public board (公示栏) and
the leaders' statistics page (统计页), and that no phone, ID number or name is on either.

Needs Debian's ``chromium`` and ``chromium-driver`` (/usr/bin/chromium, /usr/bin/chromedriver);
skipped, saying so, when they are not installed. Screenshots are written to pytest's tmp_path.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest

from core.signed_links import stats_url
from tests.integration.test_stats_page import NAMES, PII, seed_cases

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [
    pytest.mark.usefixtures("town"),
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="Chromium not installed: apt-get install chromium chromium-driver"),
]
PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:[ -]?\d){8}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
CUED_NAME = re.compile(r"(?:我是|我叫|联系人)\s*[:：]?\s*[\u4e00-\u9fff]{2}")


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=390,844", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)  # a phone-sized window, as in WeChat's in-app browser
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGB pixels of an 8-bit, non-interlaced RGB/RGBA PNG (no Pillow)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        header, idat = (chunk, idat) if kind == b"IHDR" else (header, idat + chunk * (kind == b"IDAT"))
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * bpp, []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.extend(tuple(line[x:x + 3]) for x in range(0, stride, bpp))
        prev = line
    return width, height, rows


def assert_not_blank(png: bytes, path: Path) -> list[tuple[int, ...]]:
    path.write_bytes(png)
    width, height, pixels = png_pixels(png)
    counts = Counter(pixels)
    background, most = counts.most_common(1)[0]
    assert width > 100 and height > 100
    assert len(counts) > 20, f"{path}: only {len(counts)} colours"
    assert (len(pixels) - most) / len(pixels) > 0.02, f"{path}: almost all {background}"
    return pixels


def assert_private(driver) -> str:
    """The page's visible text, after checking text and HTML hold no personal data."""
    from selenium.webdriver.common.by import By

    text, html = driver.find_element(By.TAG_NAME, "body").text, driver.page_source
    for where in (text, html):
        assert not PHONE.search(where), PHONE.search(where)
        assert not ID_NUMBER.search(where), ID_NUMBER.search(where)
        assert not CUED_NAME.search(where), CUED_NAME.search(where)
        for secret in (*PII, *NAMES):
            assert secret not in where, secret
    return text


def test_board_and_stats_in_chromium(browser, live_server, uow, clock, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    codes = seed_cases(uow, clock)
    browser.get(f"{live_server}/public/C01")
    text = assert_private(browser)
    assert "幸福社区 · 近30天办结公示" in text
    assert codes["a"] in text and codes["b"] in text and codes["c"] not in text  # open: not public
    assert "我是王**" in text and "139****5678" in text  # masked, still readable
    menu = Select(browser.find_element(By.NAME, "category"))
    assert [o.text for o in menu.options] == ["全部（2）", "环境卫生（1）", "物业管理（1）"]
    menu.select_by_visible_text("物业管理（1）")  # the page submits the filter on change
    browser.find_element(By.XPATH, "//option[@selected and @value='property']")
    text = assert_private(browser)
    assert "category=property" in browser.current_url
    assert codes["b"] in text and codes["a"] not in text
    assert_not_blank(browser.get_screenshot_as_png(), tmp_path / "board.png")

    link = stats_url(live_server, "dev-only-change-me", "C01", clock.now(), 72)
    browser.get(link)
    text = assert_private(browser)
    for heading in ("幸福社区 · 近30天统计", "按类别", "按日期", "按网格", "满意度", "超期事件（2件）"):
        assert heading in text, heading
    assert f"{codes['c']} 安全隐患 · 幸福社区第一网格 · 超期7天" in text
    grid = browser.find_element(By.ID, "c-grid")
    assert "各网格按时办结率" in grid.text and "100%" in grid.text and "0%" in grid.text
    assert browser.find_element(By.CSS_SELECTOR, "#c-grid > title").get_attribute(
        "textContent") == "各网格按时办结率"
    category = browser.find_element(By.ID, "c-category")
    assert "环境卫生" in category.text and "2" in category.text.split()
    assert "平均 3.5 分（2 件评价）" in text
    assert category.size["width"] > 250  # the chart fills the phone-wide card
    page = assert_not_blank(browser.get_screenshot_as_png(), tmp_path / "stats.png")
    chart = assert_not_blank(category.screenshot_as_png, tmp_path / "stats-category.png")
    blue = sum(1 for r, g, b in chart if r < 80 and 90 < g < 140 and b > 200)
    assert blue > 200, f"no bars drawn ({blue} blue pixels)"
    assert len(page) > len(chart)

    browser.find_element(By.LINK_TEXT, "近90天").click()  # the period links keep the token
    text = assert_private(browser)
    assert "幸福社区 · 近90天统计" in text and "平均 3.7 分（3 件评价）" in text
    browser.get(link.replace("/stats/C01", "/stats/C02"))
    assert "链接无效" in browser.find_element(By.TAG_NAME, "body").text
