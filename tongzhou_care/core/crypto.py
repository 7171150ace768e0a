"""Personal data at rest (docs/security.md "Personal data at rest"): ID numbers, bank accounts,
phone numbers and diagnoses are sealed with SM4-GCM, and looked up through HMAC-SM3 keyed
hashes ("blind indexes"), the Chinese commercial algorithms a 商用密码应用安全性评估 expects,
through the pinned `cryptography` package. Pure functions of a Keyring: no settings, no
database (core/sealed.py applies them to model fields, core/keys.py builds the keyring from the
environment).

A sealed value is  01 | key id (2 bytes, big-endian) | nonce (12) | ciphertext | tag (16):
the format's version, the id of the SM4 key that sealed it (several keys can be live during a
rotation: every key in the ring opens, only the current one seals), a random 96-bit nonce, and
GCM's 128-bit tag. The associated data is the header plus the value's purpose ("id_number",
"phone" ...), so a sealed value moved into a column of another purpose, or given another key id,
no longer opens.

A blind index is HMAC-SM3 under a separate 32-byte key of  purpose | 0x00 | value: equal values
of one purpose get equal indexes (exact lookup, uniqueness, comparisons in SQL), and without
the key nobody can test a guessed ID number against them.

Costs measured on the 2-core development machine (../shared/README.md; bench/crypto.py):
sealing is ~15-20 µs a value, most of it setting up OpenSSL's cipher context, which
`cryptography` does not let one reuse for SM4-GCM; so bulk work seals only new or changed
values and spreads large batches over processes (seal_many). An HMAC costs ~2 µs from a
keyed HMAC object copied per value (~10 µs when built afresh).
"""

import base64
import functools
import json
import multiprocessing
import os
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FORMAT = 1
_HEADER = struct.Struct(">BH")
HEADER_SIZE = _HEADER.size          # 3
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = HEADER_SIZE + NONCE_SIZE + TAG_SIZE   # 31 bytes beside the plaintext
SM4_KEY_SIZE = 16
HASH_KEY_SIZE = 32
MAX_KEY_ID = 0xFFFF


class CryptoError(Exception):
    """A sealed value that does not open: unknown key id, wrong purpose, damaged bytes."""


class KeyConfigError(ValueError):
    """Keys that cannot be used (wrong length, duplicate ids, no current key …)."""


@dataclass(frozen=True, eq=False)       # compared (and cached) by identity
class Keyring:
    """The SM4 keys by id (every one opens), the id of the key that seals, and the HMAC-SM3
    key of the blind indexes (separate: rotating the SM4 keys leaves the indexes as they are)."""

    keys: Mapping[int, bytes]
    current: int
    hash_key: bytes
    _hmac_base: object = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.keys:
            raise KeyConfigError("no SM4 key")
        for key_id, key in self.keys.items():
            if not 1 <= key_id <= MAX_KEY_ID:
                raise KeyConfigError(f"key id {key_id} outside 1..{MAX_KEY_ID}")
            if len(key) != SM4_KEY_SIZE:
                raise KeyConfigError(f"key {key_id}: an SM4 key is {SM4_KEY_SIZE} bytes, not {len(key)}")
        if self.current not in self.keys:
            raise KeyConfigError(f"the current key id {self.current} is not among the keys {sorted(self.keys)}")
        if len(self.hash_key) < HASH_KEY_SIZE:
            raise KeyConfigError(f"the hash key needs at least {HASH_KEY_SIZE} bytes, not {len(self.hash_key)}")
        if any(self.hash_key.startswith(key) for key in self.keys.values()):
            raise KeyConfigError("the hash key must not repeat an SM4 key")
        # A keyed HMAC-SM3 object, copied for each value: building one per value costs 5x more.
        object.__setattr__(self, "_hmac_base", hmac.HMAC(self.hash_key, hashes.SM3()))

    def __repr__(self):        # never print a key
        return f"Keyring(key ids {sorted(self.keys)}, current {self.current})"


# --- Sealing ---------------------------------------------------------------------------------

def _aad(header: bytes, purpose: str) -> bytes:
    return header + purpose.encode()


def sm4_gcm_encrypt(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """SM4-GCM (GB/T 32907, RFC 8998): ciphertext followed by the 16-byte tag."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, aad: bytes, ciphertext_and_tag: bytes) -> bytes:
    """The plaintext; raises cryptography's InvalidTag if anything was changed."""
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, ciphertext_and_tag[-TAG_SIZE:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext_and_tag[:-TAG_SIZE]) + decryptor.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 (GM/T 0042), built afresh: for tests and one-off use."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def seal_bytes(ring: Keyring, purpose: str, plaintext: bytes, *, nonce: bytes | None = None) -> bytes:
    """SM4-GCM under the current key. `nonce` only for known-answer tests: a nonce must never
    repeat under one key, so it is random (os.urandom) everywhere else."""
    header = _HEADER.pack(FORMAT, ring.current)
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    return header + nonce + sm4_gcm_encrypt(ring.keys[ring.current], nonce, _aad(header, purpose), plaintext)


def unseal_bytes(ring: Keyring, purpose: str, sealed: bytes) -> bytes:
    """The plaintext of a sealed value. Raises CryptoError if it does not open."""
    sealed = bytes(sealed)
    if len(sealed) < OVERHEAD:
        raise CryptoError("sealed value too short")
    version, key_id = _HEADER.unpack_from(sealed)
    if version != FORMAT:
        raise CryptoError(f"unknown format {version}")
    key = ring.keys.get(key_id)
    if key is None:
        raise CryptoError(f"sealed under key {key_id}, which is not configured")
    header, nonce = sealed[:HEADER_SIZE], sealed[HEADER_SIZE:HEADER_SIZE + NONCE_SIZE]
    try:
        return sm4_gcm_decrypt(key, nonce, _aad(header, purpose), sealed[HEADER_SIZE + NONCE_SIZE:])
    except InvalidTag:
        raise CryptoError(f"sealed value does not open as {purpose!r} (damaged, or another purpose)") from None


def seal(ring: Keyring, purpose: str, text: str) -> bytes:
    return seal_bytes(ring, purpose, text.encode())


def unseal(ring: Keyring, purpose: str, sealed: bytes) -> str:
    return unseal_bytes(ring, purpose, sealed).decode()


def seal_json(ring: Keyring, purpose: str, value) -> bytes:
    """A JSON value (a roster row's cells, its changes) sealed as one."""
    return seal_bytes(ring, purpose, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def unseal_json(ring: Keyring, purpose: str, sealed: bytes):
    return json.loads(unseal_bytes(ring, purpose, sealed))


def key_id_of(sealed: bytes) -> int:
    """The id of the key a value was sealed with (read from its header, nothing decrypted)."""
    if len(sealed) < HEADER_SIZE:
        raise CryptoError("sealed value too short")
    return _HEADER.unpack_from(bytes(sealed[:HEADER_SIZE]))[1]


def key_id_prefix(key_id: int) -> bytes:
    """The first bytes of every value sealed under `key_id` (for SQL: substring(col for 3))."""
    return _HEADER.pack(FORMAT, key_id)


def reseal(ring: Keyring, purpose: str, sealed: bytes) -> bytes:
    """The same plaintext sealed again under the current key (rotation)."""
    return seal_bytes(ring, purpose, unseal_bytes(ring, purpose, sealed))


# --- Blind indexes ---------------------------------------------------------------------------

def blind_index(ring: Keyring, purpose: str, text: str) -> bytes:
    """HMAC-SM3 of purpose | 0 | text under the hash key: 32 bytes."""
    mac = ring._hmac_base.copy()
    mac.update(purpose.encode() + b"\x00" + text.encode())
    return mac.finalize()


def blind_index_batch(ring: Keyring, purpose: str, texts: Iterable[str]) -> list[bytes]:
    """`blind_index` of each text, the purpose's prefix encoded once."""
    prefix, base = purpose.encode() + b"\x00", ring._hmac_base
    out = []
    for text in texts:
        mac = base.copy()
        mac.update(prefix + text.encode())
        out.append(mac.finalize())
    return out


# Values of a small domain (the last four characters of an ID number: 11,000 of them) are
# hashed once per keyring and value.
@functools.lru_cache(maxsize=65536)
def blind_index_cached(ring: Keyring, purpose: str, text: str) -> bytes:
    return blind_index(ring, purpose, text)


# --- Batches ---------------------------------------------------------------------------------

# Below this many values per process a batch is sealed in the calling process: starting a
# process and moving the values costs more than it saves.
PARALLEL_MIN_PER_PROCESS = 10_000

_worker_ring: Keyring | None = None


def _init_worker(ring: Keyring) -> None:
    global _worker_ring
    _worker_ring = ring
    import signal

    from .jobs import die_with_parent     # a helper dies with the process that started it

    # The pool ends its helpers with SIGTERM: a handler inherited from the parent (the
    # background worker's graceful stop) would keep them alive and the pool waiting for ever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def seal_batch(ring: Keyring, purpose: str, texts: Sequence[str]) -> list[bytes]:
    """Each text sealed as `seal` does, in one loop with what is the same for every value set
    up once: the SM4 key object, the header and associated data, the nonces drawn from one
    os.urandom call (12 random bytes each, as for a single value). About 40 % cheaper a value
    than calling `seal` (bench/crypto.py)."""
    header = _HEADER.pack(FORMAT, ring.current)
    aad = _aad(header, purpose)
    sm4 = algorithms.SM4(ring.keys[ring.current])
    nonces = os.urandom(NONCE_SIZE * len(texts))
    out = []
    for n, text in enumerate(texts):
        nonce = nonces[n * NONCE_SIZE:(n + 1) * NONCE_SIZE]
        encryptor = Cipher(sm4, modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        out.append(header + nonce + encryptor.update(text.encode()) + encryptor.finalize() + encryptor.tag)
    return out


def _seal_chunk(args: tuple[str, list[str]]) -> list[bytes]:
    purpose, texts = args
    return seal_batch(_worker_ring, purpose, texts)


def seal_many(ring: Keyring, purpose: str, texts: Sequence[str], *, processes: int = 1) -> list[bytes]:
    """Seal each text, in order; spread over up to `processes` processes when the batch is
    large enough to gain from it (the roster import seals 100,000 new ID numbers and phones)."""
    texts = list(texts)
    processes = max(1, min(processes, len(texts) // PARALLEL_MIN_PER_PROCESS))
    if processes == 1:
        return seal_batch(ring, purpose, texts)
    size = -(-len(texts) // (processes * 4))      # a few chunks per process: even finishing
    chunks = [(purpose, texts[i:i + size]) for i in range(0, len(texts), size)]
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_init_worker, initargs=(ring,)) as pool:
        return [sealed for chunk in pool.map(_seal_chunk, chunks) for sealed in chunk]


# --- Keys as text (the environment) ----------------------------------------------------------

_KEY_ENTRY = re.compile(r"^\s*(\d+)\s*:\s*([A-Za-z0-9+/=_-]+)\s*$")


def decode_key(text: str) -> bytes:
    """A key written in base64 (standard or URL-safe alphabet)."""
    text = text.strip()
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except ValueError:
        raise KeyConfigError("a key must be written in base64") from None


def parse_keys(text: str) -> dict[int, bytes]:
    """'2:<base64>,1:<base64>' → {2: key, 1: key}."""
    keys: dict[int, bytes] = {}
    for entry in filter(str.strip, text.split(",")):
        match = _KEY_ENTRY.match(entry)
        if not match:
            raise KeyConfigError("PERSONAL_DATA_KEYS is a comma-separated list of <id>:<base64 key>")
        key_id = int(match[1])
        if key_id in keys:
            raise KeyConfigError(f"key id {key_id} listed twice")
        keys[key_id] = decode_key(match[2])
    return keys


def keyring_from_text(keys: str, current: str | int | None, hash_key: str) -> Keyring:
    """The keyring from the environment's text; the current key defaults to the highest id."""
    parsed = parse_keys(keys)
    if current in (None, ""):
        current = max(parsed) if parsed else 0
    return Keyring(keys=parsed, current=int(current), hash_key=decode_key(hash_key))


def new_key_text(size: int = SM4_KEY_SIZE) -> str:
    """A fresh random key in base64, for `manage.py personal_data_keys` and local keys."""
    return base64.b64encode(os.urandom(size)).decode()
