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
from collections.abc import Mapping
from typing import Any

__all__ = ["VaultError", "decrypt", "derive_key", "encrypt", "hash_secret", "redact", "restore",
           "verify_secret"]

ITERATIONS = 120_000
_MARK = "\u0000secret:"
_NUMBER = "\u0000secret-number"


class VaultError(Exception):
    """A stored secret cannot be opened (wrong inputs, or the record was tampered with)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def hash_secret(value: str, salt: bytes | None = None) -> dict[str, str]:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", value.encode(), salt, ITERATIONS)
    return {"salt": _b64(salt), "hash": _b64(digest), "kdf": f"pbkdf2-sha256-{ITERATIONS}"}


def verify_secret(value: str, stored: Mapping[str, str]) -> bool:
    salt = _unb64(stored["salt"])
    digest = hashlib.pbkdf2_hmac("sha256", value.encode(), salt, ITERATIONS)
    return hmac.compare_digest(digest, _unb64(stored["hash"]))


def derive_key(secret_inputs: Mapping[str, str], salt: bytes) -> bytes:
    material = json.dumps(sorted(secret_inputs.items())).encode()
    return hashlib.pbkdf2_hmac("sha256", material, salt, ITERATIONS)


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
    """``value`` (JSON-like) with each secret replaced by its placeholder, longest first."""
    if not secrets:
        return value
    order = sorted(range(len(secrets)), key=lambda i: len(secrets[i]), reverse=True)
    exact = {s: i for i, s in enumerate(secrets)}
    return _redact(value, secrets, order, exact)


def _redact(value: Any, secrets: list[str], order: list[int], exact: dict[str, int]) -> Any:
    if isinstance(value, str):
        for index in order:
            secret = secrets[index]
            if secret in value:
                value = value.replace(secret, f"{_MARK}{index}\u0000")
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        index = exact.get(str(value))
        return value if index is None else {_NUMBER: index, "type": type(value).__name__}
    if isinstance(value, Mapping):
        return {k: _redact(v, secrets, order, exact) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v, secrets, order, exact) for v in value]
    return value


def restore(value: Any, secrets: Mapping[int, str]) -> Any:
    """Undoes ``redact``; a placeholder whose secret is unknown raises ``KeyError``."""
    if isinstance(value, str):
        if _MARK not in value:
            return value
        parts = value.split(_MARK)
        out = [parts[0]]
        for part in parts[1:]:
            index, _, rest = part.partition("\u0000")
            out.append(secrets[int(index)] + rest)
        return "".join(out)
    if isinstance(value, Mapping):
        if _NUMBER in value and len(value) == 2:
            text = secrets[int(value[_NUMBER])]
            return float(text) if value.get("type") == "float" else int(text)
        return {k: restore(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v, secrets) for v in value]
    return value
