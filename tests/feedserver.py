"""Feeds for the fetch tests: our own texts in every format, served from 127.0.0.1.

`FeedServer` answers each path with the bytes, media type, validators and delay the test gave it,
answers 304 when the request's If-None-Match or If-Modified-Since matches, and records every
request and the status it got, so that a test can check what `digest fetch` sent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass
class Route:
    body: bytes
    content_type: str = "application/xml"
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before answering: longer than the fetch timeout is "slow"
    declare_length: bool = True  # False: no Content-Length, the body ends when the line closes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # more, such as Content-Encoding


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]
    status: int


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                status = 404 if route is None else route.status
                if route is not None and route.delay:
                    time.sleep(route.delay)
                if route is not None and status == 200 and _not_modified(self.headers, route):
                    status = 304
                with server._lock:
                    server.seen.append(Seen(self.path, dict(self.headers), status))
                self.send_response(status)
                if route is not None and route.etag:
                    self.send_header("ETag", route.etag)
                if route is not None and route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                body = route.body if route is not None and status == 200 else b""
                if status == 200:
                    self.send_header("Content-Type", route.content_type)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                if status != 304 and (route is None or route.declare_length):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # quiet tests

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the slow route writes to a client that gave up: expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_for(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _not_modified(headers: object, route: Route) -> bool:
    etag = headers.get("If-None-Match")
    since = headers.get("If-Modified-Since")
    if route.etag and etag:
        return etag == route.etag
    return bool(route.last_modified and since == route.last_modified)


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://harbour.example/blog/">
  <title>Harbour Notes</title>
  <id>tag:harbour.example,2024:notes</id>
  <updated>2024-05-29T10:00:00+02:00</updated>
  <author><name>Ana Ruiz</name></author>
  <entry>
    <title>Ferry timetable: 1.10 edition</title>
    <id>tag:harbour.example,2024:ferry</id>
    <link rel="alternate" href="2024/ferry-timetable"/>
    <published>2024-05-29T10:00:00+02:00</published>
    <updated>2024-05-29T10:00:00+02:00</updated>
    <category term="transport" label="Transport"/>
    <category term="islands"/>
    <summary>The winter timetable starts on Monday.</summary>
    <content type="html">&lt;p&gt;The &lt;a href="../timetables/winter"&gt;winter timetable&lt;/a&gt; starts
on Monday.&lt;/p&gt;&lt;p&gt;&lt;img src="img/ferry.jpg" alt="The ferry" onerror="steal()"&gt;&lt;/p&gt;&lt;script&gt;steal()&lt;/script&gt;</content>
  </entry>
  <entry>
    <title type="html">Quay &lt;em&gt;reopens&lt;/em&gt; after repairs</title>
    <id>tag:harbour.example,2024:quay</id>
    <link href="https://harbour.example/blog/2024/quay"/>
    <updated>2024-05-28T08:30:00Z</updated>
    <author><name>Sam Hill</name></author>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Boats moor at the
    north quay again.</p></div></content>
  </entry>
</feed>
"""

RSS2 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Valley Weather</title>
    <link>https://valley.example/</link>
    <description>Forecasts from the valley.</description>
    <item>
      <title>no</title>
      <link>https://valley.example/2024/05/no</link>
      <guid isPermaLink="false">valley-2024-0527-no</guid>
      <pubDate>Mon, 27 May 2024 07:15:00 -0500</pubDate>
      <dc:creator>Lee Park</dc:creator>
      <category>weather</category>
      <description>Will it rain? # no: the forecast says dry.</description>
      <content:encoded><![CDATA[<p>Will it rain? No: the forecast says dry, 2 * 3 days.</p>
<pre>day 1: dry

day 2: dry</pre>]]></content:encoded>
    </item>
    <item>
      <title>Storm warning lifted</title>
      <link>https://valley.example/2024/05/storm</link>
      <pubDate>Sun, 26 May 2024 18:00:00 GMT</pubDate>
      <description>&lt;p&gt;The storm warning is lifted for the whole valley.&lt;/p&gt;</description>
    </item>
  </channel>
</rss>
"""

RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://moor.example/">
    <title>Moor Gazette</title>
    <link>https://moor.example/</link>
    <description>The moor's weekly.</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://moor.example/sheep-fair"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://moor.example/sheep-fair">
    <title>Sheep fair draws record crowd</title>
    <link>https://moor.example/sheep-fair</link>
    <description>Four thousand visitors came to the sheep fair.</description>
    <dc:date>2024-05-25T12:00:00+01:00</dc:date>
    <dc:subject>farming</dc:subject>
  </item>
</rdf:RDF>
"""

JSON_FEED = """{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Lighthouse Log",
  "home_page_url": "https://lighthouse.example/",
  "authors": [{"name": "Kit Marlow"}],
  "items": [
    {
      "id": "lh-42",
      "url": "/log/42-fog",
      "title": "Fog horn sounds for six hours",
      "content_html": "<p>See the <a href=\\"charts/fog\\">fog chart</a>.</p>",
      "summary": "A long night of fog.",
      "date_published": "2024-05-24T22:00:00+00:00",
      "tags": ["fog", "coast"]
    },
    {
      "id": 43,
      "url": "https://lighthouse.example/log/43-lamp",
      "content_text": "The new lamp is lit.\\n\\nIt reaches twenty miles.",
      "date_published": "2024-05-23T20:00:00Z",
      "authors": [{"name": "Jo Beam"}]
    }
  ]
}
"""
