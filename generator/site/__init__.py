"""The model into a site: URLs, the page plan, templates, feeds and the build."""
