import weakref
from datetime import UTC, date, datetime

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st
from test_site import URLS

from generator import render
from generator.memory import collector_paused
from generator.model import Page
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


def test_a_templates_globals_are_one_dict_its_own_over_the_environments(tmp_path):
    """Copied into every page's context: a dict copies at C speed, a ChainMap key by key."""
    (tmp_path / "t.html").write_text("{{ a }} {{ b }} {{ c }}")
    (tmp_path / "i.html").write_text("{% include 't.html' %}")
    env = render.make_environment(read_templates([tmp_path]))
    jinjas = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path))
    for each in (env, jinjas):
        each.globals.update(a="env", b="env")
    template = env.get_template("t.html", globals={"b": "own"})
    assert type(template.globals) is dict
    assert template.render(c=1) == "env own 1"
    # An include sees its includer's globals, as with Jinja's own environment.
    jinjas.get_template("t.html", globals={"b": "own"})
    assert env.get_template("i.html").render(c=2) == jinjas.get_template("i.html").render(c=2)


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
    env.get_template("t.html").render(keys=[*range(10), 7, 10])  # 7 used again: 8 goes
    assert len(env.fragments) == 3 and {key[-1] for key in env.fragments.entries} == {9, 7, 10}


def test_calls_reach_methods_and_c_functions_and_still_pass_the_context(tmp_path):
    """The context's shorter path for methods and C functions gives what Jinja's own call
    gives: arguments in loops, a context to a function that asks for it, undefined for a
    StopIteration."""
    import jinja2

    class Links:
        def of(self, x):
            return f"/{x}/"

        @jinja2.pass_context
        def named(self, context, x):
            return f"{context['prefix']}{x}"

        def stop(self):
            raise StopIteration

    (tmp_path / "t.html").write_text(
        "{% for x in xs %}{{ links.of(x) }}{{ links.named(x) }}{{ get(x, '?') }};{% endfor %}"
        "[{{ links.stop() }}]{% block b %}{% set y = 'b' %}{{ links.of(y) }}{% endblock %}")
    env = render.make_environment(read_templates([tmp_path]))
    assert env.context_class is render._Context
    out = env.get_template("t.html").render(links=Links(), xs=["a", "<"], prefix="p-",
                                            get={"a": "A"}.get)
    assert out == "/a/p-aA;/&lt;/p-&lt;?;[]/b/"  # in a loop, and in a block with its own vars


def test_escaping_is_markupsafes_and_gives_markup(tmp_path):
    """Templates escape through render._escape (the same C escaping without Markup's
    constructor): the bytes markupsafe gives, for text, numbers, Markup and undefined."""
    import markupsafe

    (tmp_path / "t.html").write_text(
        "{{ s }}|{{ n }}|{{ m }}|{{ missing }}|{% set b %}{{ s }}{% endset %}{{ b }}")
    env = render.make_environment(read_templates([tmp_path]))
    template = env.get_template("t.html")
    assert template.root_render_func.__globals__["escape"] is render._escape
    text = "<a href=\"x\">Tom & Jerry's</a>"
    out = template.render(s=text, n=3, m=markupsafe.Markup("<i>ok</i>"))
    escaped = str(markupsafe.escape(text))
    assert out == f"{escaped}|3|<i>ok</i>||{escaped}"
    assert type(render._escape(text)) is markupsafe.Markup
    assert render._escape(text) == markupsafe.escape(text)


def test_opening_text_reads_only_the_start_of_a_body():
    from markupsafe import Markup

    from generator.text import opening_text

    body = "<p>Short lede.</p><p>Then <a href=\"/x\">a link</a> &amp; more.</p>" * 200
    assert opening_text(body).startswith("Short lede.Then a link & more.Short lede.")
    assert 200 <= len(opening_text(body)) < 1_000 < len(Markup(body).striptags())


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<a title=\"x>y<z\">", "</a>", "<!-- c>d -->",
                                 "<!--", "-->", "&amp;", "&nbsp;", "&amp", "&lt;", "&#8195;",
                                 " ", "\n", "word", "<b>", ">", "<", "é"]), max_size=80),
       st.integers(min_value=1, max_value=40))
def test_opening_text_opens_as_striptags_does(parts, size):
    """Wherever the fragment is cut, the first `size` characters are striptags' own: a page
    shows or hides its lead exactly as with `body_html | striptags`."""
    from markupsafe import Markup

    from generator.text import opening_text

    fragment = "".join(parts)
    whole = Markup(fragment).striptags()
    opening = opening_text(fragment, size)
    assert opening[:size] == whole[:size]
    assert len(opening) >= min(size, len(whole))


def test_the_masthead_cached_per_kind_marks_each_pages_own_link(tmp_path):
    """base.html makes its masthead once per (template, kind) in a worker: one environment
    rendering pages of every kind in turn still marks the right link as the current page."""
    from generator.theme import BUILTIN

    env = render.make_environment(read_templates([BUILTIN]))
    url = render.Urls("https://example.org/", "/", "/{year}/{slug}/")
    env.globals.update(url=url, site=render.SiteInfo("T", "", "en", "https://example.org/",
                                                     "UTC", False))
    base = env.get_template("base.html")

    def current(**context):
        html = base.render(page={"template": context.pop("template", "list.html")},
                           canonical="/", **context)
        masthead = html[html.index('<header class="masthead">'):html.index("</header>")]
        return [line.split(">")[-3] for line in masthead.splitlines()
                if 'aria-current="page"' in line]

    for _ in range(2):  # the second time from the cache
        assert current(template="home.html") == ["Digest</a"]
        assert current(kind="tags") == ["Tags</a"]
        assert current(kind="archive") == ["Archive</a"]
        assert current(template="article.html") == []
        assert current(kind="categories") == ["Sources</a"]


def test_pages_that_fail_let_their_context_go_with_the_collector_paused():
    """A failed render's frames hold its page's context in a reference cycle: with the
    collector paused through a build, a template that fails on every page would keep them all."""
    class Body:
        pass

    job = render.RenderJob({"t.html": "{{ body.no_such_thing() }}"}, "k", render.SiteInfo(
        "T", "", "en", "https://x.example/", "UTC", False), (), URLS, {})
    bodies = [Body() for _ in range(50)]
    kept = [weakref.ref(b) for b in bodies]
    pages = [Page(f"/{n}/", "t.html", {"body": b}) for n, b in enumerate(bodies)]
    del bodies
    with collector_paused():
        rendered, errors = render.render_chunk(pages, job, None)
        del pages
        alive = sum(ref() is not None for ref in kept)
    assert rendered == [] and len(errors) == 50 and alive == 0


def _compiles(env, monkeypatch) -> list[str]:
    """The names the environment compiles from source (not loaded as compiled code)."""
    compiled = []
    compile_ = env.compile

    def counting(source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_(source, name, *args, **kwargs)

    monkeypatch.setattr(env, "compile", counting)
    return compiled


def test_compiled_templates_are_kept_for_the_next_process(tmp_path, monkeypatch):
    """A process that renders (an edit's rebuild, each worker) compiled the whole theme, 50 ms;
    with a folder for them, the next one loads the compiled code."""
    theme, kept = tmp_path / "theme", tmp_path / "cache"
    theme.mkdir(), kept.mkdir()
    (theme / "t.html").write_text("{% for x in xs %}<{{ x }}>{% endfor %}")
    first = render.make_environment(read_templates([theme]), str(kept))
    assert _compiles(first, monkeypatch) is not None
    assert first.get_template("t.html").render(xs="ab") == "<a><b>"
    assert len(list(kept.glob("template-*"))) == 1
    second = render.make_environment(read_templates([theme]), str(kept))
    compiled = _compiles(second, monkeypatch)
    assert second.get_template("t.html").render(xs="ab") == "<a><b>" and compiled == []
    (theme / "t.html").write_text("{% for x in xs %}[{{ x }}]{% endfor %}")  # its source changed
    third = render.make_environment(read_templates([theme]), str(kept))
    compiled = _compiles(third, monkeypatch)
    assert third.get_template("t.html").render(xs="ab") == "[a][b]" and compiled == ["t.html"]
    assert len(list(kept.glob("template-*"))) == 1  # replaced, not one more


def test_compiled_templates_are_kept_apart_for_other_options(tmp_path, monkeypatch):
    """Compiled code depends on the environment's options (trim_blocks...), not only on the
    source that Jinja checks: code compiled with others is never loaded."""
    theme, kept = tmp_path / "theme", tmp_path / "cache"
    theme.mkdir(), kept.mkdir()
    (theme / "t.html").write_text("{% if 1 %}\n  x\n{% endif %}\n")
    assert render.make_environment(read_templates([theme]), str(kept)).get_template(
        "t.html").render() == "  x\n"
    other = render.make_environment(read_templates([theme]), str(kept))
    other.trim_blocks = other.lstrip_blocks = False
    other.bytecode_cache = render._Compiled(str(kept), other)
    compiled = _compiles(other, monkeypatch)
    assert other.get_template("t.html").render() == "\n  x\n\n" and compiled == ["t.html"]


def test_a_folder_that_cannot_hold_compiled_templates_only_means_compiling(tmp_path):
    (tmp_path / "t.html").write_text("{{ 1 + 1 }}")
    env = render.make_environment(read_templates([tmp_path]), str(tmp_path / "missing"))
    assert env.get_template("t.html").render() == "2"
    assert not (tmp_path / "missing").exists()


def test_cache_tags_of_templates_compiled_apart_stay_apart(tmp_path):
    """A tag's fragments are named by its template and its place there: two templates
    compiled by two processes, each a first `{% cache %}` tag with the same key, then loaded
    together by a third (an edit's rebuild), keep their own fragments."""
    theme, kept = tmp_path / "theme", tmp_path / "cache"
    theme.mkdir(), kept.mkdir()
    (theme / "a.html").write_text('{% cache "aside" %}A{% endcache %}')
    (theme / "b.html").write_text('{% cache "aside" %}B{% endcache %}')
    (theme / "page.html").write_text('{% include "a.html" %}|{% include "b.html" %}')
    templates = read_templates([theme])
    assert render.make_environment(templates, str(kept)).get_template("a.html").render() == "A"
    assert render.make_environment(templates, str(kept)).get_template("b.html").render() == "B"
    third = render.make_environment(templates, str(kept))
    assert third.get_template("page.html").render() == "A|B"


def test_a_damaged_compiled_template_is_compiled_again(tmp_path):
    (tmp_path / "t.html").write_text("{{ 6 * 7 }}")
    kept = tmp_path / "cache"
    kept.mkdir()
    render.make_environment(read_templates([tmp_path]), str(kept)).get_template("t.html")
    [compiled] = kept.glob("template-*")
    # Cut short past Jinja's header, as a killed write leaves it: its checksum unreadable.
    compiled.write_bytes(compiled.read_bytes()[:len(render.jinja2.bccache.bc_magic) + 5])
    env = render.make_environment(read_templates([tmp_path]), str(kept))
    assert env.get_template("t.html").render() == "42"


def test_compiled_templates_are_named_by_jinjas_version_and_this_code(tmp_path, monkeypatch):
    """Jinja checks only its bytecode format's version, the same across Jinja 3: code compiled
    by another Jinja, or with another render.py, is never loaded."""
    (tmp_path / "t.html").write_text("{{ 1 }}")
    env = render.make_environment(read_templates([tmp_path]), str(tmp_path))
    names = {env.bytecode_cache.get_cache_key("t.html")}
    monkeypatch.setattr(render.jinja2, "__version__", "9.9.9")
    names.add(render.make_environment({}, str(tmp_path)).bytecode_cache.get_cache_key("t.html"))
    monkeypatch.undo()
    monkeypatch.setattr(render, "_COMPILING", "another render.py")
    names.add(render.make_environment({}, str(tmp_path)).bytecode_cache.get_cache_key("t.html"))
    assert len(names) == 3


def test_compiled_templates_are_named_by_which_filters_take_the_context(tmp_path):
    """Jinja compiles in whether a filter is passed the context: a filter that starts taking
    it (in any module) must not meet code compiled when it did not."""
    env = render.make_environment({}, str(tmp_path))
    before = env.bytecode_cache.get_cache_key("t.html")
    other = render.make_environment({}, str(tmp_path))
    other.filters["slugify"] = jinja2.pass_context(lambda context, value: value)
    assert render._Compiled(str(tmp_path), other).get_cache_key("t.html") != before


def test_a_listed_entry_is_made_again_when_an_article_it_names_as_also_covering_changes():
    """The theme's lists keep each entry's HTML by the cards of the article and of those
    "also covered by" it (`cards`): a story mate that changes what it shows (its source here)
    makes the entry again; one that does not is served from the cache."""
    from types import SimpleNamespace as Obj

    from generator.theme import BUILTIN

    env = render.make_environment(read_templates([BUILTIN]))
    sources = {"a": Obj(name="Alpha"), "b": Obj(name="Beta")}
    env.globals.update(url=render.Urls("https://example.org/", "/", "/{year}/{slug}/"),
                       category_of=sources.__getitem__)
    when = datetime(2023, 9, 20, 8, 0, tzinfo=UTC)
    article = Obj(id="x", card="cx", title="X", category="a", date=when, slug="x",
                  reading_minutes=1, draft=False, teaser="")
    mate = Obj(id="y", card="cy", title="Y", category="a", date=when, slug="y")
    days = env.get_template("partials/days.html")

    def shown() -> str:
        html = days.render(pager=Obj(groups=[(when.date(), [article])], total=1),
                           also_covered={"x": (mate,)})
        return html[html.index("Also covered by"):html.index("</p>", html.index("Also"))]

    assert "Alpha" in shown()
    mate.category = "b"  # what it shows changed, its card did not: the kept entry
    assert "Alpha" in shown()
    mate.card = "cy2"
    assert "Beta" in shown()
    assert render.cards([article, mate]) == ("cx", "cy2") and render.cards(()) == ()
