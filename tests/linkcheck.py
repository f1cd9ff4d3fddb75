"""Every internal link and asset reference in a built site must resolve to a file."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in {"href", "src"}:
                self.refs.append(value)
            elif name == "id":
                self.ids.add(value)


def broken_links(output: Path, base_url: str) -> list[str]:
    """`page: href` for each internal reference that resolves to no file in `output`."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    base_path = urlsplit(base_url).path or "/"
    problems = []
    for page in sorted(output.rglob("*.html")):
        relative = page.relative_to(output).as_posix()
        page_url = origin + base_path + relative
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        for ref in parser.refs:
            target = urlsplit(urljoin(page_url, ref))
            if target.scheme not in {"http", "https"} or f"{target.scheme}://{target.netloc}" != origin:
                continue
            if not target.path.startswith(base_path):
                problems.append(f"{relative}: {ref} (outside {base_path})")
                continue
            path = unquote(target.path[len(base_path):])
            if path == "" or path.endswith("/"):
                path += "index.html"
            if not (output / path).is_file():
                problems.append(f"{relative}: {ref}")
    return problems
