"""`jianyan schema`: regenerate the JSON Schemas under schema/json/ from the data model."""
from __future__ import annotations

import click

from jianyan.cli.i18n import Command
from jianyan.campaign.where import find_root


@click.command("schema", cls=Command)
def schema_cmd() -> None:
    """根据数据模型重新生成 schema/json/ 下的 JSON Schema（供编辑器提示和校验用）。"""
    from jianyan.campaign import jsonschema  # lazy: the campaign model (pydantic)
    root = find_root()
    written = jsonschema.write(root)
    from jianyan.render import opendata  # lazy: the open-data schemas of the public site (api/)
    written += opendata.write_schemas(root)
    for p in written:
        click.echo(p.relative_to(root).as_posix())
    click.echo(f"已更新 {len(written)} 个文件。" if written else "JSON Schema 已是最新。", err=True)
