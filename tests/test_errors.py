"""One error base (jianyan.core.errors.JianyanError) and one handler (cli.common.MainGroup): every failure a user
can meet is a JianyanError, and the handler prints its Chinese message and exits with its code."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from conftest import in_process

from jianyan.campaign.bulletin import BulletinError
from jianyan.campaign.edit import EditError
from jianyan.campaign.frontmatter import ChangedWhileChecking
from jianyan.cli.common import Failure, MainGroup
from jianyan.cli.i18n import UsageFailure
from jianyan.core.errors import EXIT_FINDINGS, EXIT_USAGE, JianyanError
from jianyan.importing.docxread import TooLarge
from jianyan.importing.feedback import SheetFailure
from jianyan.importing.word import ImportFailure
from jianyan.importing.init import InitError
from jianyan.render.env import TemplateFailure
from jianyan.render.office import PackageRefused
from jianyan.render.pdf import PdfFailure
from jianyan.render.records import RecordFailure
from jianyan.render.reports import ReportFailure
from jianyan.render.site import SiteRefused
from jianyan.vcs.git import GitError
from jianyan.campaign.where import NotACampaign


@pytest.mark.parametrize("cls", [BulletinError, EditError, ChangedWhileChecking, InitError, SiteRefused, RecordFailure,
                                 PackageRefused, TemplateFailure, ReportFailure, PdfFailure, GitError, ImportFailure,
                                 TooLarge, SheetFailure, NotACampaign, Failure, UsageFailure])
def test_every_user_facing_failure_is_a_jianyan_error(cls):
    assert issubclass(cls, JianyanError)


class Late(JianyanError):
    exit_code = EXIT_FINDINGS


def raising(exc: BaseException) -> click.Group:
    group = MainGroup("jianyan")

    @group.command("go")
    def go() -> None:
        raise exc
    return group


@pytest.mark.parametrize("exc, code, err", [
    (BulletinError("没有第 2099-001 期"), EXIT_USAGE, "错误：没有第 2099-001 期\n"),
    (Late("晚了"), EXIT_FINDINGS, "错误：晚了\n"),
    (Failure("换一个文件名", exit_code=EXIT_FINDINGS), EXIT_FINDINGS, "错误：换一个文件名\n"),
    (KeyboardInterrupt(), EXIT_FINDINGS, "\n已中止。\n"),
    (ZeroDivisionError("division by zero"), EXIT_USAGE,
     "错误：jianyan 内部错误（ZeroDivisionError: division by zero）。这是工具本身的问题，不是您的文件写错了；"
     "请把这条信息发给维护人员。设置环境变量 JIANYAN_DEBUG=1 可显示详细信息\n"),
])
def test_the_handler_prints_the_message_and_exits_with_the_code(monkeypatch, exc, code, err):
    monkeypatch.delenv("JIANYAN_DEBUG", raising=False)
    result = CliRunner().invoke(raising(exc), ["go"], catch_exceptions=False)
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", err)


def test_debug_shows_the_traceback_of_an_unexpected_error(monkeypatch):
    monkeypatch.setenv("JIANYAN_DEBUG", "1")
    result = CliRunner().invoke(raising(ZeroDivisionError("x")), ["go"], catch_exceptions=False)
    assert "Traceback" in result.stderr and "jianyan 内部错误" in result.stderr


def test_a_domain_error_reaches_the_user_through_the_handler(campaign, monkeypatch):
    run = in_process(monkeypatch)
    missing = run(campaign, "issue", "build", "2099-001", "--no-pdf")  # BulletinError, raised in campaign/bulletin.py
    assert (missing.code, missing.out) == (EXIT_USAGE, "")
    assert missing.err == "错误：没有第 2099-001 期（应有文件 issues/2099/001.md）。用 jianyan issue list 查看已有各期\n"
    (campaign / "sheet.csv").write_text("x\n", encoding="utf-8")
    sheet = run(campaign, "feedback", "import", "sheet.csv")  # the sheet's content: exit 1, as a bad row
    assert sheet.code == EXIT_FINDINGS and sheet.err.startswith("错误：sheet.csv 第 1 行（表头）缺少列：")
    outside = run(campaign.parent, "stats")  # NotACampaign
    assert outside.code == EXIT_USAGE and outside.err.startswith("错误：") and "内部错误" not in outside.err
