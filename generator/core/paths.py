"""Where each kind of content lives under an archive's root, and which files may be read.

`refusal` is the one rule for reading anything from an archive (content
files, theme templates and static files): the file, every link in its path
followed, must still be inside the folder it belongs to. A link that leaves
it would publish whatever it points at (`/proc/self/environ`, `~/.ssh/...`,
`.git/config` with its tokens) on the site and in every feed. A link that
stays inside is fine: one note shared by two papers, for instance.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path


def refusal(path: Path, boundary: Path, where: str = "the archive",
            folder: bool = False) -> str | None:
    """Why `path` may not be read (None when it may): it must resolve inside `boundary`,
    a real path, and be a plain file (a folder when `folder`), not a pipe or device
    that could stall a build.

    A path that does not exist is no refusal: its reader says it is missing.
    """
    real = os.path.realpath(path)
    kind = "folder" if folder else "file"
    if real != str(boundary) and not real.startswith(os.path.join(boundary, "")):
        return f"a link to a {kind} outside {where}; replace it with the {kind} itself"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None
    if not (stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)):
        return f"not a plain {kind}; replace it with a {kind}"
    return None


# The forms a day's copy under content/scraped/ may take, as suffixes: the API's JSON, a
# saved listing page, the listing dumped as text. A date has one copy, in one of them.
SCRAPED_FORMS = ("json", "html", "txt")


@dataclass(frozen=True)
class ContentPaths:
    """The archive's folders, each worked out once (an import asks for a path per paper)."""

    root: Path

    @cached_property
    def content(self) -> Path:
        return self.root / "content"

    @cached_property
    def real_content(self) -> Path:
        """Where every file read as content must resolve: the root's own `content/`."""
        return Path(os.path.realpath(self.root)) / "content"

    def may_read(self, path: Path, folder: bool = False) -> str | None:
        """Why a file (or folder) of `content/` may not be read; None when it may."""
        return refusal(path, self.real_content, folder=folder)

    @property
    def site_yaml(self) -> Path:
        return self.content / "site.yaml"

    @property
    def topics_yaml(self) -> Path:
        return self.content / "topics.yaml"

    @cached_property
    def days_dir(self) -> Path:
        return self.content / "days"

    @cached_property
    def papers_dir(self) -> Path:
        return self.content / "papers"

    @cached_property
    def notes_dir(self) -> Path:
        return self.content / "notes"

    @cached_property
    def scraped_dir(self) -> Path:
        return self.content / "scraped"

    @property
    def themes_dir(self) -> Path:
        return self.root / "themes"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".paperpress-cache"

    def day(self, day: date) -> Path:
        return self.days_dir / f"{day.isoformat()}.yaml"

    def scraped(self, day: date, form: str = "txt") -> Path:
        """A day's copy as imported; `form` is its suffix (txt, json or html)."""
        return self.scraped_dir / f"{day.isoformat()}.{form}"

    def paper(self, paper_id: str) -> Path:
        return self.papers_dir / f"{paper_id}.yaml"

    def note(self, paper_id: str) -> Path:
        return self.notes_dir / f"{paper_id}.md"

    def rel(self, path: Path) -> str:
        """A path as messages show it: relative to the root when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)
