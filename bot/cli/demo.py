"""``flask demo``: seed a demo town on a fresh SQLite database and play the whole story."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from bot.app import create_app
from bot.devtools.delivery import FakeDelivery, demo_settings, start_fake
from bot.devtools.demo import Story, ledger_lines, play, seed
from bot.devtools.session import BotSession
from config import load_settings
from config.settings import PROJECT_DIR
from core.migrate import upgrade

DEMO_DB = PROJECT_DIR / "instance" / "demo.db"


@click.command("demo")
@click.option("--database", default=str(DEMO_DB), show_default=True,
              help="SQLite file for the demo (recreated every run)")
def demo_command(database: str) -> None:
    """Seed a demo town and play a scripted story through the real callbacks."""
    path = Path(database).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    fake = start_fake()
    fake.add_media("demo-photo-1", b"\xff\xd8\xff\xe0demo-jpeg")
    settings = demo_settings(load_settings(), fake).with_overrides(
        DATABASE_URL=url, REDIS_URL="", WECHAT_AES_KEY="", MEDIA_DIR=str(path.parent / "demo-media"))
    app = create_app(settings)
    logging.getLogger().setLevel(logging.WARNING)  # the transcript is the output
    runtime = app.extensions["wanggetong"]
    upgrade(runtime.engine)
    click.echo("网格通演示：阳光街道（2个社区、4个网格）。推送经发件箱投递到本机模拟的微信接口。")
    for line in seed(runtime):
        click.echo("  导入 " + line)
    delivery = FakeDelivery(runtime, fake)
    try:
        code = play(Story(BotSession(app), click.echo, pushes=delivery))
    finally:
        delivery.close()
        fake.stop()
    click.echo("\n—— 台账（事件全过程）——")
    for line in ledger_lines(runtime, code):
        click.echo(line)
    runtime.engine.dispose()
    click.echo(f"""
演示数据在 {path}。自己试试：
  DATABASE_URL={url} flask run                                   # 启动服务（/wechat/official、/wechat/work）
  DATABASE_URL={url} flask chat --as resident o-my-openid        # 以居民身份聊天
  DATABASE_URL={url} flask chat --as staff wangjianguo           # 以网格长王建国身份处理
  DATABASE_URL={url} flask cases list                            # 查看全部事件（JSON）""")
