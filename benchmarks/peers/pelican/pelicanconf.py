# Pelican settings for benchmarks/run.py: the minimal site that matches Digest's core pages.
# An article page, a category index paginated by 20, a home page paginated by 20, and one Atom
# feed of the newest 50 articles. Everything else Pelican can make is switched off.
# run.py copies this folder next to the generated content and passes -s, -o and content there.
import os

_HERE = os.path.dirname(os.path.abspath(__file__))

AUTHOR = "Benchmark"
SITENAME = "Benchmark Pelican"
SITEURL = "https://bench.example"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = os.path.join(_HERE, "theme")
THEME_STATIC_PATHS = []
STATIC_PATHS = []

ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = CATEGORY_URL + "index.html"
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"index": None, "category": None}
DIRECT_TEMPLATES = ["index"]

# No tag, author, archive or translation pages; no per-category or per-author feeds.
TAG_SAVE_AS = ""
TAG_URL = ""
AUTHOR_SAVE_AS = ""
AUTHOR_URL = ""
ARCHIVES_SAVE_AS = ""
TAGS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
PAGE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""

FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_MAX_ITEMS = 50
RSS_FEED_SUMMARY_ONLY = True
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

# Content cache: on for every run; run.py deletes the cache folder for a cold build.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = os.path.join(_HERE, "cache")

RELATIVE_URLS = False

# The same Markdown extensions as Digest (Pelican adds "meta" itself to read the header).
MARKDOWN = {
    "extension_configs": {"markdown.extensions.extra": {}, "markdown.extensions.sane_lists": {}},
    "output_format": "html5",
}
