from dataclasses import fields
from pathlib import Path

import pytest

from generator.config import (
    CategoryConfig,
    Config,
    FeedsConfig,
    FetchConfig,
    RelatedConfig,
    load_config,
)
from generator.config.__main__ import main
from generator.config.docs import markdown_tables, with_tables
from generator.config.options import settings_of
from generator.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every error of a config.yaml, as the command prints them (`config.yaml:LINE: ...`)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return [str(e) for e in caught.value.errors]


def test_defaults_and_paths(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    assert cfg.title == "Digest"
    assert cfg.per_page == 20
    assert cfg.content_dir == tmp_path / "content"
    assert cfg.output_dir == tmp_path / "output"
    assert cfg.templates_dir == tmp_path / "templates"
    assert (cfg.feeds, cfg.related, cfg.fetch) == (FeedsConfig(), RelatedConfig(), FetchConfig())


def test_full_config(tmp_path):
    cfg = load_config(write(tmp_path, """
title: News
base_url: https://example.org/news
timezone: Asia/Tokyo
per_page: 5
default_category: General News
max_file_size: 1.5 MB
permalinks:
  article: /{category}/{slug}/
markdown:
  engine: python-markdown
categories:
  nhk: {name: NHK World, description: Public broadcaster, url: https://nhk.example/}
  BBC: BBC News
  plain:
feeds: {limit: 5, content: full}
related:
  min_score: 1
  stories: no
"""))
    assert cfg.base_url == "https://example.org/news/"
    assert cfg.base_path == "/news/"
    assert cfg.tz.key == "Asia/Tokyo"
    assert cfg.default_category == "general-news"
    assert cfg.max_file_size == 1572864
    assert cfg.article_permalink == "/{category}/{slug}/"
    assert cfg.categories == {
        "nhk": CategoryConfig("NHK World", "Public broadcaster", "https://nhk.example/"),
        "bbc": CategoryConfig("BBC News"), "plain": CategoryConfig("plain")}
    assert cfg.feeds == FeedsConfig(5, "full")
    assert cfg.related == RelatedConfig(min_score=1.0, stories=False)
    assert isinstance(cfg.related.min_score, float)


def test_every_error_is_reported_with_its_line(tmp_path, monkeypatch):
    assert problems(tmp_path, """title: ok
per_pge: 5
timezone: Mars/Olympus
per_page: "ten"
base_url: example.org
permalinks:
  article: /{year}/{nope}/
categories:
  nhk: {name: NHK, colour: red}
""", monkeypatch) == [
        "config.yaml:2: unknown key 'per_pge' (did you mean 'per_page'?)",
        "config.yaml:3: timezone: unknown time zone 'Mars/Olympus'",
        "config.yaml:4: per_page: expected a whole number, got 'ten'",
        ("config.yaml:5: base_url: must be an absolute http(s) URL such as https://example.org/, "
         "got 'example.org'"),
        ("config.yaml:7: permalinks.article: unknown field {nope} (known: year, month, day, slug, "
         "category, id)"),
        "config.yaml:9: categories.nhk: unknown key 'colour' (known keys: description, name, url)",
    ]


def test_text_stays_text_and_numbers_are_read_by_the_schema(tmp_path):
    cfg = load_config(write(tmp_path, "title: no\ndescription: 1.10\nlanguage: 0x1F\n"
                                      "per_page: 20\nsearch: false\nrelated:\n"
                                      "  count_includes_explicit: Off\n  window_days: +7\n"
                                      "fetch:\n  max_bytes: 20_000\n  timeout: 2.5e1\n"))
    assert (cfg.title, cfg.description, cfg.language) == ("no", "1.10", "0x1F")
    assert (cfg.per_page, cfg.search) == (20, False)
    assert (cfg.related.count_includes_explicit, cfg.related.window_days) == (False, 7)
    assert (cfg.fetch.max_bytes, cfg.fetch.timeout) == (20000, 25.0)
    assert load_config(write(tmp_path, "search: YES\n")).search is True


@pytest.mark.parametrize("text, message", [
    ("per_page: twenty\n", "per_page: expected a whole number, got 'twenty'"),
    ("per_page: 2.5\n", "per_page: expected a whole number, got '2.5'"),
    ("per_page: true\n", "per_page: expected a whole number, got 'true'"),
    ("per_page: 0\n", "per_page: must be at least 1, got 0"),
    ("per_page: [1]\n", "per_page: expected a whole number, got a list"),
    ("per_page:\n", "per_page: expected a whole number, got nothing"),
    ("search: maybe\n", "search: expected true or false, got 'maybe'"),
    ("title: {a: b}\n", "title: expected text, got a mapping"),
    ("max_file_size: lots\n",
     "max_file_size: expected a size such as 10 MB or 500 kB, got 'lots'"),
    ("max_file_size: 0\n", "max_file_size: expected a size such as 10 MB or 500 kB, got '0'"),
    ("feeds: [1, 2]\n", "feeds: expected a mapping, got a list"),
    ("feeds: summary\n", "feeds: expected a mapping, got 'summary'"),
    ("feeds:\n  content: html\n", "feeds.content: expected one of summary, full, got 'html'"),
    ("feeds:\n  limit: 0\n", "feeds.limit: must be at least 1, got 0"),
    ("feeds:\n  size: 3\n", "feeds: unknown key 'size' (known keys: content, limit)"),
    ("related:\n  cuont: 3\n", "related: unknown key 'cuont' (did you mean 'count'?)"),
    ("related:\n  recency_weight: lots\n",
     "related.recency_weight: expected a number, got 'lots'"),
    ("related:\n  max_doc_share: 1.5\n",
     "related.max_doc_share: must be between 0 and 1, got 1.5"),
    ("related:\n  stories: 1\n", "related.stories: expected true or false, got '1'"),
    ("markdown:\n  engine: kramdown\n",
     "markdown.engine: expected one of python-markdown, commonmark, got 'kramdown'"),
    ("markdown: fast\n", "markdown: expected a mapping, got 'fast'"),
    ("permalinks:\n  page: /{slug}/\n", "permalinks: unknown key 'page' (known keys: article)"),
    ("permalinks:\n  article: /{year}/\n",
     "permalinks.article: must contain {slug} or {id}, or every article would get the same URL"),
    ("permalinks:\n  article: '{slug}'\n",
     "permalinks.article: must start and end with '/', got '{slug}'"),
    ("categories: [nhk]\n", "categories: expected a mapping, got a list"),
    ("categories:\n  nhk: [1]\n", "categories.nhk: expected a mapping, got a list"),
    ("categories:\n  nhk: {url: [1]}\n", "categories.nhk.url: expected text, got a list"),
    ("categories:\n  '!!': Bangs\n", "categories.!!: needs letters or digits"),
    ("fetch:\n  keep_days: soon\n", "fetch.keep_days: expected a whole number, got 'soon'"),
    ("fetch:\n  timeout: 0\n", "fetch.timeout: must be above 0, got 0"),
    ("fetch:\n  sources: https://a.example/feed\n",
     "fetch.sources: expected a list, got 'https://a.example/feed'"),
])
def test_each_kind_of_error_has_its_message_and_line(tmp_path, monkeypatch, text, message):
    line = text.count("\n")  # each case's problem is on its last line
    assert problems(tmp_path, text, monkeypatch) == [f"config.yaml:{line}: {message}"]


def test_every_problem_of_a_section_is_reported_together(tmp_path, monkeypatch):
    assert problems(tmp_path, """related:
  cnt: 3
  count: five
  max_doc_share: 1.5
  stories: 1
  window_days: true
  tag_bonus: 0.2
""", monkeypatch) == [
        "config.yaml:2: related: unknown key 'cnt' (did you mean 'count'?)",
        "config.yaml:3: related.count: expected a whole number, got 'five'",
        "config.yaml:4: related.max_doc_share: must be between 0 and 1, got 1.5",
        "config.yaml:5: related.stories: expected true or false, got '1'",
        "config.yaml:6: related.window_days: expected a whole number, got 'true'",
    ]


def test_an_unknown_key_far_from_any_lists_the_known_keys(tmp_path, monkeypatch):
    known = ", ".join(sorted(".".join(s.key).split(".")[0] for s in settings_of(Config)))
    assert problems(tmp_path, "title: x\ncolour: red\n", monkeypatch) == [
        f"config.yaml:2: unknown key 'colour' (known keys: {known})"]
    assert problems(tmp_path, "titel: x\n", monkeypatch) == [
        "config.yaml:1: unknown key 'titel' (did you mean 'title'?)"]


def test_a_list_of_sections_names_each_entry_and_its_line(tmp_path, monkeypatch):
    assert problems(tmp_path, """fetch:
  sources:
    - url: https://a.example/f
    - url: file:///etc/passwd
      category: x
    - https://b.example/f
    -
    - {url: https://c.example/f, category: '--', colour: red}
    - url: https://d.example/f
      category: d
    - url: https://d.example/f
      category: e
""", monkeypatch) == [
        "config.yaml:3: fetch.sources[1]: category is missing",
        "config.yaml:4: fetch.sources[2].url: expected an http(s) URL, got 'file:///etc/passwd'",
        "config.yaml:6: fetch.sources[3]: expected a mapping, got 'https://b.example/f'",
        "config.yaml:7: fetch.sources[4]: expected a mapping, got nothing",
        "config.yaml:8: fetch.sources[5].category: needs letters or digits",
        "config.yaml:8: fetch.sources[5]: unknown key 'colour' (known keys: category, name, url)",
    ]
    assert problems(tmp_path, """fetch:
  sources:
    - url: https://d.example/f
      category: d
    - url: ' https://d.example/f '
      category: e
""", monkeypatch) == ["config.yaml:5: fetch.sources[2].url: https://d.example/f is listed twice"]


def test_a_key_written_twice_is_an_error_at_the_second(tmp_path, monkeypatch):
    assert problems(tmp_path, "related:\n  count: 3\ntitle: x\nrelated:\n  count: 4\n"
                              "  count: 5\n", monkeypatch) == [
        "config.yaml:4: related: written twice, first on line 1",
        "config.yaml:6: related.count: written twice, first on line 5",
    ]


def test_every_problem_of_a_check_is_reported(tmp_path, monkeypatch):
    assert problems(tmp_path, """fetch:
  sources:
    - {url: https://a.example/, category: a}
    - {url: https://a.example/, category: b}
    - {url: https://a.example/, category: c}
categories:
  "!": x
  "?": y
""", monkeypatch) == [
        "config.yaml:4: fetch.sources[2].url: https://a.example/ is listed twice",
        "config.yaml:5: fetch.sources[3].url: https://a.example/ is listed twice",
        "config.yaml:7: categories.!: needs letters or digits",
        "config.yaml:8: categories.?: needs letters or digits",
    ]


def test_nesting_too_deep_is_an_error_not_a_crash(tmp_path, monkeypatch):
    [error] = problems(tmp_path, "title: " + "[" * 20000 + "]" * 20000 + "\n", monkeypatch)
    assert error.startswith("config.yaml") and "invalid YAML" in error


def test_nothing_is_the_default_of_a_section_and_none_of_an_optional_number(tmp_path):
    cfg = load_config(write(tmp_path, "feeds:\nrelated: ~\nfetch:\n  keep_days:\n"))
    assert (cfg.feeds, cfg.related, cfg.fetch.keep_days) == (FeedsConfig(), RelatedConfig(), None)
    for written in ("~", "null", "None"):
        cfg = load_config(write(tmp_path, f"fetch:\n  keep_days: {written}\n"))
        assert cfg.fetch.keep_days is None
    assert load_config(write(tmp_path, "title: null\n")).title == "null"


def test_yaml_syntax_error_has_a_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "title: a\ncategories: [x\nper_page: 3\n"))
    assert caught.value.errors[0].line in (2, 3)
    assert "invalid YAML" in caught.value.errors[0].message


def test_yaml_tags_are_text_or_an_error_with_a_line_never_a_traceback(tmp_path, monkeypatch):
    assert load_config(write(tmp_path, "title: !!timestamp 2023-13-45\n")).title == "2023-13-45"
    assert problems(tmp_path, "title: x\nper_page: !!timestamp 2023-13-45\n", monkeypatch) == [
        "config.yaml:2: per_page: expected a whole number, got '2023-13-45'"]
    assert problems(tmp_path, "title: x\nsearch: !!set {a, b}\n", monkeypatch) == [
        "config.yaml:2: invalid YAML: the tag tag:yaml.org,2002:set is not supported here"]
    [error] = problems(tmp_path, "title: x\n\nsearch: !!python/name:os.system\n", monkeypatch)
    assert error.startswith("config.yaml:3: invalid YAML: could not determine a constructor")
    [error] = problems(tmp_path, "a: &a [1, 2]\nb: [*a, *a]\n", monkeypatch)
    assert error.startswith("config.yaml:1: invalid YAML: a list or mapping anchored here")


def test_the_top_must_be_a_mapping(tmp_path, monkeypatch):
    assert problems(tmp_path, "- title\n", monkeypatch) == [
        "config.yaml:1: must be a mapping of keys to values"]


def test_an_engine_that_is_not_installed_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("generator.config.checks.engine_available", lambda engine: False)
    assert problems(tmp_path, "markdown:\n  engine: commonmark\n", monkeypatch) == [
        "config.yaml:2: markdown.engine: commonmark needs cmarkgfm: pip install 'digest[fast]'"]


def test_base_url_from_the_command_line_is_checked(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    assert cfg.with_base_url("https://example.org/news").base_url == "https://example.org/news/"
    with pytest.raises(ConfigError) as caught:
        cfg.with_base_url("example.org")
    assert caught.value.usage
    assert [str(e) for e in caught.value.errors] == [
        ("--base-url: must be an absolute http(s) URL such as https://example.org/, "
         "got 'example.org'")]


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")


# --- the schema as documentation ---------------------------------------------------------------

def test_every_setting_has_help_and_a_default_or_is_required():
    sections = [Config, CategoryConfig, FeedsConfig, RelatedConfig, FetchConfig]
    for cls in sections:
        for setting in settings_of(cls):
            assert setting.option.help.endswith((".", ")")), (cls.__name__, setting.name)
    # Every field of a section is a setting: only Config has fields config.yaml does not set.
    assert all(len(settings_of(cls)) == len(fields(cls)) for cls in sections[1:])


def test_the_readme_has_the_tables_the_schema_makes():
    readme = README.read_text(encoding="utf-8")
    # If this fails after a change to the schema: python -m generator.config --readme README.md
    assert with_tables(readme) == readme
    assert markdown_tables() in readme
    assert "| `related.count` | whole number 0–100 | `5` |" in readme


def test_the_tables_are_printed_and_written(tmp_path, capsys):
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown_tables() + "\n"
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## config.yaml\n\n| old |\n|---|\n\nAfter.\n")
    assert main(["--readme", str(readme)]) == 0
    assert readme.read_text() == f"# x\n\n## config.yaml\n\n{markdown_tables()}\n\nAfter.\n"
    readme.write_text("# x\n")
    assert main(["--readme", str(readme)]) == 1
