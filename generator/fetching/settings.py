"""The `fetch:` section of config.yaml, declared and checked with the rest of the schema in
`generator/config/`; its names stay importable from here for the fetch modules."""

from ..config import FetchConfig, FetchSource

__all__ = ["FetchConfig", "FetchSource"]
