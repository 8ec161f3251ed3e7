"""ref.codeowners_outdated: the CODEOWNERS files must match the roles and units registries.

Only checked once a campaign uses them (at least one of the three files exists), so a campaign
that is not on a forge is not bothered."""
from __future__ import annotations

from typing import Iterator

from jianyan.core.findings import Finding, error
from jianyan.campaign.owners import FILES, outdated
from jianyan.campaign.load import Campaign


def check(campaign: Campaign, ctx) -> Iterator[Finding]:
    regs = campaign.registries
    if regs is None or not any((campaign.root / p).is_file() for p in FILES):
        return
    for path, line in sorted(outdated(campaign.root, regs).items()):
        what = "缺少此文件" if line is None else "内容已过期，与 schema/roles.yaml、schema/units.yaml 不一致（此行起不同）"
        yield error(path, line, "ref.codeowners_outdated",
                    f"审核分工文件 {path} {what}：拉取请求会被分派给错误的审核人。"
                    "请运行 jianyan owners 重新生成，并把生成的文件一并提交")
