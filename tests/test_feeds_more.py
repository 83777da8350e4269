"""What subscribers get: whole days, ranked dates, categories, the note first, picks and
notes feeds, JSON Feed and one OPML file for all of them.

Archives are real folders built with the real CLI (`python -m generator`) under a
subpath base URL; feeds are read with feedparser, lxml and json, and checked against
the RSS 2.0, Atom 1.0 and JSON Feed 1.1 rules (tests/test_feeds.py holds the checks).
Expected papers, orders and dates come from the content files, never from the feed code.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml
from archive_helpers import REAL, SHIPPED, cli, import_days, new_archive, tree
from bs4 import BeautifulSoup
from site_helpers import tree_bytes
from test_feeds import (
    ATOM,
    BASE,
    FLAVOURS,
    archive,
    assert_atom_spec,
    assert_feed_spec,
    assert_json_feed_spec,
    assert_rss_spec,
    built,
    dated,
    guids,
    paper,
    paper_url,
    parsed,
    topic,
    xml,
)

from generator.core.model import Note, Org

SUB = "https://x.test/sub/"
OLD_DAY, MID_DAY, NEW_DAY = "2026-01-08", "2026-04-20", "2026-05-20"
NOTE_DAY = date(2026, 5, 21)  # written the day after the newest day: about an old paper
ONE_MB = 1_000_000


# -- helpers -------------------------------------------------------------------
def day_ids(root: Path, day: str) -> list[str]:
    data = yaml.safe_load((root / "content" / "days" / f"{day}.yaml").read_text("utf-8"))
    return [entry["id"] for entry in data["papers"]]


def fresh(root: Path, day: str) -> list[str]:
    """The papers a day lists for the first time, in rank order."""
    first = first_days(root)
    return [pid for pid in day_ids(root, day) if first[pid] == day]


def first_days(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((root / "content" / "days").glob("*.yaml")):
        for pid in day_ids(root, path.stem):
            found.setdefault(pid, path.stem)
    return found


def write_note(root: Path, pid: str, text: str) -> Path:
    path = root / "content" / "notes" / f"{pid}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def build(root: Path, out: Path, base: str = SUB) -> None:
    done = cli("build", "--quiet", "--base-url", base, "--out", out, cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def ids_of(data: bytes, base: str = SUB) -> list[str]:
    """Paper ids of a feed's items, in document order, whatever the flavour."""
    return [urlsplit(guid).path.removeprefix(urlsplit(base).path + "papers/").split("/")[0]
            for guid in guids(data)]


def read(out: Path, location: str) -> bytes:
    return (out / location).read_bytes()


# -- an archive of the three real days, with notes -----------------------------
@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shipped days with a curator's notes: a dated note on an old paper (edited
    since), picks on two days, a note without `published:`, a hidden paper's note."""
    root = tmp_path_factory.mktemp("curated")
    shutil.copytree(SHIPPED, root / "content")
    old, mid, new = (fresh(root, d) for d in (OLD_DAY, MID_DAY, NEW_DAY))
    write_note(root, old[5], "---\npublished: 2026-05-21\nupdated: 2026-05-23\ntopics: [agents]\n"
                             "---\nStill the **best** account of this; see [day](../../days/"
                             f"{OLD_DAY}/).\n")
    write_note(root, new[1], "---\npick: true\npublished: 2026-05-20\n---\nRead this first.\n")
    write_note(root, mid[3], "---\npick: true\npublished: 2026-04-20\n---\nA pick of April.\n")
    write_note(root, mid[0], "---\ntopics: []\n---\nNo date in this one.\n")
    write_note(root, new[0], "---\nhidden: true\npublished: 2026-05-22\n---\nPrivate reason.\n")
    out = root / "site"
    build(root, out)
    return root, out


def test_every_feed_of_the_curated_site_follows_its_flavours_rules(curated):
    root, out = curated
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.name in FLAVOURS)
    topics = yaml.safe_load((root / "content" / "topics.yaml").read_text())["topics"]
    for listing in ("", "picks/", "notes/", *(f"topics/{t['slug']}/" for t in topics)):
        assert {listing + name for name in FLAVOURS} <= set(found), listing
    assert any(path.startswith("orgs/") for path in found)
    for path in found:
        data = read(out, path)
        assert_feed_spec(path, data)
        if path.endswith(".xml"):
            parsed(data)
        for guid in guids(data):  # every item is a page of the site
            where = urlsplit(guid).path.removeprefix("/sub/")
            assert (out / where / "index.html").is_file(), guid
        assert len(data) < ONE_MB


# -- whole days ------------------------------------------------------------------
@pytest.fixture(scope="module")
def busy_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An archive of one real day of 65 papers, with the shipped feed_size of 50."""
    root = new_archive(tmp_path_factory.mktemp("busy") / "a")
    assert import_days(root, REAL[OLD_DAY]) == 0
    out = root / "site"
    build(root, out)
    return root, out


def test_a_65_paper_day_reaches_the_root_feed_whole(busy_day):
    root, out = busy_day
    listed = day_ids(root, OLD_DAY)
    assert len(listed) == 65
    assert yaml.safe_load((root / "content" / "site.yaml").read_text())["feed_size"] == 50
    for name in FLAVOURS:
        assert ids_of(read(out, name)) == listed, name


def test_staggered_dates_keep_the_days_rank_order_when_a_reader_sorts_by_date(busy_day):
    """A reader sorts by date (newest first): the day's ranking comes back, in every flavour."""
    root, out = busy_day
    listed = day_ids(root, OLD_DAY)
    for name in FLAVOURS:
        items = list(zip(ids_of(read(out, name)), [when for _, when in dated(read(out, name))],
                         strict=True))
        random.Random(13).shuffle(items)
        by_date = [pid for pid, _ in sorted(items, key=lambda item: item[1], reverse=True)]
        assert by_date == listed, name
        days = {when.date() for _, when in items}
        assert days == {date.fromisoformat(OLD_DAY)}  # the stagger stays inside the day
    entries = feedparser.parse(read(out, "atom.xml")).entries  # second-resolution stamps
    assert [e.updated_parsed for e in entries] == sorted(
        (e.updated_parsed for e in entries), reverse=True)
    assert len({e.updated_parsed for e in entries}) == 65


def test_whole_days_are_added_until_feed_size_is_reached(curated):
    """The newest day is always whole; older days join whole until `feed_size` is reached."""
    root, out = curated
    first = first_days(root)
    hidden = {fresh(root, NEW_DAY)[0]}
    news = [pid for pid in day_ids(root, NEW_DAY) if first[pid] == NEW_DAY and pid not in hidden]
    mids = [pid for pid in day_ids(root, MID_DAY) if first[pid] == MID_DAY]
    assert len(news) < 50 < len(news) + len(mids)  # the second day crosses feed_size
    for name in FLAVOURS:
        assert ids_of(read(out, name)) == news + mids, name


def test_a_feed_over_one_megabyte_keeps_its_newest_day_whole_and_drops_older_ones():
    """Two days of 100 papers with long abstracts and notes: one day fits, two do not."""
    days = {date(2024, 6, d): [f"p{d}-{n:03}" for n in range(100)] for d in (3, 4)}
    text = "Words about memory & agents <b>here</b>. " * 110  # ~4,600 characters
    papers = [paper(pid, when, abstract=text, org=Org("lab", "Lab"))
              for when, listed in days.items() for pid in listed]
    notes_ = [Note(pid, "A **long** note with [a link](https://example.org/). " * 30,
                   published=date(2024, 6, 5)) for pid in days[date(2024, 6, 4)][:10]]
    arc = archive(papers, days, notes=notes_, feed_size=150)
    feeds = built(arc)
    newest = [paper_url(pid) for pid in days[date(2024, 6, 4)]]
    for name in FLAVOURS:
        data = feeds[name]
        assert guids(data) == newest, name  # the older day would pass 1 MB: it is left out
        assert 500_000 < len(data) < ONE_MB, (name, len(data))
        assert_feed_spec(name, data)
        assert len(feeds["orgs/lab/" + name]) < ONE_MB


def test_a_day_of_100_papers_with_long_notes_fits_easily_in_one_megabyte():
    """The newest day is kept whole whatever its size: a heavy real-world day is far below
    the limit (real abstracts run to about 2,000 characters)."""
    when = date(2024, 7, 1)
    pids = [f"q{n:03}" for n in range(100)]
    text = ("We study how large language models reason over long contexts, "
            "with results on 12 benchmarks (see https://example.org/code). ") * 16
    papers = [paper(pid, when, title="A Fairly Long Title About Reasoning " * 3, abstract=text)
              for pid in pids]
    notes_ = [Note(pid, "Why it matters: a careful, *detailed* note. " * 25, pick=True,
                   topics=("t",), published=when) for pid in pids]
    feeds = built(archive(papers, {when: pids}, notes=notes_, topics=[topic("t")]))
    for path, data in feeds.items():
        if path.startswith(("picks/", "notes/", "topics/", "feed", "atom")):
            assert len(ids_of(data, BASE)) == 100, path
            assert len(data) < ONE_MB * 0.6, (path, len(data))


# -- categories, the note first, picks ------------------------------------------
def test_items_carry_their_topics_as_categories(curated):
    root, out = curated
    noted = fresh(root, OLD_DAY)[5]  # its note sets `topics: [agents]`
    untopiced = fresh(root, MID_DAY)[0]  # `topics: []`
    base = SUB + "papers/"
    rss = {item.findtext("guid"): [c.text for c in item.findall("category")]
           for item in xml(read(out, "feed.xml")).iter("item")}
    atom = {e.findtext(f"{ATOM}id"): [(c.get("term"), c.get("label"))
                                      for c in e.findall(f"{ATOM}category")]
            for e in xml(read(out, "atom.xml")).iter(f"{ATOM}entry")}
    items = {i["id"]: i.get("tags") for i in json.loads(read(out, "feed.json"))["items"]}
    assert rss[f"{base}{untopiced}/"] == [] and atom[f"{base}{untopiced}/"] == []
    assert items[f"{base}{untopiced}/"] is None
    notes_rss = {i.findtext("guid"): [c.text for c in i.findall("category")]
                 for i in xml(read(out, "notes/feed.xml")).iter("item")}
    assert notes_rss[f"{base}{noted}/#note"] == ["Agents"]
    topics = yaml.safe_load((root / "content" / "topics.yaml").read_text())["topics"]
    names = {t["slug"]: t["name"] for t in topics}
    for guid, terms in atom.items():  # each item's categories are its page's topics
        page = BeautifulSoup((out / urlsplit(guid).path.removeprefix("/sub/") / "index.html")
                             .read_text(), "html.parser")
        shown = [a.get_text() for a in page.select("dl.facts ul.tags a")]
        assert [label for _, label in terms] == shown == rss[guid] == (items[guid] or [])
        assert all(names[term] == label for term, label in terms)
    assert sum(1 for terms in atom.values() if terms) > 20


def test_the_note_comes_before_the_abstract_and_a_pick_is_starred(curated):
    root, out = curated
    pick = fresh(root, NEW_DAY)[1]
    abstract = yaml.safe_load((root / "content" / "papers" / f"{pick}.yaml").read_text())
    title, start = abstract["title"], abstract["abstract"].split()[0]
    url = f"{SUB}papers/{pick}/"
    for name in FLAVOURS:
        data = read(out, name)
        if name == "feed.json":
            item = next(i for i in json.loads(data)["items"] if i["id"] == url)
            shown, body = item["title"], item["content_html"]
        else:
            entry = next(e for e in parsed(data).entries if e.id == url)
            shown = entry.title
            body = entry.content[0].value if name == "atom.xml" else entry.description
        assert shown == f"★ {title}", name
        assert body.index("Read this first.") < body.index(start), name
        assert body.index("Curator's note") < body.index("Read this first.")
    plain = fresh(root, NEW_DAY)[2]
    titles = {e.id: e.title for e in parsed(read(out, "feed.xml")).entries}
    assert not titles[f"{SUB}papers/{plain}/"].startswith("★")


def test_picks_page_and_feeds_list_every_pick_newest_first(curated):
    root, out = curated
    picks = [fresh(root, NEW_DAY)[1], fresh(root, MID_DAY)[3]]  # by first day, newest
    for name in FLAVOURS:
        assert ids_of(read(out, f"picks/{name}")) == picks, name
    page = BeautifulSoup((out / "picks" / "index.html").read_text(), "html.parser")
    cards = [a["href"].split("/")[-2] for a in page.select("main ol.cards .card-title a")]
    assert cards == picks
    alternates = {link["href"] for link in page.find_all("link", rel="alternate")}
    assert {f"/sub/picks/{name}" for name in FLAVOURS} <= alternates
    for location in ("index.html", "archive/index.html", f"papers/{picks[0]}/index.html"):
        nav = BeautifulSoup((out / location).read_text(), "html.parser").select("nav a")
        assert "/sub/picks/" in [a["href"] for a in nav], location
    home = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert home.select_one("section[aria-labelledby=picks] a[href='/sub/picks/']")


def test_picks_page_is_paginated_and_says_when_there_are_none(tmp_path: Path):
    root = tmp_path / "a"
    shutil.copytree(SHIPPED, root / "content")
    out = tmp_path / "empty"
    build(root, out)
    page = BeautifulSoup((out / "picks" / "index.html").read_text(), "html.parser")
    assert "No picks yet" in page.select_one("main").get_text()
    for name in FLAVOURS:
        assert guids(read(out, f"picks/{name}")) == []
        assert_feed_spec(name, read(out, f"picks/{name}"))
    site_yaml = root / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("page_size: 50", "page_size: 2"))
    chosen = day_ids(root, NEW_DAY)[:5]
    for pid in chosen:
        write_note(root, pid, "---\npick: true\npublished: 2026-05-20\n---\n")
    build(root, tmp_path / "paged")
    shown = []
    for location in ("picks/", "picks/page/2/", "picks/page/3/"):
        page = BeautifulSoup((tmp_path / "paged" / location / "index.html").read_text(),
                             "html.parser")
        shown += [a["href"].split("/")[-2] for a in page.select("main ol.cards .card-title a")]
    assert shown == chosen


# -- the notes feed ----------------------------------------------------------------
def test_a_note_on_an_old_paper_tops_the_notes_feed_with_its_own_dates(curated):
    root, out = curated
    old = fresh(root, OLD_DAY)[5]
    # newest published first; the undated note falls back to its paper's first day, April 20,
    # and notes of one day keep their papers' ranks
    expected = [old, fresh(root, NEW_DAY)[1], fresh(root, MID_DAY)[0], fresh(root, MID_DAY)[3]]
    for name in FLAVOURS:
        assert ids_of(read(out, f"notes/{name}")) == expected, name
    url = f"{SUB}papers/{old}/#note"
    rss = xml(read(out, "notes/feed.xml")).find("channel/item")
    assert rss.findtext("guid") == url and rss.findtext("link") == url
    assert parsedate_to_datetime(rss.findtext("pubDate")).date() == NOTE_DAY
    entry = xml(read(out, "notes/atom.xml")).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}published") == "2026-05-21T00:00:00+00:00"
    assert entry.findtext(f"{ATOM}updated") == "2026-05-23T00:00:00+00:00"
    item = json.loads(read(out, "notes/feed.json"))["items"][0]
    assert (item["date_published"], item["date_modified"]) == (
        "2026-05-21T00:00:00+00:00", "2026-05-23T00:00:00+00:00")
    assert f'href="{SUB}days/{OLD_DAY}/"' in item["content_html"]  # relative links resolved
    undated = json.loads(read(out, "notes/feed.json"))["items"][2]
    assert undated["date_published"] == f"{MID_DAY}T00:00:00+00:00"  # the fallback
    assert "date_modified" not in undated
    for name in FLAVOURS:  # the hidden paper's note reaches no feed
        assert b"Private reason" not in read(out, f"notes/{name}")
    root_feed = ids_of(read(out, "feed.xml"))
    assert old not in root_feed  # the paper itself is old news: only its note is new


def test_a_fresh_clone_builds_the_same_notes_feed(curated, tmp_path: Path):
    """The dates come from the notes, never from file times: a clone has new mtimes."""
    root, out = curated
    repo = tmp_path / "repo"
    shutil.copytree(root / "content", repo / "content")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "content"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "archive"], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    stamp = datetime(2031, 1, 1).timestamp()  # whatever the clock says at checkout
    for path in (clone / "content" / "notes").glob("*.md"):
        os.utime(path, (stamp, stamp))
    build(clone, tmp_path / "out")
    assert tree_bytes(tmp_path / "out") == tree_bytes(out)
    first = json.loads(read(tmp_path / "out", "notes/feed.json"))["items"][0]
    assert first["date_published"] == "2026-05-21T00:00:00+00:00"


def test_check_warns_about_a_note_without_published_and_still_passes(curated):
    root, _ = curated
    done = cli("check", cwd=root)
    assert done.returncode == 0, done.stderr
    undated = fresh(root, MID_DAY)[0]
    warnings = [line for line in done.stderr.splitlines() if "published" in line]
    assert warnings == [
        f"warning: content/notes/{undated}.md: no 'published:' date, so the notes feed dates "
        f"it by the paper's first day ({MID_DAY}); add 'published: YYYY-MM-DD' to its header"]
    assert done.stdout.startswith("ok: ")


@pytest.mark.parametrize(("header", "line", "message"), [
    ("published: soon", 2, "published must be a date (YYYY-MM-DD)"),
    ("published: 2026-05-21 10:00:00", 2, "published must be a date (YYYY-MM-DD)"),
    ("published: 2026-05-21\nupdated: [2026-05-22]", 3, "updated must be a date (YYYY-MM-DD)"),
    ("published: 2026-05-21\nupdated: 2026-05-20", 3,
     "updated (2026-05-20) is before published (2026-05-21)"),
])
def test_bad_note_dates_are_one_line_naming_file_and_line(tmp_path: Path, header: str, line: int,
                                                          message: str):
    root = tmp_path / "a"
    shutil.copytree(SHIPPED, root / "content")
    pid = fresh(root, NEW_DAY)[0]
    note = write_note(root, pid, f"---\n{header}\n---\nText.\n")
    before = tree(root)
    for command in (("check",), ("build", "--quiet", "--out", str(tmp_path / "out"))):
        done = cli(*command, cwd=root)
        assert done.returncode == 1, command
        assert done.stderr == f"content/notes/{pid}.md:{line}: {message}\n", command
    assert note.read_text() == f"---\n{header}\n---\nText.\n"
    assert tree(root) == before


def test_the_note_stub_dates_itself_and_a_filled_in_note_joins_the_notes_feed(tmp_path: Path):
    root = tmp_path / "a"
    shutil.copytree(SHIPPED, root / "content")
    pid = fresh(root, OLD_DAY)[7]
    assert cli("note", pid, cwd=root).returncode == 0
    path = root / "content" / "notes" / f"{pid}.md"
    today = date.today()
    assert f"\npublished: {today.isoformat()}\n" in path.read_text()
    path.write_text(path.read_text() + "Worth a look today.\n")
    check = cli("check", cwd=root)
    assert check.returncode == 0 and "warning" not in check.stderr
    build(root, tmp_path / "out")
    item = json.loads(read(tmp_path / "out", "notes/feed.json"))["items"][0]
    assert item["id"] == f"{SUB}papers/{pid}/#note"
    assert item["date_published"] == f"{today.isoformat()}T00:00:00+00:00"


# -- OPML and links ------------------------------------------------------------------
def test_opml_lists_every_feed_and_each_exists_under_a_subpath(curated):
    root, out = curated
    doc = ET.parse(out / "feeds.opml").getroot()
    assert doc.tag == "opml" and doc.get("version") == "2.0"
    assert doc.findtext("head/title").strip()
    groups = {g.get("text"): g.findall("outline") for g in doc.find("body")}
    assert list(groups) == ["Site", "Topics", "Organizations", "Digests"]
    feeds = [o for found in groups.values() for o in found]
    for outline in feeds:
        assert outline.get("type") == "rss" and outline.get("text") and outline.get("title")
        for attr in ("xmlUrl", "htmlUrl"):
            url = outline.get(attr)
            assert url.startswith(SUB), url
            where = url.removeprefix(SUB)
            target = out / where / "index.html" if where == "" or where.endswith("/") \
                else out / where
            assert target.is_file(), url
        assert outline.get("xmlUrl").endswith("feed.xml")
        title = xml(read(out, outline.get("xmlUrl").removeprefix(SUB))).findtext("channel/title")
        assert outline.get("text") == title
    site = [o.get("xmlUrl").removeprefix(SUB) for o in groups["Site"]]
    assert site == ["feed.xml", "picks/feed.xml", "notes/feed.xml"]
    digests = [o.get("xmlUrl").removeprefix(SUB) for o in groups["Digests"]]
    assert digests == ["weeks/feed.xml", "months/feed.xml"]
    topics = yaml.safe_load((root / "content" / "topics.yaml").read_text())["topics"]
    assert [o.get("xmlUrl").removeprefix(SUB) for o in groups["Topics"]] == [
        f"topics/{t['slug']}/feed.xml" for t in topics]
    orgs = sorted(p.parent.name for p in (out / "orgs").glob("*/feed.xml"))
    assert sorted(o.get("xmlUrl").removeprefix(SUB).split("/")[1]
                  for o in groups["Organizations"]) == orgs
    all_rss = sorted(p.relative_to(out).as_posix() for p in out.rglob("feed.xml"))
    assert sorted(o.get("xmlUrl").removeprefix(SUB) for o in feeds) == all_rss


def test_opml_and_json_feeds_are_linked_from_the_pages(curated):
    _, out = curated
    home = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    assert home.select_one("main a[href='/sub/feeds.opml']")
    for location in ("index.html", "archive/index.html", "topics/agents/index.html"):
        soup = BeautifulSoup((out / location).read_text(), "html.parser")
        assert soup.select_one("footer a[href='/sub/feeds.opml']"), location
        assert soup.select_one("footer a[href='/sub/feed.json']"), location
        types = {(link["type"], link["href"]) for link in soup.find_all("link", rel="alternate")}
        assert ("application/feed+json", "/sub/feed.json") in types, location
    topic_page = BeautifulSoup((out / "topics/agents/index.html").read_text(), "html.parser")
    follow = [a["href"] for a in topic_page.select("main .feeds a")]
    assert follow == [f"/sub/topics/agents/{name}" for name in FLAVOURS]


def test_the_shipped_archive_builds_valid_feeds_of_every_kind(tmp_path: Path):
    root = tmp_path / "a"
    shutil.copytree(SHIPPED, root / "content")
    build(root, tmp_path / "out")
    for path in sorted((tmp_path / "out").rglob("*")):
        if path.name in FLAVOURS:
            data = path.read_bytes()
            if path.name == "feed.json":
                assert_json_feed_spec(data)
            elif path.name == "feed.xml":
                assert_rss_spec(data)
            else:
                assert_atom_spec(data)
    assert ids_of(read(tmp_path / "out", "feed.json"))  # the newest days, whole
