#!/usr/bin/python3
"""Prints XXH64 reference values for tests/test_sidecar.cpp, computed by the
xxHash project's own library (Debian's libxxhash0, via ctypes), so that the
summary file's checksum and fingerprint (engine/sidecar.cpp, written from the
XXH64 specification) are checked against an independent implementation.

    /usr/bin/python3 tools/xxh64_vectors.py

Input i of length n is bytes (j * 31 + 7) & 0xFF for j < n.
"""
import ctypes
import ctypes.util

lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
lib.XXH64.restype = ctypes.c_uint64
lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
lib.XXH_versionNumber.restype = ctypes.c_uint

print(f"// libxxhash {lib.XXH_versionNumber()}: {{length, seed, XXH64}}")
for n in (0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100, 1000, 4099):
    data = bytes((j * 31 + 7) & 0xFF for j in range(n))
    for seed in (0, 0x9E3779B97F4A7C15):
        print(f"{{{n}, 0x{seed:X}ull, 0x{lib.XXH64(data, n, seed):016X}ull}},")
