"""Scraped days into `content/`: parsing the source's formats and the atomic import."""
