"""``flask chat --as resident|staff ID``: try the bot in a terminal, no WeChat account needed."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.devtools.session import BotSession, format_push

CHAT_HELP = """输入文字发给机器人；特殊指令：
  /photo              发送一张照片
  /location 地点名     发送位置（例如 /location 阳光花园3栋）
  /subscribe          关注公众号事件；/click 键 菜单点击（REPORT QUERY PUBLICITY GUIDE）
  /as resident ID 或 /as staff 企业微信账号   切换身份
  /quit               退出"""


def _channel(kind: str) -> str:
    return "wecom" if kind == "staff" else "official"


@click.command("chat")
@click.option("--as", "who", nargs=2, default=("resident", "o-chat-resident"), show_default=True,
              metavar="resident|staff ID", help="身份：居民 openid 或工作人员企业微信账号")
@click.option("--url", default="", help="发往运行中的服务（如 http://127.0.0.1:5000），默认进程内")
@with_appcontext
def chat_command(who: tuple[str, str], url: str) -> None:
    """Chat with the bot as a resident or a staff member (signed callbacks, real webhook)."""
    kind, user = who
    if kind not in ("resident", "staff"):
        raise click.BadParameter("--as 的第一项须是 resident 或 staff")
    session = BotSession(current_app._get_current_object(), url=url)  # type: ignore[attr-defined]
    session.new_pushes()  # skip what was queued before this chat
    click.echo(f"以{'居民' if kind == 'resident' else '工作人员'} {user} 的身份对话。/help 查看指令，/quit 退出。")
    while True:
        try:
            line = input(f"{user}> ").strip()
        except EOFError:
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/help":
            click.echo(CHAT_HELP)
            continue
        if line.startswith("/as "):
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("resident", "staff"):
                kind, user = parts[1], parts[2]
                click.echo(f"已切换为 {kind} {user}")
            else:
                click.echo("用法：/as resident ID 或 /as staff 企业微信账号")
            continue
        reply = _send(session, _channel(kind), user, line)
        click.echo(f"机器人: {reply or '（无回复）'}")
        for push in session.new_pushes():
            click.echo(format_push(push))


def _send(session: BotSession, channel: str, user: str, line: str) -> str:
    if line == "/photo":
        return session.send(channel, user, "image", MediaId=f"demo-{secrets.token_hex(6)}",
                            PicUrl="http://example.invalid/p.jpg")
    if line.startswith("/location"):
        label = line[len("/location"):].strip()
        return session.send(channel, user, "location", Location_X="22.54", Location_Y="114.05",
                            Scale="15", Label=label)
    if line == "/subscribe":
        return session.send(channel, user, "event", Event="subscribe")
    if line.startswith("/click "):
        return session.send(channel, user, "event", Event="CLICK", EventKey=line[7:].strip())
    return session.say(channel, user, line)
