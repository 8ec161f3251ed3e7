"""The `jianyan` command group: it only registers the commands, each defined in its own module."""
from __future__ import annotations

import click

from jianyan import __version__
from jianyan.cli.check import check
from jianyan.cli.common import MainGroup
from jianyan.cli.dup import dup
from jianyan.cli.fix import fix_cmd
from jianyan.cli.history import history_cmd
from jianyan.cli.i18n import CONTEXT
from jianyan.cli.importing import import_cmd
from jianyan.cli.init import init_cmd
from jianyan.cli.issue import issue
from jianyan.cli.new import new
from jianyan.cli.owners import owners_cmd
from jianyan.cli.publicity import publicity_cmd
from jianyan.cli.records import record
from jianyan.cli.schema import schema_cmd
from jianyan.cli.site import site
from jianyan.cli.themes import themes_cmd
from jianyan.cli.tracking import circular, export, feedback, stats
from jianyan.cli.todo import todo_cmd
from jianyan.cli.remind import remind_cmd


@click.group("jianyan", cls=MainGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="jianyan", message="%(prog)s 版本 %(version)s",
                      help="显示版本号并退出。")
def main() -> None:
    """建言：政协建言活动的“文档即代码”工具。

    每条建言信息是 submissions/ 下的一个 Markdown 文件，专刊在 issues/ 下，批示和办理记录在 feedback/ 下。各岗位的操作说明见 docs/ 目录。

    \b
    常用命令：
      jianyan new            新建一条建言信息
      jianyan check          检查全部文件
      jianyan issue build    生成最新一期专刊
    """

for _command in (check, new, schema_cmd, issue, dup, fix_cmd, history_cmd, import_cmd, init_cmd, owners_cmd, record,
                 site, stats, export, feedback, circular, todo_cmd, remind_cmd):
    main.add_command(_command)
main.add_command(themes_cmd)
main.add_command(publicity_cmd)
