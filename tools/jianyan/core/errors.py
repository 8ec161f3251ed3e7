"""The one base of every failure a user can meet, and the command line's exit codes (CONTRACT).

A ``JianyanError``'s ``str()`` is a Chinese message saying what is wrong and what to do. Each module raises
its own subclass (``BulletinError``, ``GitError``, ``ImportFailure``…) where it is defined, knowing nothing
of the command line; the command line's one handler (``jianyan.cli.common.MainGroup``) prints the message
as ``错误：<message>`` on stderr and exits with the error's ``exit_code``."""
from __future__ import annotations

EXIT_OK = 0  # no errors (warnings allowed)
EXIT_FINDINGS = 1  # at least one error in the checked files
EXIT_USAGE = 2  # a usage error, or the tool cannot do what was asked


class JianyanError(Exception):
    """A failure the user can act on: ``str()`` is the Chinese message; ``exit_code`` what the command
    exits with (2 unless the class or the raiser says otherwise)."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
