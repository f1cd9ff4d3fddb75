"""The site's settings: one schema, validated at load, every error reported with its line.

The modules, from the declarations to the file:
- `options`: how a setting declares itself (`option()`: help, default, range, choices, check);
- `checks`: what text becomes (whole number, size, ...) and the checks some settings need;
- `schema`: every section of config.yaml as a frozen dataclass, `Config` at the top;
- `validate`: the one validator, which walks a section's settings;
- `load`: `load_config`, from config.yaml (read as text) to `Config`, or ConfigError;
- `docs`: the README's tables of keys (`python -m generator.config --markdown`).
"""

from ..yaml_text import YAML_LOADER
from .checks import PERMALINK_FIELDS, parse_size
from .load import load_config
from .schema import (
    CONTENT_MODES,
    DEFAULT_ARTICLE_PERMALINK,
    DEFAULT_MAX_FILE_SIZE,
    CategoryConfig,
    Config,
    FeedsConfig,
    FetchConfig,
    FetchSource,
    RelatedConfig,
)

__all__ = [
    "CONTENT_MODES",
    "DEFAULT_ARTICLE_PERMALINK",
    "DEFAULT_MAX_FILE_SIZE",
    "PERMALINK_FIELDS",
    "YAML_LOADER",
    "CategoryConfig",
    "Config",
    "FeedsConfig",
    "FetchConfig",
    "FetchSource",
    "RelatedConfig",
    "load_config",
    "parse_size",
]
