"""``flask open311 points FILE``: coordinates of estates and buildings (坐标导入)."""

from __future__ import annotations

import click

from bot.app import runtime
from bot.open311.views import bp
from core.errors import InvalidInput
from core.open311.places import POINTS_HEADER, PointRow, import_points
from core.registry.rows import TableError, read_table


@bp.cli.command("points")
@click.argument("path", type=click.Path())
def points_command(path: str) -> None:
    """导入地址坐标（CSV 或 XLSX，表头：小区,楼栋,纬度,经度；WGS-84）。

    每行对应地址表中已有的一行（楼栋可为空，表示整个小区）。有一行不对，整个文件都不导入，
    并列出每一个错行。开放接口只带坐标的报事，按最近的坐标点（500 米内）定位到网格。
    """
    try:
        header, rows = read_table(path)
    except TableError as exc:
        raise click.ClickException(str(exc)) from exc
    if tuple(header[:4]) != POINTS_HEADER:
        raise click.ClickException(f"表头须为：{','.join(POINTS_HEADER)}")
    points = [PointRow(r.line, *(list(r.values) + [""] * 4)[:4]) for r in rows]
    try:
        with runtime().uow() as uow:
            count = import_points(uow.session, points)
    except InvalidInput as exc:
        raise click.ClickException(f"{path}：整个文件未导入\n{exc}") from exc
    click.echo(f"{path}：已导入 {count} 个坐标点")
