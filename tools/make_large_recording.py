#!/usr/bin/python3
"""Writes a large synthetic recording (format v1) slab by slab, for the
larger-than-memory run of docs/performance.md. Needs Debian's python3-h5py.

    /usr/bin/python3 tools/make_large_recording.py OUT.h5 [--batch 6000] [--time 500] [--neurons 512] [--chunk-trials 8]

Default: 6000 x 500 x 512 float32 states = 6.1 GB, chunked by 8 trials.
The 131 MB recording of issue 9: --batch 128 --chunk-trials 1.
"""
import argparse

import h5py
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--batch", type=int, default=6000)
p.add_argument("--time", type=int, default=500)
p.add_argument("--neurons", type=int, default=512)
p.add_argument("--outputs", type=int, default=4)
p.add_argument("--chunk-trials", type=int, default=8)
a = p.parse_args()

rng = np.random.default_rng(7)
B, T, N, O, C = a.batch, a.time, a.neurons, a.outputs, a.chunk_trials
gain = (1.0 + np.arange(N) / N).astype(np.float32)
with h5py.File(a.out, "w") as f:
    st = f.create_dataset("states", (B, T, N), dtype="<f4", chunks=(C, T, N))
    out = f.create_dataset("outputs", (B, T, O), dtype="<f4", chunks=(C, T, O))
    tgt = f.create_dataset("targets", (B, T, O), dtype="<f4", chunks=(C, T, O))
    f["weights/input"] = rng.normal(0, 0.3, (N, 3)).astype("<f4")
    f["weights/hidden"] = rng.normal(0, 0.05, (N, N)).astype("<f4")
    f["weights/readout"] = rng.normal(0, 0.1, (O, N)).astype("<f4")
    f.attrs["lambda_mse"] = 1.0
    f.attrs["lambda_fr"] = 0.01
    for b in range(0, B, 64):
        n = min(64, B - b)
        r = np.maximum(0.0, 0.2 + 0.5 * rng.standard_normal((n, T, N), dtype=np.float32)) * gain
        st[b:b + n] = r
        out[b:b + n] = rng.standard_normal((n, T, O), dtype=np.float32)
        tgt[b:b + n] = rng.standard_normal((n, T, O), dtype=np.float32)
print(f"wrote {a.out}: states {B}x{T}x{N} float32 = {B * T * N * 4 / 1e9:.2f} GB")
