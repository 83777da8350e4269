"""paperpress: a static site generator for a curated archive of daily research papers."""

__version__ = "0.1.0"
