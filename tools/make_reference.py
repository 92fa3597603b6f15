#!/usr/bin/env python3
"""Regenerate tests/data/reference/expected.json from nn4n.

For each reference recording in tests/data/reference/cases, computes every
term of the modular RNN loss two independent ways, in float64:

  nn4n/SET  nn4n's own RNNLoss on a CTRNN whose weights are set to the file's,
            each term alone with lambda 1 (the code's convention);
  spec/SET  the formulas of nn4n's criterion documentation in NumPy
            (the spec convention, docs/loss.md),

for each of the lambda sets below, and writes expected.json (or, with --check,
compares against the committed one). tests/data/reference/README.md explains
the file.

    /usr/bin/python3 tools/make_reference.py --nn4n PATH/TO/nn4n [--check]

Without --nn4n the checkout comes from NN4N_PATH or from PYTHONPATH.
Exit codes: 0 written or matching, 1 mismatch, 2 usage error or unreadable file,
77 skipped (nn4n, PyTorch, NumPy or h5py not available).
"""

import argparse
import json
import math
import os
import sys
import tempfile

SKIP = 77
TERMS = ["mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"]

# What the test suite is checked with: every term, only the MSE, and lambdas
# spanning seven orders of magnitude.
LAMBDA_SETS = {
    "all": {"mse": 1.0, "in": 0.1, "hid": 0.2, "out": 0.3, "fr": 0.4, "fr_sd": 0.5, "fr_cv": 0.6},
    "mse_only": {"mse": 1.0},
    "wide": {"in": 0.0001, "hid": 10.0, "fr": 1000.0, "fr_cv": 2.5},
}

# name: (recording, weights file or None), relative to the reference folder.
CASES = {
    "visible_relu": ("cases/visible_relu.h5", None),
    "visible_tanh_split": ("cases/visible_tanh_split.h5", "cases/visible_tanh_split_weights.h5"),
}

# Format v1 names and nn4n's state_dict names (docs/recording-format.md).
WEIGHT_NAMES = {
    "in": ("weights/input", "recurrent_layer.input_layer.weight"),
    "hid": ("weights/hidden", "recurrent_layer.hidden_layer.weight"),
    "out": ("weights/readout", "readout_layer.weight"),
}


def skip(why):
    print(f"skipped: {why}", flush=True)
    sys.exit(SKIP)


def import_peers(nn4n_path):
    """Everything this needs is optional for the test suite: skip, saying what is missing."""
    try:
        import numpy  # noqa: F401
        import h5py  # noqa: F401
    except ImportError as e:
        skip(f"{e} (apt-get install python3-numpy python3-h5py)")
    if nn4n_path:
        if not os.path.isdir(os.path.join(nn4n_path, "nn4n")):
            skip(f"no nn4n package in {nn4n_path} (NN4N_PATH / --nn4n)")
        sys.path.insert(0, os.path.abspath(nn4n_path))
    try:
        import torch  # noqa: F401
    except ImportError:
        skip("torch missing (apt-get install python3-torch)")
    try:
        import nn4n  # noqa: F401
    except ImportError as e:
        if getattr(e, "name", None) == "nn4n":
            skip("NN4N_PATH not set and nn4n not on PYTHONPATH")
        # nn4n is there but one of its own imports is not (it needs matplotlib).
        skip(f"nn4n cannot be imported: {e}")


def read_case(ref_dir, recording, weights):
    import h5py
    import numpy as np

    data = {}
    with h5py.File(os.path.join(ref_dir, recording), "r") as f:
        for name in ("outputs", "targets", "states", "inputs"):
            data[name] = np.asarray(f[name][()], dtype=np.float64)
        if weights is None:
            for key, names in WEIGHT_NAMES.items():
                data["W_" + key] = np.asarray(f[names[0]][()], dtype=np.float64)
    if weights is not None:
        with h5py.File(os.path.join(ref_dir, weights), "r") as f:
            for key, names in WEIGHT_NAMES.items():
                data["W_" + key] = np.asarray(f[names[1]][()], dtype=np.float64)
    return data


def finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


def nn4n_values(d):
    """Each term alone through nn4n's RNNLoss, the model's weights the file's."""
    import torch
    from nn4n.criterion import RNNLoss
    from nn4n.model import CTRNN

    torch.manual_seed(0)  # CTRNN draws initial weights; they are overwritten below
    n_hid, n_in = d["W_in"].shape
    n_out = d["W_out"].shape[0]
    model = CTRNN(dims=[n_in, n_hid, n_out]).double()
    with torch.no_grad():
        model.recurrent_layer.input_layer.weight.copy_(torch.from_numpy(d["W_in"]))
        model.recurrent_layer.hidden_layer.weight.copy_(torch.from_numpy(d["W_hid"]))
        model.readout_layer.weight.copy_(torch.from_numpy(d["W_out"]))
    pred = torch.from_numpy(d["outputs"])
    label = torch.from_numpy(d["targets"])
    states = torch.from_numpy(d["states"])

    values = {}
    with torch.no_grad():
        for term in TERMS:
            if term == "mse":
                _, parts = RNNLoss(model, lambda_mse=1)(pred, label, states=states)
                values[term] = finite_or_none(parts[0].item())
            else:
                # nn4n always adds lambda_mse * L_mse first; with lambda_mse 0
                # that part is 0 and the term itself is parts[1].
                _, parts = RNNLoss(model, lambda_mse=0, **{"lambda_" + term: 1})(
                    pred, label, states=states)
                assert len(parts) == 2 and parts[0].item() == 0.0
                values[term] = finite_or_none(parts[1].item())
    return values


def spec_values(d):
    """The documented formulas (docs/loss.md, spec convention) in NumPy."""
    import numpy as np

    r = d["states"]
    n_hid, n_in = d["W_in"].shape
    n_out = d["W_out"].shape[0]
    m = r.mean(axis=(0, 1))
    mu = m.mean()
    sd = math.sqrt(np.mean((m - mu) ** 2))
    return {
        "mse": finite_or_none(np.mean((d["outputs"] - d["targets"]) ** 2)),
        "in": finite_or_none(np.sum(d["W_in"] ** 2) / (n_in * n_hid)),
        "hid": finite_or_none(np.sum(d["W_hid"] ** 2) / (n_hid * n_hid)),
        "out": finite_or_none(np.sum(d["W_out"] ** 2) / (n_out * n_hid)),
        "fr": finite_or_none(np.mean(r ** 2)),
        "fr_sd": finite_or_none(sd),
        "fr_cv": finite_or_none(sd / mu) if mu != 0.0 else None,
    }


def weigh(values, lambdas):
    """A term with lambda 0 is not added; an enabled undefined term makes the total null."""
    terms, total = {}, 0.0
    for term in TERMS:
        lam = float(lambdas.get(term, 0.0))
        v = values[term]
        if lam == 0.0:
            weighted = 0.0
        elif v is None:
            weighted, total = None, None
        else:
            weighted = lam * v
            if total is not None:
                total += weighted
        terms[term] = {"lambda": lam, "value": v, "weighted": weighted}
    return {"total": total, "terms": terms}


def build(ref_dir):
    out = {"lambda_sets": LAMBDA_SETS, "cases": {}}
    for name, (recording, weights) in CASES.items():
        d = read_case(ref_dir, recording, weights)
        b, t, n_hid = d["states"].shape
        per_convention = {"spec": spec_values(d), "nn4n": nn4n_values(d)}
        expected = {}
        for conv, values in per_convention.items():
            for set_name, lambdas in LAMBDA_SETS.items():
                expected[f"{conv}/{set_name}"] = weigh(values, lambdas)
        out["cases"][name] = {
            "recording": recording,
            "weights": weights,
            "shape": {"batch": b, "time": t, "n_in": d["W_in"].shape[1], "n_hid": n_hid,
                      "n_out": d["W_out"].shape[0]},
            "mean_rate": [float(x) for x in d["states"].mean(axis=(0, 1))],
            "expected": expected,
        }
    return out


def compare(got, want, path, rtol, problems, worst):
    """Structure must match exactly, numbers to rtol (relative)."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            problems.append(f"{path}: keys {sorted(got) if isinstance(got, dict) else got!r} "
                            f"!= {sorted(want)}")
            return
        for k in want:
            compare(got[k], want[k], f"{path}/{k}", rtol, problems, worst)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            problems.append(f"{path}: length differs")
            return
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, f"{path}[{i}]", rtol, problems, worst)
    elif isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        if not isinstance(got, (int, float)):
            problems.append(f"{path}: got {got!r}, expected {want!r}")
            return
        scale = max(abs(got), abs(want))
        rel = 0.0 if scale == 0.0 else abs(got - want) / scale
        if rel > worst[0]:
            worst[0], worst[1] = rel, path
        if rel > rtol:
            problems.append(f"{path}: got {got!r}, expected {want!r} (relative {rel:.3g})")
    elif got != want:
        problems.append(f"{path}: got {got!r}, expected {want!r}")


def write_atomically(path, obj):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".expected-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1)  # the layout of the committed file
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_ref = os.path.normpath(os.path.join(here, "..", "tests", "data", "reference"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nn4n", default=os.environ.get("NN4N_PATH") or None,
                    help="nn4n checkout (the folder holding nn4n/); default $NN4N_PATH, "
                         "else nn4n must be importable (PYTHONPATH)")
    ap.add_argument("--reference", default=default_ref,
                    help="the reference folder (default: %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the existing expected.json instead of writing it")
    ap.add_argument("--rtol", type=float, default=1e-12,
                    help="relative tolerance for --check (default: %(default)g)")
    args = ap.parse_args()

    import_peers(args.nn4n)
    import nn4n
    import torch
    print(f"nn4n from {os.path.dirname(os.path.dirname(os.path.abspath(nn4n.__file__)))}, "
          f"torch {torch.__version__}", flush=True)

    target = os.path.join(args.reference, "expected.json")
    result = build(args.reference)
    if not args.check:
        write_atomically(target, result)
        print(f"wrote {target}")
        return 0

    try:
        with open(target) as f:
            committed = json.load(f)
    except (OSError, ValueError) as e:
        print(f"error: {target}: {e}", file=sys.stderr)
        return 2
    problems, worst = [], [0.0, ""]
    compare(result, committed, "expected.json", args.rtol, problems, worst)
    print(f"largest relative difference: {worst[0]:.3g}" + (f" at {worst[1]}" if worst[1] else ""))
    if problems:
        print(f"{len(problems)} mismatch(es) with {target}:", file=sys.stderr)
        for p in problems[:50]:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"{target} matches nn4n and the spec formulas (rtol {args.rtol:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
