"""Both Markdown engines: the same sanitizing, summary marker and word counts."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.markdown import ENGINES, engine_available, render_markdown
from generator.text import count_words, html_to_text

pytestmark = pytest.mark.skipif(not engine_available("commonmark"),
                                reason="cmarkgfm (digest[fast]) is not installed")

SAMPLE = """Lead paragraph with *emphasis*, a [link](https://example.org/) and `code`.

<!--more-->

## A heading

- one
- two

> A quotation.

| a | b |
|:--|--:|
| 1 | 2 |

Raw <script>alert(1)</script> and <div onclick="x()">an unclosed div
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_sanitize_and_split_the_summary(engine):
    rendered = render_markdown(SAMPLE, engine)
    # Python-Markdown passes the element to the sanitizer, which drops it with its content;
    # cmark-gfm's tag filter escapes it first, so its text shows. Neither can run.
    assert "<script" not in rendered.html
    assert "onclick" not in rendered.html
    assert rendered.html.count("<div") == rendered.html.count("</div>")
    assert '<th style="text-align:left">a</th>' in rendered.html
    assert "<h2" in rendered.html and "<blockquote>" in rendered.html
    assert html_to_text(rendered.summary_html).startswith("Lead paragraph with emphasis, a link")


def test_word_counts_agree_between_engines():
    counts = {e: count_words(html_to_text(render_markdown(SAMPLE, e).html)) for e in ENGINES}
    plain = {e: count_words(html_to_text(render_markdown("Some *plain* text, with\n\n- a list\n- of words", e).html))
             for e in ENGINES}
    assert len(set(plain.values())) == 1, plain
    assert abs(counts["commonmark"] - counts["python-markdown"]) <= 2, counts  # raw-HTML handling


def test_config_chooses_and_checks_the_engine(tmp_path):
    from generator.config import load_config
    from generator.errors import ConfigError

    (tmp_path / "config.yaml").write_text("markdown:\n  engine: commonmark\n")
    assert load_config(tmp_path / "config.yaml").markdown_engine == "commonmark"
    (tmp_path / "config.yaml").write_text("title: x\nmarkdown:\n  engine: kramdown\n")
    with pytest.raises(ConfigError, match=r":3: markdown.engine: expected one of"):
        load_config(tmp_path / "config.yaml")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_image_loads_lazily_and_decodes_off_the_main_thread(engine):
    text = ('An ![inline "image" > here](a.png "A title") and raw '
            '<img src="b.png" alt="b" loading="eager" decoding="bogus" width="30">\n\n'
            '<p><IMG SRC="c.png" onerror="x()"></p>\n\n'
            '    <img src="code.png">\n')
    html = render_markdown(text, engine).html
    assert html.count("<img ") == 3
    assert '<img src="b.png" alt="b" loading="eager" decoding="async" width="30">' in html
    assert '<img src="c.png" loading="lazy" decoding="async">' in html
    assert 'title="A title" loading="lazy" decoding="async">' in html
    assert 'alt="inline &quot;image&quot; &gt; here"' in html
    assert '<pre tabindex="0"><code>&lt;img src="code.png"&gt;\n</code></pre>' in html  # not an img
    assert "onerror" not in html


def test_image_attributes_are_set_on_the_sanitizers_output_only():
    from generator.markdown import lazy_images, sanitize_html

    assert lazy_images("<p>No images.</p>") == "<p>No images.</p>"
    paragraph = sanitize_html('<p title="<img src=x>">a &lt;img src=y&gt;</p>')
    image = sanitize_html('<img alt="x" src="y.png" loading="lazy">')
    assert lazy_images(paragraph + image) == (
        paragraph + '<img alt="x" src="y.png" loading="lazy" decoding="async">')


@pytest.mark.parametrize("engine", ENGINES)
def test_code_and_tables_take_the_keyboard_focus_they_need_to_scroll(engine):
    html = render_markdown('| a |\n|---|\n| 1 |\n\n    code\n\n'
                           '<pre tabindex="-1" class="x">raw</pre>\n', engine).html
    assert "<table tabindex=\"0\">" in html
    assert '<pre tabindex="0"><code>code\n</code></pre>' in html
    assert '<pre class="x" tabindex="0">raw</pre>' in html
    assert html.count("tabindex") == 3


# --- time linear in the text (found by tests/fuzz/fuzz_readers.py) ---------------------------

LINKS = """[a [nested] text](http://x.example/a_(b) "title") ![img](/i.png 'alt') [ref][1]
[short] and ![short img] [unclosed [a](b [x]( (y) [](<http://z> "t") [a]b] ]] [[
[1]: http://one.example/
[short]: http://short.example/
[short img]: /s.png
"""


ESCAPES = r"""a \\\\\\\\\\\ b \*\_\*\_\*\_\*\_\*\_ c \a\a\a\a\a\a\a\a\a \|\|\|\|\|\|\|\|\|
`code \\\\\\\\\\ ` and ``\\\\\\\\\\\\`\`` \\\\\\\\\*emph\\\\\\\\*
"""


def stock_python_markdown(text: str) -> str:
    import markdown

    from generator.markdown import EXTENSIONS, lazy_images, sanitize_html, scroll_boxes
    stock = markdown.Markdown(extensions=[e for e in EXTENSIONS if isinstance(e, str)])
    return scroll_boxes(lazy_images(sanitize_html(stock.convert(text))))


def test_links_and_escapes_read_as_python_markdown_reads_them():
    """The linear link and escape processors give Python-Markdown's own output."""
    expected = stock_python_markdown(LINKS)
    assert expected.count("<a ") == 4 and expected.count("<img ") == 2
    assert render_markdown(LINKS, "python-markdown").html == expected
    expected = stock_python_markdown(ESCAPES)
    assert expected.count("<code>") == 2 and "*_*_*_" in expected and "|||" in expected
    assert render_markdown(ESCAPES, "python-markdown").html == expected


def test_runs_of_escapes_take_linear_time():
    """Each escape rebuilt the paragraph's text: 1 s for 50 kB of backslashes (the fuzzer)."""
    import time
    began = time.process_time()
    html = render_markdown("\\" * 100_000 + "\\a", "python-markdown").html
    assert time.process_time() - began < 1  # 3.5 s before, 0.15 s now
    assert html == "<p>" + "\\" * 50_000 + "\\a</p>"


@pytest.mark.parametrize("line", ["[" * 20_000, "[a](" * 10_000, "![a](" * 10_000,
                                  "[a][" * 10_000, "[a]" * 20_000 + "("])
def test_unclosed_links_take_linear_time(line):
    """Each `[` was matched by a scan to the end of the text: minutes for this line."""
    import time
    began = time.process_time()
    render_markdown(line + "\n\nA paragraph.", "python-markdown")
    assert time.process_time() - began < 3


@pytest.mark.parametrize("line, tag", [("- " * 8000, "<ul>"), ("1. " * 3000, "<ol>"),
                                       ("+ " * 5000, "<ul>"), ("> - " * 4000, "<blockquote>")])
def test_lists_opened_on_one_line_stop_nesting(line, tag):
    """`- - - ... x` is as many nested lists: seconds, then RecursionError (found by the fuzzer)."""
    import time
    began = time.process_time()
    rendered = render_markdown("Lead.\n\n" + line + "x", "python-markdown")
    assert time.process_time() - began < 0.7
    assert rendered.warning is None
    assert rendered.html.count(tag) == (16 if tag == "<blockquote>" else 32)
    assert rendered.html.count("<hr>") == 0
    assert render_markdown("- - - -\n\n* * *").html == "<hr>\n<hr>"  # rules stay rules


def test_deep_blockquotes_stop_nesting_and_take_linear_time():
    """Each level of a blockquote was parsed again: seconds for one line of `> `."""
    import time
    began = time.process_time()
    html = render_markdown("> " * 30_000 + "deep", "python-markdown").html
    assert time.process_time() - began < 0.7  # 1.5 s before, 0.2 s now
    assert html.count("<blockquote>") == 32 and html.rstrip().endswith("</blockquote>")
    assert "&gt; &gt; deep" in html
    assert render_markdown("> a\n> > b\n\n```\n>>> x\n```").html.count("<blockquote>") == 2


def test_lists_nested_past_the_stack_are_plain_text():
    """Python-Markdown recursed once per level until RecursionError (found by the fuzzer)."""
    body = "\n".join("    " * i + "- a" for i in range(260))
    rendered = render_markdown("Lead <b>x</b>\n\n" + body, "python-markdown")
    assert rendered.warning and "nested too deeply" in rendered.warning
    assert rendered.html.startswith("<p>Lead &lt;b&gt;x&lt;/b&gt;</p>\n<p>")
    # The converter it left half-way is not used again: the next body is Markdown as ever.
    assert render_markdown("*a*", "python-markdown").html == "<p><em>a</em></p>"


EMPHASIS = """***a*** **b** *c* _d_ __e__ ***x**y* a*b*c 2*3*4 **** a ** b * foo*bar** ___a___
*a**b***c* **a *b* c** _a_b_ snake_case_word *in `code *x*` out* *a
""" + "x *a" + "*" * 300 + "\ny **" + "*" * 100 + "z**"


def test_emphasis_reads_as_python_markdown_reads_it():
    expected = stock_python_markdown(EMPHASIS)
    assert expected.count("<em>") >= 8 and expected.count("<strong>") >= 6
    assert render_markdown(EMPHASIS, "python-markdown").html == expected


def test_runs_of_delimiters_take_linear_time():
    """The next `*` was looked for at each character of a run: 3.6 s for 9,000 (the fuzzer)."""
    import time
    began = time.process_time()
    html = render_markdown("*a " + "*" * 9_000, "python-markdown").html  # an opener waits
    assert time.process_time() - began < 0.3  # 1.3 s before, 0.01 s now
    assert html == stock_python_markdown("*a " + "*" * 900).replace("*" * 900, "*" * 9_000)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="*_[]()!\\`<>&#;^-+.:|1a \n", max_size=120))
def test_any_text_reads_as_python_markdown_reads_it(text):
    """The linear link, escape and emphasis processors, and the inline pass that skips a
    pattern whose characters the text lacks (TRIGGERS), change nothing but the time."""
    assert render_markdown(text, "python-markdown").html == stock_python_markdown(text)


@pytest.mark.parametrize("line", ["- " * 24, "> " * 31 + "x", "1.  " * 24, "---- - - x\n" + "- " * 28])
def test_lines_of_markers_short_of_the_cap_take_no_time(line):
    """The cap's pattern matched the spaces between markers two ways: each marker more doubled
    the time it took to fail, and a 73-byte file hung the long fuzz run (24 markers: 8 s)."""
    import time
    began = time.process_time()
    render_markdown(line, "python-markdown")
    assert time.process_time() - began < 0.1


# A text each inline pattern matches: the pass that skips a pattern (TRIGGERS) must still try it.
MATCHED_BY = {
    "backtick": "a `code` b", "escape_runs": "\\*" * 9, "escape": "a \\* b",
    "footnote": "a[^1]\n\n[^1]: note", "reference": "[a][r]\n\n[r]: http://x.example",
    "link": "[a](http://x.example)", "short_reference": "[r]\n\n[r]: http://x.example",
    "image_link": "![a](/i.png)", "image_reference": "![a][r]\n\n[r]: /i.png",
    "short_image_ref": "![r]\n\n[r]: /i.png", "autolink": "<http://x.example>",
    "automail": "<a@b.example>", "html": "a <b>b</b>", "entity": "AT&amp;T &#169;",
    "linebreak": "a  \nb", "em_strong": "*a* _b_ __c__"}


# And a text each block processor with BLOCK_TRIGGERS matches.
BLOCKS_MATCHED_BY = {
    "table": "a | b\n--|--\n1 | 2", "hashheader": "## Head\ntext", "setextheader": "Head\n===",
    "hr": "a\n\n- - -\n\n___", "deflist": "Term\n: definition", "quote": "> quoted\n> more",
    "footnote": "a[^n]\n\n[^n]: the note", "abbr": "HTML is\n\n*[HTML]: Hyper Text",
    "reference": "[a][r]\n\n[r]:http://x.example"}


def converted(text: str, stock_inline: bool) -> str:
    """Python-Markdown's HTML before sanitizing, which would hide a difference in entities;
    `stock_inline` and Python-Markdown's own block parser, or the passes that skip."""
    import markdown
    from markdown.blockparser import BlockParser
    from markdown.treeprocessors import InlineProcessor

    from generator.markdown import EXTENSIONS
    converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    if stock_inline:
        converter.treeprocessors.register(InlineProcessor(converter), "inline", 20)
        converter.parser.__class__ = BlockParser
    return converter.convert(text)


def test_each_inline_pattern_is_tried_where_its_characters_are():
    from generator.markdown import TRIGGERS
    assert MATCHED_BY.keys() == TRIGGERS.keys()
    for name, text in MATCHED_BY.items():
        assert converted(text, stock_inline=False) == converted(text, stock_inline=True), name


def test_each_block_processor_is_tried_where_its_characters_are():
    from generator.markdown import BLOCK_TRIGGERS
    assert BLOCKS_MATCHED_BY.keys() == BLOCK_TRIGGERS.keys()
    for name, text in BLOCKS_MATCHED_BY.items():
        assert converted(text, stock_inline=False) == converted(text, stock_inline=True), name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="*_[]()!\\`<>&#;^:-a@ \n|=1.", max_size=80))
def test_skipping_patterns_changes_no_html(text):
    assert converted(text, stock_inline=False) == converted(text, stock_inline=True)


def test_plain_prose_tries_no_inline_pattern(monkeypatch):
    """Why the skip exists: a paragraph of words was tried against all seventeen patterns."""
    from markdown.treeprocessors import InlineProcessor
    tried = []
    stock = InlineProcessor._InlineProcessor__applyPattern
    monkeypatch.setattr(InlineProcessor, "_InlineProcessor__applyPattern",
                        lambda self, *args: tried.append(args[0]) or stock(self, *args))
    html = render_markdown("Officials said on Monday, in a statement, that the plan was new.\n\n"
                           "A second paragraph; with a semicolon (and brackets).").html
    assert html.count("<p>") == 2 and tried == []
    render_markdown("One *emphasis* here.")
    assert len(tried) >= 1 and all(type(p).__name__ == "_LinearDelimiters" for p in tried)


GFM = ("| a | b |\n|---|:-:|\n| 1 | 2 |\n\n~~gone~~ www.example.com - [ ] task [^1] *em*\n\n"
       "[^1]: the note\n\n```py\nx = 1\n```\n\n<script>alert(1)</script> <b>kept</b>\n")


@pytest.mark.skipif(not engine_available("commonmark"), reason="the fast extra is not installed")
def test_commonmark_gives_cmarkgfms_html_and_frees_what_it_allocates():
    """cmarkgfm's wrapper leaked each document's tree and HTML: 1.5 GB at 100,000 articles."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    from generator.markdown import commonmark_html
    assert commonmark_html(GFM) == cmarkgfm.github_flavored_markdown_to_html(
        GFM, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES)
    body = GFM + "\n\n".join(f"Paragraph {n} with *some* words in it." * 8 for n in range(20))

    def resident_mb() -> float:
        return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024

    commonmark_html(body)
    before = resident_mb()
    for _ in range(3000):
        commonmark_html(body)
    assert resident_mb() - before < 8  # the wrapper: about 60 MB
