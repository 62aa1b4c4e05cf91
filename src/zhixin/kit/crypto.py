"""Secrets at rest, encrypted with the data key (``ZHIXIN_DATA_KEY``).

Fernet from ``cryptography`` (AES-128-CBC with an HMAC-SHA256 tag, a timestamp and a random IV
per value; tampering is detected, not just hidden). The data key is a list of Fernet keys,
newest first (``ZHIXIN_DATA_KEY=new,old``): a value is encrypted with the first key and
decrypted with whichever key it was written with (``MultiFernet``), so keys can be rotated
without a moment when a stored value cannot be read:

1. generate a key: ``python -c "from cryptography.fernet import Fernet;
   print(Fernet.generate_key().decode())"``;
2. put it first, keeping the old ones: ``ZHIXIN_DATA_KEY=<new>,<old>``; restart the server and
   the worker (both read the key);
3. run ``zhixin webhooks reencrypt``: every stored secret is re-encrypted with the new key;
4. remove the old key from ``ZHIXIN_DATA_KEY`` and restart.

The database alone (a dump, a backup, a read-only account) then never yields a webhook secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DataKeyError(Exception):
    """A stored value cannot be decrypted with any configured key (wrong or missing key)."""


class DataCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one data key")
        self._first = Fernet(keys[0])
        self._all = MultiFernet([Fernet(k) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._first.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise DataKeyError(
                "无法用已配置的数据加密密钥（ZHIXIN_DATA_KEY）解密存储的密钥：密钥错误，"
                "或轮换时删去了仍在使用的旧密钥"
            ) from exc

    def is_current(self, token: str) -> bool:
        """True when ``token`` was written with the first (current) key."""
        try:
            self._first.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True


@lru_cache(maxsize=4)
def cipher(keys: tuple[str, ...]) -> DataCipher:
    return DataCipher(keys)
