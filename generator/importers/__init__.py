"""`digest import`: articles saved in read-later services and the reading tracker, written as
Markdown with front matter under content/. One module per export format, `detect` to tell them
apart, `document` and `markup` for the file's text, `writer` for where it goes."""

from .run import run_import

__all__ = ["run_import"]
