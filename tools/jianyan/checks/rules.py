"""The quality.* and pii.* rules: code, default severity and one-line Chinese fix hint.

Severity of a finding = the settings' ``severity:`` override for the code (or its category), else
the rule's default below. Strict at review, loose at draft: a draft submission or a draft bulletin
issue never gets an error, only a warning (``checks.finalize`` keeps it that way after overrides).
"""
from __future__ import annotations

from dataclasses import dataclass

from jianyan.core.findings import ERROR, INFO, WARNING, Finding


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # default, from `submitted` on
    name: str  # Chinese name, for tables and docs
    hint: str  # one-line fix hint, appended to every message


_ALL = (
    # empty talk
    Rule("quality.empty_talk", WARNING, "空话套话", "删去放到哪篇信息里都成立的套话，换成具体的事实、数据和措施"),
    Rule("quality.stacked_intensifiers", WARNING, "修饰语堆砌", "一句话保留一个必要的修饰语，用具体做法代替“进一步、切实、认真”"),
    Rule("quality.opening", WARNING, "套路开头", "开门见山：第一段直接写发现了什么问题、在哪里、有多严重"),
    Rule("quality.closing", WARNING, "套路结尾", "删去表态式结尾，建议写完即止"),
    # structure and focus
    Rule("quality.missing_problem", WARNING, "缺少问题部分", "写明存在的具体问题（可加小标题“存在的问题”）"),
    Rule("quality.missing_cause", INFO, "缺少原因分析", "可补充一段原因分析（小标题“原因分析”），说明问题从何而来"),
    Rule("quality.missing_suggestion", WARNING, "缺少建议部分", "补充对策建议（小标题“对策建议”），逐条写明措施"),
    Rule("quality.missing_practice", WARNING, "缺少做法部分", "经验做法类信息要写明“主要做法”，再写成效和启示"),
    Rule("quality.unnumbered", WARNING, "建议未分条", "建议分条写：一是……二是……，或（一）（二）"),
    Rule("quality.vague_point", WARNING, "建议不具体", "每条建议写明由谁做（责任部门）、做什么（具体措施），能量化的写明数字或时限"),
    Rule("quality.title_form", ERROR, "标题格式", "标题写成“关于……的建议”“关于……问题的反映”或“……的做法”，末尾不加标点"),
    Rule("quality.multi_topic", WARNING, "一文多事", "一事一议：只写一件事，其他问题另报一条信息"),
    Rule("quality.long_sentence", WARNING, "长句", "把长句拆成几个短句，一句只说一层意思"),
    Rule("quality.long_paragraph", WARNING, "长段落", "把长段落按意思拆成几段"),
    # typography
    Rule("quality.halfwidth_punct", WARNING, "中文里用了半角标点", "中文句子里用全角标点（，。；：？！（））；可运行 jianyan fix 自动修正"),
    Rule("quality.quotes", WARNING, "引号不规范", "中文引号统一用“”和‘’，并成对使用；直引号可运行 jianyan fix 自动修正"),
    Rule("quality.cjk_space", WARNING, "汉字之间有空格", "删去汉字之间的空格；可运行 jianyan fix 自动修正"),
    Rule("quality.fullwidth_alnum", WARNING, "全角字母数字", "字母和数字用半角（如 2021、GDP）；可运行 jianyan fix 自动修正"),
    Rule("quality.no_phrases", WARNING, "缺少套话词表", "恢复 schema/phrases.yaml"),
    # personal data
    Rule("pii.id_card", ERROR, "身份证号", "删去身份证号；确需联系的写在文件头的 contact 字段（不公开）"),
    Rule("pii.id_card_old", ERROR, "15位身份证号", "删去身份证号；确需联系的写在文件头的 contact 字段（不公开）"),
    Rule("pii.mobile", ERROR, "手机号码", "删去手机号码；联系方式只写在文件头的 contact 字段（不公开）"),
    Rule("pii.landline", ERROR, "固定电话", "删去电话号码；联系方式只写在文件头的 contact 字段（不公开）"),
    Rule("pii.email", ERROR, "电子邮箱", "删去邮箱地址；联系方式只写在文件头的 contact 字段（不公开）"),
)
RULES: dict[str, Rule] = {r.code: r for r in _ALL}


def level(overrides: dict[str, str], code: str, draft: bool) -> str:
    """Severity of ``code`` for a document; "off" means do not report."""
    value = overrides.get(code) or overrides.get(code.split(".")[0]) or RULES[code].severity
    if draft and value == ERROR:
        return WARNING
    return value


# The messages made lately, each kept once: many findings say the same thing (a set opening, a half-width
# comma in the same column), and a large campaign's 400 000 findings then hold a third as many strings
# (pickled back from a worker, a message met twice in its results is sent once). Cleared when full.
_MESSAGES: dict[str, str] = {}
MESSAGES_KEPT = 50_000


def _once(text: str) -> str:
    """``text``, as the equal message made before it when there is one."""
    kept = _MESSAGES.setdefault(text, text)
    if len(_MESSAGES) > MESSAGES_KEPT:
        _MESSAGES.clear()
    return kept


class Reporter:
    """Builds findings for one document with the right severity and the rule's fix hint."""

    def __init__(self, campaign, path: str, draft: bool) -> None:
        regs = campaign.registries
        self.overrides = regs.settings.severity if regs else {}
        self.path = path
        self.draft = draft

    def __call__(self, code: str, line: int | None, message: str, column: int | None = None) -> Finding | None:
        sev = level(self.overrides, code, self.draft)
        if sev == "off":
            return None
        return Finding(self.path, line, column, sev, code, _once(message.rstrip("。") + "。" + RULES[code].hint))
