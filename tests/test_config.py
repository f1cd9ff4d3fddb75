from pathlib import Path

import pytest

from generator.config import KEYS, load_config
from generator.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_paths(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    assert cfg.title == "Digest"
    assert cfg.per_page == 20
    assert cfg.content_dir == tmp_path / "content"
    assert cfg.output_dir == tmp_path / "output"
    assert cfg.templates_dir == tmp_path / "templates"


def test_full_config(tmp_path):
    cfg = load_config(write(tmp_path, """
title: News
base_url: https://example.org/news
timezone: Asia/Tokyo
per_page: 5
default_category: General News
permalinks:
  article: /{category}/{slug}/
categories:
  nhk: {name: NHK World, description: Public broadcaster, url: https://nhk.example/}
  BBC: BBC News
"""))
    assert cfg.base_url == "https://example.org/news/"
    assert cfg.base_path == "/news/"
    assert cfg.tz.key == "Asia/Tokyo"
    assert cfg.default_category == "general-news"
    assert cfg.article_permalink == "/{category}/{slug}/"
    assert cfg.categories["nhk"].name == "NHK World"
    assert cfg.categories["bbc"].name == "BBC News"


def test_every_error_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, """title: ok
per_pge: 5
timezone: Mars/Olympus
per_page: "ten"
base_url: example.org
permalinks:
  article: /{year}/{nope}/
categories:
  nhk: {name: NHK, colour: red}
""")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    messages = [str(e) for e in caught.value.errors]
    assert any(m.endswith("config.yaml:2: unknown key 'per_pge' (known keys: " + ", ".join(sorted(KEYS))
                          + ")") for m in messages), messages
    assert any(":3: timezone: unknown time zone 'Mars/Olympus'" in m for m in messages)
    assert any(":4: per_page: expected a whole number, got text" in m for m in messages)
    assert any(":5: base_url: must be an absolute http(s) URL" in m for m in messages)
    assert any(":7: permalinks.article: unknown field {nope}" in m for m in messages)
    assert any(":9: categories.nhk: unknown key 'colour'" in m for m in messages)
    assert len(messages) == 6


def test_yaml_syntax_error_has_a_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "title: a\ncategories: [x\nper_page: 3\n"))
    assert caught.value.errors[0].line in (2, 3)
    assert "invalid YAML" in caught.value.errors[0].message


def test_permalink_needs_a_unique_part(tmp_path):
    with pytest.raises(ConfigError, match="must contain {slug} or {id}"):
        load_config(write(tmp_path, "permalinks:\n  article: /{year}/\n"))


def test_booleans_are_not_numbers(tmp_path):
    with pytest.raises(ConfigError, match="per_page: expected a whole number"):
        load_config(write(tmp_path, "per_page: true\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")
