"""Progress sheets and Word documents for the importer tests: a campaign with open tasks to report on
(``reopened``), sheet rows, an Excel workbook, a small Word submission to vary."""
from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

import docx
from conftest import copy_campaign

RECORD = "feedback/2021/2021-minge-001.yaml"
HEADER = ["信息编号", "承办单位", "进展日期", "办理进度(%)", "进展情况", "办理状态"]
ROW_A = "2021-minge-001,省财政厅,2021-06-20,95,联调完成,办理中"
ROW_B = "2021-minge-001,省生态环境厅,2021-06-21,95,数据接入,办理中"
TITLE = "关于加快黄河流域生态保护补偿机制建设的建议"


def reopened(root: Path) -> Path:
    """The sample campaign with 省财政厅 and 省生态环境厅's tasks on 2021-minge-001 open again."""
    copy_campaign(root)
    rec = root / RECORD
    lines = rec.read_text(encoding="utf-8").split("\n")
    keep = [ln for ln in lines if not ln.startswith(("    state: done", "    closed:", "    result:"))]
    text = "\n".join(keep).replace("        percent: 100\n        note: 实施办法经省政府同意后印发", "        percent: 90\n"
                                                                                     "        note: 实施办法经省政府同意后印发")
    rec.write_text(text.replace("      - date: 2021-05-26\n        percent: 100", "      - date: 2021-05-26\n"
                                                                            "        percent: 90"), encoding="utf-8")
    return root


def workbook(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


@functools.cache
def _template() -> tuple[tuple[str, bytes], ...]:
    """The members of a small submission made by python-docx (once: the fuzz tests make thousands)."""
    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph("报送单位：民革山东省委会")
    d.add_paragraph("选题：1")
    d.add_paragraph("黄河流域生态保护补偿是推动共同抓好大保护的重要抓手。")
    d.add_paragraph("PLACEHOLDER")
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf) as z:
        return tuple((n, z.read(n)) for n in z.namelist())


def word(path: Path, body_xml: str | None = None, parts: dict[str, bytes] | None = None) -> Path:
    """A small submission; ``body_xml`` replaces its last paragraph, ``parts`` replace or add members."""
    members = dict(_template())
    doc = members["word/document.xml"].decode()
    at = doc.index("<w:t>PLACEHOLDER</w:t>")
    start, end = doc.rindex("<w:p>", 0, at), doc.index("</w:p>", at) + len("</w:p>")
    members["word/document.xml"] = (doc[:start] + (body_xml or "<w:p><w:r><w:t>正文。</w:t></w:r></w:p>")
                                    + doc[end:]).encode()
    members.update(parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return path
