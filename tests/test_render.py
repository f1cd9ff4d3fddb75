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
