from datetime import UTC, date, datetime

from generator import render
from generator.theme import read_templates


def test_dates_are_formatted_without_the_locale():
    moment = datetime(2023, 9, 27, 7, 5, tzinfo=UTC)
    assert render.long_date(moment) == "Wednesday 27 September 2023"
    assert render.short_date(date(2023, 1, 2)) == "2 Jan 2023"
    assert render.clock(moment) == "07:05"
    assert render.thousands(12345) == "12,345"


def test_environment_escapes_by_default(tmp_path):
    (tmp_path / "t.html").write_text("{{ x }}|{{ y | safe }}")
    env = render.make_environment(read_templates([tmp_path]))
    assert env.get_template("t.html").render(x="<b>", y="<i>") == "&lt;b&gt;|<i>"


def test_cache_tag_makes_a_fragment_once_per_key(tmp_path, monkeypatch):
    (tmp_path / "t.html").write_text(
        "{% for k in keys %}{% cache k %}[{{ made(k) }}]{% endcache %}{% endfor %}|"
        "{% cache keys[0] %}<{{ made(keys[0]) }}>{% endcache %}")
    env = render.make_environment(read_templates([tmp_path]))
    calls = []
    env.globals["made"] = lambda k: calls.append(k) or k
    template = env.get_template("t.html")
    assert template.render(keys=["a", "b", "a"]) == "[a][b][a]|<a>"
    assert calls == ["a", "b", "a"]  # "a" once per tag: a second tag is a fragment of its own
    assert template.render(keys=["a", "<"]) == "[a][&lt;]|<a>"  # kept across pages, escaped
    assert calls == ["a", "b", "a", "<"]


def test_cache_tag_keeps_a_bounded_number_of_fragments(tmp_path, monkeypatch):
    monkeypatch.setattr(render.FragmentCache, "CACHED", 3)
    (tmp_path / "t.html").write_text("{% for k in keys %}{% cache k %}{{ k }}{% endcache %}{% endfor %}")
    env = render.make_environment(read_templates([tmp_path]))
    env.get_template("t.html").render(keys=range(10))
    assert len(env.fragments) == 3 and {key[-1] for key in env.fragments} == {7, 8, 9}
