"""Personal data at rest (issue 14): what sealing and hashing cost, per value and in batches,
against the alternatives the pinned `cryptography` offers, in one process on this machine.

    scripts/bench crypto [--values 100000] [--repeat 3]

Each figure is the best of `--repeat` runs over `--values` values (an 18-character ID number;
a 120-character roster row for the JSON case), in seconds for the whole batch and µs a value.
"""

import argparse
import json
import os
import time

from common import RESULTS, setup_django

ID_NUMBER = "11011219500307123X"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

    from tongzhou_care.core import crypto
    from tongzhou_care.core.keys import keyring

    ring, n = keyring(), args.values
    texts = [f"{ID_NUMBER[:14]}{i % 10000:04d}" for i in range(n)]
    sealed = [crypto.seal(ring, "id_number", t) for t in texts]
    row = json.dumps(["1", "张三", ID_NUMBER, "男", "1950-03-07", "中仓街道", "运河社区", "运河社区7号楼3单元502",
                      "13912345678", "独生子女死亡特别扶助", "2015/3/1", ""], ensure_ascii=False)
    aes, chacha = AESGCM(os.urandom(32)), ChaCha20Poly1305(os.urandom(32))
    raw = [t.encode() for t in texts]

    def hmac_fresh():
        for t in raw:
            mac = hmac.HMAC(ring.hash_key, hashes.SM3())
            mac.update(t)
            mac.finalize()

    cases = {
        "SM4-GCM seal (crypto.seal)": lambda: [crypto.seal(ring, "id_number", t) for t in texts],
        "SM4-GCM unseal (crypto.unseal)": lambda: [crypto.unseal(ring, "id_number", s) for s in sealed],
        "SM4-GCM seal of a roster row as JSON (120 chars)": lambda: [crypto.seal_bytes(ring, "roster_cells", row.encode())
                                                                     for _ in range(n)],
        "SM4-GCM seal_batch (one key object, one urandom call)": lambda: crypto.seal_batch(ring, "id_number", texts),
        "SM4-GCM seal_many, 2 processes": lambda: crypto.seal_many(ring, "id_number", texts, processes=2),
        "AES-256-GCM (AESGCM, for comparison)": lambda: [aes.encrypt(os.urandom(12), t, b"id_number") for t in raw],
        "ChaCha20-Poly1305 (for comparison)": lambda: [chacha.encrypt(os.urandom(12), t, b"id_number") for t in raw],
        "HMAC-SM3, a new HMAC object per value": hmac_fresh,
        "HMAC-SM3 blind index (crypto.blind_index, copied object)": lambda: [crypto.blind_index(ring, "id_number", t)
                                                                             for t in texts],
        "HMAC-SM3 blind_index_batch": lambda: crypto.blind_index_batch(ring, "id_number", texts),
    }
    results = {}
    print(f"{n:,} values, best of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    print(f"| operation | s per {n:,} | µs a value |\n|---|---:|---:|")
    for label, fn in cases.items():
        seconds = best(fn, args.repeat)
        results[label] = seconds
        print(f"| {label} | {seconds:.2f} | {seconds / n * 1e6:.1f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crypto.json").write_text(json.dumps({"values": n, "seconds": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
