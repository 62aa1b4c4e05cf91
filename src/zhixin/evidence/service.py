"""The evidence log (链上存证): append, sign tree heads, confirm, read, verify, export proofs.
Never commits. One name for callers, the work split by concept into the modules beside it and
re-exported here: ``log`` (the keys, append, tree heads), ``confirmations``, ``reading`` (who
sees which entry, the views) and ``proofs`` (verify, inclusion and consistency proofs).

**Append** (:func:`append`) is the one entry point every domain calls, inside its own
transaction: the log's state row is locked (FOR UPDATE; SQLite: BEGIN IMMEDIATE) at the
transaction's first append, the entry's canonical bytes are hashed into the stored right edge
(one node hash on average; the tree is never recomputed). The entry rows wait in memory and are
written with one multi-row INSERT and one UPDATE of the state when the transaction commits
(``before_commit``) or when this module next reads the log, whichever is first; so they commit
or roll back with the event they record, and 1,000 appends in a transaction cost two
statements, not 2,000.

**Keys** (Ed25519, ``cryptography``): one for the log (signs tree heads) and one per confirming
tenant (a bank, a regulator), made on first use. The platform holds them for the tenants: the
private seed is stored encrypted with the data key (``ZHIXIN_DATA_KEY``, kit/crypto.py Fernet,
rotated by ``zhixin evidence reencrypt``), so a database copy alone signs nothing. The public
keys are printed by ``zhixin evidence keys`` for anyone who checks proofs offline.
"""

from __future__ import annotations

# The modules split off by concept, named here too: callers write ``service.X``.
from zhixin.evidence.confirmations import confirm, submit_confirmation
from zhixin.evidence.log import (
    NOT_FOUND,
    TENANT_HELD,
    Event,
    KeyView,
    append,
    public_keys,
    reencrypt_keys,
    sign_head,
    sign_new_head,
)
from zhixin.evidence.proofs import Verified, consistency, proof, verify
from zhixin.evidence.reading import (
    EntryView,
    LogView,
    Side,
    for_contract,
    heads,
    log_view,
    may_confirm,
)

__all__ = [
    "NOT_FOUND",
    "TENANT_HELD",
    "EntryView",
    "Event",
    "KeyView",
    "LogView",
    "Side",
    "Verified",
    "append",
    "confirm",
    "consistency",
    "for_contract",
    "heads",
    "log_view",
    "may_confirm",
    "proof",
    "public_keys",
    "reencrypt_keys",
    "sign_head",
    "sign_new_head",
    "submit_confirmation",
    "verify",
]
