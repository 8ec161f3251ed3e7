"""Where each file of a campaign lives: every path rule of the repository's layout, in one place.

    schema/<name>.yaml                      registries and the campaign settings (schema/json: generated JSON Schemas)
    submissions/<YYYY>/<unit>/<id>.md       a submission, id = <YYYY>-<unit>-<NNN>
    issues/<YYYY>/<NNN>.md                  a bulletin issue, id = <YYYY>-<NNN>
    feedback/<YYYY>/<item-id>.yaml          the leaders' instructions and the handling of one adopted item
    .jianyan/allowed_signers                the keys that may sign an issue (settings: bulletin.allowed_signers)

Paths are repository-relative with ``/`` (as findings name them); join one to the campaign root for the
file. Nothing here reads the disk or imports the rest of the package: the lowest modules (``where``
finds the campaign root by its settings file) may use it.
"""
from __future__ import annotations

import re

SCHEMA_DIR = "schema"
JSON_SCHEMA_DIR = f"{SCHEMA_DIR}/json"
SUBMISSIONS_DIR = "submissions"
ISSUES_DIR = "issues"
FEEDBACK_DIR = "feedback"
FEEDBACK_SUFFIX = ".yaml"
# The default of the settings' bulletin.allowed_signers (read from the base revision when checking a change).
ALLOWED_SIGNERS = ".jianyan/allowed_signers"

# issues/2021/006.md → ("2021", "006")
ISSUE_FILE = re.compile(rf"{ISSUES_DIR}/(\d{{4}})/(\d+)\.md")


def registry_path(name: str) -> str:
    """schema/<name>.yaml: the file of the registry ``name`` (settings, topics, units, roles, reasons, members,
    quotas)."""
    return f"{SCHEMA_DIR}/{name}.yaml"


# The file whose presence makes a folder a campaign's root.
SETTINGS_FILE = registry_path("settings")


def submission_path(ident: str) -> str | None:
    """submissions/<YYYY>/<unit>/<id>.md for an id shaped <YYYY>-<unit>-<NNN>; None for a string that is not
    (ids are also read from files not yet validated: the unit is everything between the first and the last dash)."""
    year, _, rest = ident.partition("-")
    unit, dash, _ = rest.rpartition("-")
    if not dash or not year.isdigit() or "/" in ident:
        return None
    return f"{SUBMISSIONS_DIR}/{year}/{unit}/{ident}.md"


def issue_path(ident: str) -> str:
    """issues/<YYYY>/<NNN>.md for the issue id <YYYY>-<NNN> (model.ISSUE_ID_RE)."""
    return f"{ISSUES_DIR}/{ident[:4]}/{ident[5:]}.md"


def feedback_path(item_id: str) -> str:
    """feedback/<YYYY>/<item-id>.yaml: the feedback record of the submission ``item_id``."""
    return f"{FEEDBACK_DIR}/{item_id[:4]}/{item_id}{FEEDBACK_SUFFIX}"
