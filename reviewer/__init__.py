"""reviewer: 政务新媒体发布前审核助手.

``review(text, kind="post")`` is the engine's one entry point; everything else is built on it.
"""

from __future__ import annotations

__version__ = "0.1.0"


def review(text: str, kind: str = "post", **options: object) -> dict:
    """Review one text and return the JSON report (verdict, findings, labels)."""
    from reviewer.config import load_settings
    from reviewer.engine.core import load_engine

    return load_engine(load_settings()).review(text, kind=kind, **options).to_dict()


__all__ = ["review", "__version__"]
