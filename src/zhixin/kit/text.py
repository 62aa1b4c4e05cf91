"""Cleaning text as it arrives from real files: full-width forms, stray spaces."""

from __future__ import annotations

import unicodedata

_SPACES = {"\u3000", "\xa0", "\u2002", "\u2003", "\u2009", "\u200b", "\ufeff"}


def clean(value: object) -> str:
    """NFKC-normalise (全角→半角 for ASCII letters, digits and punctuation) and trim spaces.

    NFKC keeps CJK ideographs as they are but folds full-width ``ＡＢＣ１２３`` to ``ABC123``.
    """
    if value is None:
        return ""
    text = str(value)
    for ch in _SPACES:
        if ch in text:
            text = text.replace(ch, " ")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


def mask(value: str, keep_start: int = 4, keep_end: int = 4) -> str:
    """Mask an identifier for display: ``9135**********123X``."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
