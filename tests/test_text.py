from generator import text


def test_slugify_folds_accents_and_punctuation():
    assert text.slugify("Azerbaijan launches 'anti-terrorist' operations") == \
        "azerbaijan-launches-anti-terrorist-operations"
    assert text.slugify("Café  Crème — 2023!") == "cafe-creme-2023"
    assert text.slugify("under_score") == "under-score"
    assert text.slugify("東京 news") == "東京-news"
    assert text.slugify("!!!") == ""


def test_jekyll_prefix_is_split_from_the_name():
    assert text.split_jekyll_name("2023-09-27-armenia-talks") == ("2023-09-27", "armenia-talks")
    assert text.split_jekyll_name("armenia-talks") == (None, "armenia-talks")


def test_normalize_title_ignores_case_punctuation_and_spacing():
    a = text.normalize_title("Azerbaijan launches 'anti-terrorist' operations in Karabakh")
    b = text.normalize_title("AZERBAIJAN launches  ‘anti terrorist’ operations in Karabakh.")
    assert a == b


def test_dedupe_keeps_first_occurrence_in_order():
    assert text.dedupe_paragraphs(["a b", "c", "a  b", "d", "c"]) == ["a b", "c", "d"]


def test_first_sentence_skips_abbreviations_and_initials():
    sentence = text.first_sentence("On Sept. 27 Mr. Lee of the U.S. Navy spoke. Then he left.")
    assert sentence == "On Sept. 27 Mr. Lee of the U.S. Navy spoke."
    assert text.first_sentence("No full stop at all") == "No full stop at all"
    assert text.first_sentence('He said "stop." Then left.') == 'He said "stop."'


def test_derive_title_from_summary_then_body():
    assert text.derive_title("Tensions rise. More later.", ["Body."]) == "Tensions rise"
    assert text.derive_title("", ["First line here. Second."]) == "First line here"
    assert text.derive_title("Why now? Because.", []) == "Why now?"


def test_derive_title_cuts_long_sentences_at_a_word_boundary():
    long = "word " * 40 + "end."
    title = text.derive_title(long, [])
    assert len(title) <= 100
    assert title.endswith("…")
    assert not title[:-1].endswith(" ")
    assert title[:-1].split()[-1] == "word"


def test_summary_cut_mid_sentence_gets_an_ellipsis():
    assert text.finish_summary("which Russia deemed") == "which Russia deemed…"
    assert text.finish_summary("It ended.") == "It ended."
    assert text.finish_summary('He said "no."') == 'He said "no."'
    assert text.finish_summary("a list,") == "a list…"


def test_html_to_text_and_word_count():
    html = "<p>One <em>two</em></p><p>thr<b>ee</b> &amp; four</p><ul><li>five</li></ul>"
    assert text.html_to_text(html) == "One two three & four five"
    assert text.count_words(text.html_to_text(html)) == 6


def test_reading_minutes_rounds_up_and_is_at_least_one():
    assert text.reading_minutes(0) == 1
    assert text.reading_minutes(200) == 1
    assert text.reading_minutes(201) == 2
