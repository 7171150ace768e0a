"""The sealing and blind-index primitives (core/crypto.py): known-answer tests of SM4-GCM and
HMAC-SM3 from their standards, the sealed format pinned so data sealed today still opens
after any change of the code, and the refusals."""

import base64

import pytest
from cryptography.exceptions import InvalidTag

from tongzhou_care.core import crypto
from tongzhou_care.core.crypto import CryptoError, KeyConfigError, Keyring

KEY_1 = bytes(range(16))
KEY_2 = bytes(range(100, 116))
HASH_KEY = bytes(range(32, 64))


def ring(current=1, **overrides) -> Keyring:
    return Keyring(**{"keys": {1: KEY_1, 2: KEY_2}, "current": current, "hash_key": HASH_KEY, **overrides})


# --- Known answers ---------------------------------------------------------------------------

def test_sm4_gcm_known_answer_rfc_8998():
    """RFC 8998 appendix A.1 (SM4-GCM)."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    plaintext = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                              "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    expected = bytes.fromhex("17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
                             "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
                             "83DE3541E4C2B58177E065A9BF7B62EC")   # ciphertext + tag
    assert crypto.sm4_gcm_encrypt(key, nonce, aad, plaintext) == expected
    assert crypto.sm4_gcm_decrypt(key, nonce, aad, expected) == plaintext
    with pytest.raises(InvalidTag):
        crypto.sm4_gcm_decrypt(key, nonce, aad + b"x", expected)


@pytest.mark.parametrize(("key", "data", "expected"), [
    # GM/T 0042-2015 appendix D.3, cases 1-4
    ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
     b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
     "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"),
    ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425",
     bytes([0xCD]) * 50,
     "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"),
    ("0b" * 32, b"Hi There",
     "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"),
    (b"Jefe".hex(), b"what do ya want for nothing?",
     "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"),
])
def test_hmac_sm3_known_answers_gmt_0042(key, data, expected):
    assert crypto.hmac_sm3(bytes.fromhex(key), data).hex() == expected


def test_blind_index_is_hmac_sm3_of_purpose_and_value_and_the_copy_path_agrees():
    r = ring()
    for value in ("110112195003071234", "", "13912345678", "中文"):
        assert crypto.blind_index(r, "id_number", value) == crypto.hmac_sm3(
            HASH_KEY, b"id_number\x00" + value.encode())
    assert crypto.blind_index(r, "id_number", "1234") != crypto.blind_index(r, "id_last4", "1234")
    assert crypto.blind_index_cached(r, "id_last4", "123X") == crypto.blind_index(r, "id_last4", "123X")


def test_sealed_format_is_pinned():
    """A value sealed by this code with a fixed nonce: if this changes, every database's sealed
    data stops opening. Never change it; add a new FORMAT instead."""
    nonce = bytes(range(12))
    sealed = crypto.seal_bytes(ring(), "id_number", b"110112195003071234", nonce=nonce)
    assert sealed[:3] == b"\x01\x00\x01"          # format 1, key 1
    assert sealed[3:15] == nonce
    assert sealed[15:] == crypto.sm4_gcm_encrypt(KEY_1, nonce, b"\x01\x00\x01id_number", b"110112195003071234")
    assert sealed.hex() == (
        "010001000102030405060708090a0b" + crypto.sm4_gcm_encrypt(
            KEY_1, nonce, b"\x01\x00\x01id_number", b"110112195003071234").hex())
    assert crypto.unseal(ring(), "id_number", sealed) == "110112195003071234"
    assert len(sealed) == 18 + crypto.OVERHEAD


def test_sealed_format_known_answer():
    """The same, as bytes written down once (SM4-GCM is pinned by its own known answer above)."""
    sealed = crypto.seal_bytes(ring(), "phone", b"13912345678", nonce=bytes(12))
    assert crypto.unseal(ring(), "phone", sealed) == "13912345678"
    assert sealed == bytes.fromhex(PINNED_PHONE)


PINNED_PHONE = ("010001" "000000000000000000000000"                   # header, nonce
                "136eb4fed0136e6998d183"                            # ciphertext
                "5d4f0ba209b8528b0ca85595d8d3554b")                 # tag


# --- Sealing ---------------------------------------------------------------------------------

def test_seal_is_randomised_and_opens_with_its_purpose_only():
    r = ring()
    a, b = crypto.seal(r, "id_number", "110112195003071234"), crypto.seal(r, "id_number", "110112195003071234")
    assert a != b                                   # a fresh nonce each time
    assert b"110112195003071234" not in a
    assert crypto.unseal(r, "id_number", a) == crypto.unseal(r, "id_number", b) == "110112195003071234"
    with pytest.raises(CryptoError, match="another purpose"):
        crypto.unseal(r, "phone", a)


def test_tampering_and_unknown_keys_are_refused():
    r = ring()
    sealed = bytearray(crypto.seal(r, "bank_account", "6222020200112233445"))
    for position in (1, 2, 5, len(sealed) - 1, 20):
        damaged = bytearray(sealed)
        damaged[position] ^= 1
        with pytest.raises(CryptoError):
            crypto.unseal(r, "bank_account", bytes(damaged))
    with pytest.raises(CryptoError, match="too short"):
        crypto.unseal(r, "bank_account", b"\x01\x00\x01")
    with pytest.raises(CryptoError, match="format"):
        crypto.unseal(r, "bank_account", b"\x02" + bytes(sealed[1:]))
    only_2 = Keyring(keys={2: KEY_2}, current=2, hash_key=HASH_KEY)
    with pytest.raises(CryptoError, match="key 1"):
        crypto.unseal(only_2, "bank_account", bytes(sealed))


def test_rotation_reseals_under_the_current_key_and_old_keys_still_open():
    old, new = ring(current=1), ring(current=2)
    sealed = crypto.seal(old, "diagnosis", "脑梗死")
    assert crypto.key_id_of(sealed) == 1 and sealed.startswith(crypto.key_id_prefix(1))
    assert crypto.unseal(new, "diagnosis", sealed) == "脑梗死"       # key 1 still opens
    again = crypto.reseal(new, "diagnosis", sealed)
    assert crypto.key_id_of(again) == 2
    assert crypto.unseal(Keyring(keys={2: KEY_2}, current=2, hash_key=HASH_KEY), "diagnosis", again) == "脑梗死"


def test_json_values_and_batches():
    r = ring()
    cells = ["1", "张 三", "110112195003071234", None, 3]
    assert crypto.unseal_json(r, "roster_cells", crypto.seal_json(r, "roster_cells", cells)) == cells
    texts = [f"1391234{n:04d}" for n in range(50)]
    sealed = crypto.seal_many(r, "phone", texts, processes=2)   # too few to gain: sealed in place
    assert [crypto.unseal(r, "phone", s) for s in sealed] == texts


def test_seal_many_in_processes_keeps_the_order(monkeypatch):
    monkeypatch.setattr(crypto, "PARALLEL_MIN_PER_PROCESS", 10)
    r = ring()
    texts = [f"11011219500307{n:04d}" for n in range(95)]
    sealed = crypto.seal_many(r, "id_number", texts, processes=2)
    assert [crypto.unseal(r, "id_number", s) for s in sealed] == texts


# --- Keys from the environment ---------------------------------------------------------------

def test_keys_from_text():
    k1, k2, h = (base64.b64encode(k).decode() for k in (KEY_1, KEY_2, HASH_KEY))
    r = crypto.keyring_from_text(f"1:{k1}, 2:{k2}", "", h)
    assert r.current == 2 and r.keys == {1: KEY_1, 2: KEY_2} and r.hash_key == HASH_KEY
    assert crypto.keyring_from_text(f"1:{k1},2:{k2}", "1", h).current == 1
    assert "key" not in repr(r).replace("key ids", "")       # no key material in a repr
    assert KEY_1.hex() not in repr(r) and k1 not in repr(r)
    assert len(crypto.decode_key(crypto.new_key_text())) == 16


@pytest.mark.parametrize(("keys", "current", "hash_key", "message"), [
    ("", "", "h", "no SM4 key"),
    ("1:AAAA", "", "h", "16 bytes"),
    ("1:k1,1:k1", "", "h", "twice"),
    ("1:k1", "2", "h", "not among"),
    ("1:k1", "", "short", "at least 32"),
    ("1:k1", "", "same", "must not repeat"),
    ("one:k1", "", "h", "comma-separated"),
    ("1:k1!", "", "h", "comma-separated"),
    ("0:k1", "", "h", "outside"),
])
def test_bad_keys_are_refused(keys, current, hash_key, message):
    text = {"k1": base64.b64encode(KEY_1).decode(), "h": base64.b64encode(HASH_KEY).decode(),
            "short": base64.b64encode(bytes(16)).decode(), "same": base64.b64encode(KEY_1 * 2).decode()}
    keys = keys.replace("k1", text["k1"])
    with pytest.raises(KeyConfigError, match=message):
        crypto.keyring_from_text(keys, current, text[hash_key])
