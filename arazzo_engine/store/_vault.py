"""How the run store keeps secrets without keeping them in clear.

A checkpoint is the run state with every known secret value cut out and replaced by a
placeholder naming its index in the run's list of secrets (``redact``); ``restore`` puts the
values back. Two things are stored beside it:

- for each secret *input*, a salted PBKDF2 hash, so that resume can tell whether the value given
  again is the one the run started with (and ask for it when it is missing);
- the list of secret values itself, encrypted under a key derived (PBKDF2, its own salt) from the
  secret inputs, so a secret obtained at run time (a login's token) comes back on resume once the
  inputs are given again. Without secret inputs there is no key: such values are not stored at
  all, and resume says so.

The cipher is built from the standard library only: an HMAC-SHA256 keystream in counter mode
with a random 16-byte nonce, and an HMAC-SHA256 tag over nonce and ciphertext (encrypt, then
MAC), with separate keys for the two.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["KDF", "Redactor", "VaultError", "decrypt", "derive", "encrypt", "masked", "redact",
           "redactor", "restore", "verify"]

ITERATIONS = 120_000
KDF = f"pbkdf2-sha256-{ITERATIONS}"
_MARK = "\u0000secret:"
_NUMBER = "\u0000secret-number"
#: What a placeholder is shown as (the executor's masker writes the same).
_MASK = "***"


class VaultError(Exception):
    """A stored secret cannot be opened (wrong inputs, or the record was tampered with)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def derive(secret_inputs: Mapping[str, str], salt: bytes) -> tuple[str, bytes]:
    """The verifier stored for the secret inputs, and the key that seals the run's secrets:
    both from one PBKDF2 derivation over all of them (one slow hash per run, not one per
    input)."""
    material = json.dumps(sorted(secret_inputs.items())).encode()
    master = hashlib.pbkdf2_hmac("sha256", material, salt, ITERATIONS)
    return _b64(_subkey(master, b"verify")), _subkey(master, b"seal")


def verify(secret_inputs: Mapping[str, str], salt: bytes, verifier: str) -> bytes | None:
    """The sealing key when the inputs are the ones the verifier was made from, else None."""
    found, key = derive(secret_inputs, salt)
    return key if hmac.compare_digest(found, verifier) else None


def _subkey(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, label, hashlib.sha256).digest()


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    blocks = []
    for counter in range((size + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(8, "big"),
                               hashlib.sha256).digest())
    return b"".join(blocks)[:size]


def encrypt(key: bytes, plaintext: bytes) -> str:
    nonce = os.urandom(16)
    stream = _keystream(_subkey(key, b"encrypt"), nonce, len(plaintext))
    cipher = bytes(a ^ b for a, b in zip(plaintext, stream, strict=True))
    tag = hmac.new(_subkey(key, b"authenticate"), nonce + cipher, hashlib.sha256).digest()
    return _b64(nonce + tag + cipher)


def decrypt(key: bytes, sealed: str) -> bytes:
    data = _unb64(sealed)
    nonce, tag, cipher = data[:16], data[16:48], data[48:]
    expected = hmac.new(_subkey(key, b"authenticate"), nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise VaultError("the stored secrets do not open with these inputs")
    stream = _keystream(_subkey(key, b"encrypt"), nonce, len(cipher))
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True))


# placeholders -----------------------------------------------------------------------------------

def redact(value: Any, secrets: list[str]) -> Any:
    """``value`` (JSON-like) with each secret replaced by its placeholder, longest first, in one
    pass (a placeholder is never searched again)."""
    if not secrets:
        return value
    return redactor(secrets).redact(value)


def redactor(secrets: list[str]) -> Redactor:
    """The redaction pass for these secrets (not empty), to keep while they stay the same."""
    ordered = sorted(set(secrets), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(s) for s in ordered))
    index = {s: i for i, s in enumerate(secrets)}
    return Redactor(pattern, index)


class Redactor:
    """One redaction pass. Runs on every checkpoint, over the whole run state: plain JSON
    types are told apart by ``type(...) is``, so a state of a few hundred nodes costs no ABC
    ``isinstance`` check per node (those went first in a profile of a polling run)."""

    def __init__(self, pattern: re.Pattern[str], index: dict[str, int]) -> None:
        self.pattern = pattern
        self.index = index

    def _placeholder(self, match: re.Match[str]) -> str:
        return f"{_MARK}{self.index[match.group()]}\u0000"

    def redact(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self.pattern.sub(self._placeholder, value)
        if kind is dict:
            return {k: self.redact(v) for k, v in value.items()}
        if kind is list:
            return [self.redact(v) for v in value]
        if kind is bool or value is None:
            return value
        if kind is int or kind is float:
            found = self.index.get(str(value))
            return value if found is None else {_NUMBER: found, "type": kind.__name__}
        return self._other(value)

    def _other(self, value: Any) -> Any:
        """Anything but a plain dict, list, str, bool or None: subclasses, numbers, tuples."""
        if isinstance(value, str):
            return self.pattern.sub(self._placeholder, value)
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            found = self.index.get(str(value))
            return value if found is None else {_NUMBER: found, "type": type(value).__name__}
        if isinstance(value, Mapping):
            return {k: self.redact(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact(v) for v in value]
        return value


_PLACEHOLDER = re.compile("\u0000secret:(\\d+)\u0000")


def masked(value: Any) -> Any:
    """``value`` as it may be shown without the secrets: each placeholder becomes ``***``
    (``Bearer ***``, as the run's own masker writes it), a secret number ``"***"``."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(_MASK, value) if _MARK in value else value
    if isinstance(value, Mapping):
        if _NUMBER in value and len(value) == 2:
            return _MASK
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def restore(value: Any, secrets: Mapping[int, str]) -> Any:
    """Undoes ``redact``; a placeholder whose secret is unknown raises ``KeyError``."""
    if isinstance(value, str):
        if _MARK not in value:
            return value
        return _PLACEHOLDER.sub(lambda m: secrets[int(m.group(1))], value)
    if isinstance(value, Mapping):
        if _NUMBER in value and len(value) == 2:
            text = secrets[int(value[_NUMBER])]
            return float(text) if value.get("type") == "float" else int(text)
        return {k: restore(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v, secrets) for v in value]
    return value
