"""Where each kind of content lives under an archive's root: one place to change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class ContentPaths:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def site_yaml(self) -> Path:
        return self.content / "site.yaml"

    @property
    def topics_yaml(self) -> Path:
        return self.content / "topics.yaml"

    @property
    def days_dir(self) -> Path:
        return self.content / "days"

    @property
    def papers_dir(self) -> Path:
        return self.content / "papers"

    @property
    def notes_dir(self) -> Path:
        return self.content / "notes"

    @property
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

    def scraped(self, day: date) -> Path:
        return self.scraped_dir / f"{day.isoformat()}.txt"

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
