"""`digest fetch`: entries of the feeds you follow, written into content/ as Markdown files.

The modules, in the order a run uses them: `settings` (the `fetch:` section of config.yaml,
declared in `generator/config/schema.py`), `opml` (sources from an OPML file), `download`
(conditional HTTP with a deadline and a size limit), `entries` and `jsonfeed` (a feed's bytes
to normalized `FeedEntry` values), `state` (.digest-cache/fetch.json), `files` (entries to
files, the files fetch wrote, retention) and `run` (all of it, in parallel where it pays).
"""
