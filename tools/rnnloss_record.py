#!/usr/bin/python3
"""Write recordings for RNNLoss Explorer (docs/recording-format.md).

As a library (needs numpy and h5py; arrays may be numpy arrays or torch
tensors, batch first):

    from rnnloss_record import record
    record("run.h5", outputs, targets, states, inputs=inputs,
           weights=model.state_dict(), lambdas={"lambda_fr": 0.01}, step=100,
           run="fr0.01-seed3", activation="relu", tau=100, dt=10)

With the weights (and their biases), `inputs`, `activation` and `tau` with
`dt` (or `alpha`), the recording holds the network itself, and `rnnloss grad`
gives each loss term's gradient (docs/recording-format.md, "The network").

As a command, from nn4n checkpoints as CTRNN.save writes them (needs torch and
nn4n too):

    python3 tools/rnnloss_record.py nn4n CHECKPOINT.pth --inputs X.npy \\
        [--targets Y.npy] [--lambda lambda_fr=0.01]... [--step N] [--label TEXT]
        [--run NAME]
        [--trial-labels LABELS.npy] [--trial-values VALUES.npy] [--gzip] -o OUT.h5
    python3 tools/rnnloss_record.py nn4n CK1.pth CK2.pth ... --inputs X.npy -o DIR

A recording is written to a temporary name next to its destination and renamed
when complete, so an error or an interrupt never leaves a half-written file.
"""

import argparse
import math
import os
import re
import sys

import h5py
import numpy as np

LAMBDA_KEYS = ("lambda_mse", "lambda_in", "lambda_hid", "lambda_out",
               "lambda_fr", "lambda_fr_sd", "lambda_fr_cv")

# Where nn4n's state_dict keeps the three weight matrices, (out, in) orientation.
WEIGHT_NAMES = {
    "input": ("recurrent_layer.input_layer.weight", "weights/input", "input"),
    "hidden": ("recurrent_layer.hidden_layer.weight", "weights/hidden", "hidden"),
    "readout": ("readout_layer.weight", "weights/readout", "readout"),
}
# ... and their biases.
BIAS_NAMES = {
    "input": ("recurrent_layer.input_layer.bias", "biases/input"),
    "hidden": ("recurrent_layer.hidden_layer.bias", "biases/hidden"),
    "readout": ("readout_layer.bias", "biases/readout"),
}
# nn4n 1.2's activations (utils/helper_functions.py, get_activation).
ACTIVATIONS = ("relu", "tanh", "sigmoid", "retanh")


def _numpy(x, name):
    """A numpy array from a numpy array, a torch tensor or a nested list."""
    if hasattr(x, "detach"):  # torch.Tensor, without importing torch
        x = x.detach().cpu().numpy()
    try:
        a = np.asarray(x)
    except Exception as e:  # ragged lists and the like
        raise ValueError(f"{name}: cannot be made into an array ({e})") from None
    return a


def _series(x, name):
    a = _numpy(x, name)
    if a.ndim != 3:
        raise ValueError(f"{name}: expected (batch, time, units), got shape {a.shape}")
    if 0 in a.shape:
        raise ValueError(f"{name}: has an empty dimension, shape {a.shape}")
    if a.dtype.kind in "biu":
        a = a.astype(np.float32)
    elif a.dtype.kind != "f":
        raise ValueError(f"{name}: expected numbers, got dtype {a.dtype}")
    return a


def _labels(x, name, length):
    """trial_labels / neuron_groups: (length,) integers or strings."""
    a = _numpy(x, name)
    if a.ndim != 1 or a.shape[0] != length:
        raise ValueError(f"{name}: expected shape ({length},), got {a.shape}")
    if a.dtype.kind in "biu":
        return a.astype(np.int64), None
    if a.dtype.kind in "USO":
        return np.array([str(v) for v in a], dtype=object), h5py.string_dtype("utf-8")
    raise ValueError(f"{name}: expected integers or strings, got dtype {a.dtype}")


def _trial_values(x, batch):
    """trial_values: (B,) finite numbers (a coherence, a stimulus level, ...)."""
    a = _numpy(x, "trial_values")
    if a.ndim != 1 or a.shape[0] != batch:
        raise ValueError(f"trial_values: expected shape ({batch},), got {a.shape}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"trial_values: expected numbers, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"trial_values: value {int(np.argmin(np.isfinite(a)))} is not finite")
    return a


ACTIVATIONS = ("relu", "tanh", "sigmoid", "retanh")  # nn4n 1.2's


def _weights(weights, n_in, n_hid, n_out):
    """The three matrices from a state_dict (or a dict of the format's names)."""
    shapes = {"input": (n_hid, n_in), "hidden": (n_hid, n_hid), "readout": (n_out, n_hid)}
    out = {}
    for short, names in WEIGHT_NAMES.items():
        key = next((k for k in names if k in weights), None)
        if key is None:
            continue
        w = _numpy(weights[key], f"weights[{key!r}]")
        want = shapes[short]
        if w.ndim != 2 or any(d is not None and d != s for d, s in zip(want, w.shape)):
            raise ValueError(f"weights[{key!r}]: shape {w.shape} does not fit "
                             f"(expected {tuple('?' if d is None else d for d in want)}, "
                             "PyTorch's (out, in) orientation)")
        if w.dtype.kind != "f":
            raise ValueError(f"weights[{key!r}]: expected floating point, got {w.dtype}")
        out[short] = w
    if not out:
        raise ValueError("weights: none of " + ", ".join(n[0] for n in WEIGHT_NAMES.values())
                         + " is in it (pass model.state_dict())")
    return out


def _biases(weights, n_hid, n_out):
    """The biases in a state_dict (or a dict of the format's names), each 1-D."""
    lengths = {"input": n_hid, "hidden": n_hid, "readout": n_out}
    out = {}
    for short, names in BIAS_NAMES.items():
        key = next((k for k in names if k in weights), None)
        if key is None:
            continue
        b = _numpy(weights[key], f"weights[{key!r}]")
        want = lengths[short]
        if b.ndim != 1 or (want is not None and b.shape[0] != want):
            raise ValueError(f"weights[{key!r}]: shape {b.shape}, expected "
                             f"({'?' if want is None else want},)")
        if b.dtype.kind != "f" or not np.isfinite(b).all():
            raise ValueError(f"weights[{key!r}]: expected finite floating-point values")
        out[short] = b
    return out


def _network(activation, tau, dt, alpha, init_state, n_hid, batch):
    """The network's attributes and its initial state, checked."""
    attrs = {}
    if activation is not None:
        if str(activation) not in ACTIVATIONS:
            raise ValueError(f"activation: {activation!r} is not one of nn4n 1.2's "
                             f"activations: {', '.join(ACTIVATIONS)}")
        attrs["activation"] = str(activation)
    for name, v in (("tau", tau), ("dt", dt)):
        if v is not None and not (math.isfinite(float(v)) and float(v) > 0):
            raise ValueError(f"{name}: expected a positive number of ms, got {v!r}")
    if tau is not None:
        attrs["tau"] = np.float64(tau)
    if tau is not None and dt is not None and not 0 < float(dt) / float(tau) <= 1:
        raise ValueError(f"dt / tau = {float(dt) / float(tau):g}: alpha must be in (0, 1]")
    if alpha is not None:
        if not (math.isfinite(float(alpha)) and 0 < float(alpha) <= 1):
            raise ValueError(f"alpha: expected a number in (0, 1], got {alpha!r}")
        attrs["alpha"] = np.float64(alpha)
    init = None
    if init_state is not None:
        init = _numpy(init_state, "init_state")
        if n_hid is None:
            raise ValueError("init_state needs states or weights to know N_hid")
        ok = (init.ndim == 1 and init.shape[0] == n_hid) or \
             (init.ndim == 2 and init.shape[1] == n_hid and init.shape[0] in (1, batch))
        if not ok:
            raise ValueError(f"init_state: expected ({n_hid},) or ({batch}, {n_hid}), "
                             f"got {init.shape}")
        if init.dtype.kind not in "fiu" or not np.isfinite(init).all():
            raise ValueError("init_state: expected finite numbers")
        init = init.astype(np.float32 if init.dtype == np.float32 else np.float64)
    return attrs, init


def _lambdas(lambdas, has_mse):
    """The training lambdas as nn4n's RNNLoss takes them. As there, a missing
    lambda_mse means 1 (RNNLoss's default), so a recording of RNNLoss(lambda_fr=...)
    gives the total training printed; pass lambda_mse=0 to leave the MSE out.
    (Without outputs and targets the recording cannot hold the MSE: no default.)"""
    if lambdas is None:
        return {}
    out = {"lambda_mse": 1.0} if has_mse else {}
    for key, value in (lambdas or {}).items():
        full = key if key.startswith("lambda_") else "lambda_" + key
        if full not in LAMBDA_KEYS:
            raise ValueError(f"lambdas: unknown key {key!r} (one of {', '.join(LAMBDA_KEYS)})")
        v = float(value)
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"lambdas: {key} is {value}, not a finite number >= 0")
        out[full] = v
    return out


def record(path, outputs, targets, states, inputs=None, weights=None, lambdas=None,
           step=None, label=None, neuron_groups=None, trial_labels=None, dt=None,
           attrs=None, compression=None, activation=None, tau=None, alpha=None,
           init_state=None, trial_values=None, run=None):
    """Write one recording to `path`.

    outputs, targets: (B, T, N_out); states: (B, T, N_hid), the firing rates
    after the activation; inputs: (B, T, N_in). Any of outputs, targets, states
    may be None (the terms that need it are then unavailable). weights: a
    state_dict (nn4n names) or a dict with keys "input", "hidden", "readout".
    lambdas: {"lambda_fr": 0.01, ...} (or {"fr": 0.01}), the training lambdas
    as given to nn4n's RNNLoss: a missing lambda_mse means 1, as there.
    step: training step (int); label: text naming the recording; run: the
    training run the recording is a checkpoint of (short text, e.g.
    "fr0.01-seed3"; without it the app and rnnloss group by the recording's
    folder); dt: ms per step. neuron_groups: (N_hid,) and trial_labels: (B,), integers or strings.
    trial_values: (B,) finite numbers, one per trial (a coherence, ...): the x
    axis of `rnnloss stats`' psychometric curve.
    attrs: more root attributes (free-form; numbers or strings).
    The network, for the gradients of the terms (`rnnloss grad`): the biases
    come with `weights` (a state_dict has them; else keys "biases/input",
    "biases/hidden", "biases/readout"); activation: "relu", "tanh", "sigmoid"
    or "retanh" (also the saturated fraction of `rnnloss stats`); tau: ms
    (with dt, alpha = dt / tau), or alpha in (0, 1]; init_state: the
    pre-activation v_0 the model started from, (N_hid,) or (B, N_hid) (zeros
    when not given, as nn4n's forward without init_state).
    compression: None (the default: one unfiltered chunk per trial, read at
    memory speed and sliced live by the app) or "gzip" (smaller, slower).
    Everything is checked before the file is opened; the file appears under
    `path` only when complete.
    """
    series = {}
    for name, x in (("outputs", outputs), ("targets", targets), ("states", states),
                    ("inputs", inputs)):
        if x is not None:
            series[name] = _series(x, name)
    if not series and weights is None:
        raise ValueError("nothing to record: give outputs/targets/states or weights")
    first = next(iter(series.items()), None)
    for name, a in series.items():
        if a.shape[:2] != first[1].shape[:2]:
            raise ValueError(f"{name}: (batch, time) {a.shape[:2]} differs from "
                             f"{first[0]}'s {first[1].shape[:2]}")
    for a, b in (("outputs", "targets"),):
        if a in series and b in series and series[a].shape != series[b].shape:
            raise ValueError(f"{a} {series[a].shape} and {b} {series[b].shape} differ in shape")
    n_hid = series["states"].shape[2] if "states" in series else None
    n_in = series["inputs"].shape[2] if "inputs" in series else None
    out_like = series.get("outputs", series.get("targets"))
    n_out = out_like.shape[2] if out_like is not None else None
    batch = first[1].shape[0] if first else None

    mats = {}
    if weights is not None:
        if n_hid is None:
            w = weights.get(WEIGHT_NAMES["hidden"][0], weights.get("hidden"))
            n_hid = _numpy(w, "weights").shape[0] if w is not None else None
        mats = _weights(weights, n_in, n_hid, n_out)
        if n_out is None and "readout" in mats:
            n_out = mats["readout"].shape[0]
        biases = _biases(weights, n_hid, n_out)
    else:
        biases = {}
    net_attrs, init = _network(activation, tau, dt, alpha, init_state, n_hid, batch)
    lams = _lambdas(lambdas, "outputs" in series and "targets" in series)
    extra = {}
    if neuron_groups is not None:
        if n_hid is None:
            raise ValueError("neuron_groups needs states or weights to know N_hid")
        extra["neuron_groups"] = _labels(neuron_groups, "neuron_groups", n_hid)
    if trial_labels is not None:
        if batch is None:
            raise ValueError("trial_labels needs a time series to know the batch size")
        extra["trial_labels"] = _labels(trial_labels, "trial_labels", batch)
    if trial_values is not None:
        if batch is None:
            raise ValueError("trial_values needs a time series to know the batch size")
        values = _trial_values(trial_values, batch)
    if step is not None and (isinstance(step, bool) or int(step) != step):
        raise ValueError(f"step: expected a whole number, got {step!r}")
    if run is not None and not (isinstance(run, str) and 0 < len(run.encode()) <= 1024):
        raise ValueError(f"run: expected a name of 1 to 1024 bytes, got {run!r}")
    if dt is not None and not (math.isfinite(float(dt)) and float(dt) > 0):
        raise ValueError(f"dt: expected a positive number of ms, got {dt!r}")

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with h5py.File(tmp, "w") as f:
            for name, a in series.items():
                # One trial per chunk, unfiltered by default: the app and rnnloss
                # read such data straight from the file at memory speed and can
                # slice it live. compression="gzip" makes a smaller file that
                # goes through the (slower) reader process instead.
                f.create_dataset(name, data=a, chunks=(1,) + a.shape[1:],
                                 compression=compression,
                                 compression_opts=4 if compression == "gzip" else None)
            for short, w in mats.items():
                f.create_dataset("weights/" + short, data=w)
            for short, b in biases.items():
                f.create_dataset("biases/" + short, data=b)
            if init is not None:
                f.create_dataset("init_state", data=init)
            for name, (data, dtype) in extra.items():
                f.create_dataset(name, data=data, dtype=dtype)
            if trial_values is not None:
                f.create_dataset("trial_values", data=values)
            for key, v in lams.items():
                f.attrs[key] = np.float64(v)
            if step is not None:
                f.attrs["step"] = np.int64(step)
            if label is not None:
                f.attrs["label"] = str(label)
            if run is not None:
                f.attrs["run"] = run
            if dt is not None:
                f.attrs["dt"] = np.float64(dt)
            for key, v in (attrs or {}).items():
                f.attrs[key] = v if not isinstance(v, str) else str(v)
            for key, v in net_attrs.items():
                f.attrs[key] = v
            f.attrs["created_by"] = "tools/rnnloss_record.py"
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    return path


# ---------------------------------------------------------------------------
# The nn4n command
# ---------------------------------------------------------------------------
def _not_a_checkpoint(path, why):
    return ValueError(f"{path}: not a PyTorch checkpoint ({why}); give a file nn4n's "
                      "CTRNN.save wrote")


def _load_checkpoint(torch, path):
    import inspect
    with open(path, "rb") as f:
        head = f.read(8)
    # A recording given where the checkpoint goes: say so, not pickle's complaint.
    if head == b"\x89HDF\r\n\x1a\n":
        raise _not_a_checkpoint(path, "it is an HDF5 file, perhaps a recording")
    extra = {}
    # torch >= 2.6 loads only tensors by default; nn4n's kwargs may hold arrays.
    if "weights_only" in inspect.signature(torch.load).parameters:
        extra["weights_only"] = False
    try:
        ck = torch.load(path, map_location="cpu", **extra)
    except OSError:
        raise
    except Exception as e:  # UnpicklingError, zip errors, EOFError, ...: one line, not a traceback
        raise _not_a_checkpoint(path, f"torch.load: {type(e).__name__}: "
                                f"{' '.join(str(e).split())}") from None
    if not isinstance(ck, dict) or "model_state_dict" not in ck or "kwargs" not in ck:
        raise ValueError(f"{path}: not a checkpoint as nn4n's CTRNN.save writes it "
                         "(a dict with 'model_state_dict' and 'kwargs')")
    return ck


def _ei_groups(model):
    """'E'/'I' per hidden neuron from the hidden layer's ei_mask, or None."""
    mask = getattr(model.recurrent_layer.hidden_layer, "ei_mask", None)
    if mask is None:
        return None
    m = mask.detach().cpu().numpy()  # (out, in): column n holds neuron n's outgoing signs
    groups = []
    for n in range(m.shape[1]):
        col = m[:, n]
        if (col > 0).all():
            groups.append("E")
        elif (col < 0).all():
            groups.append("I")
        else:
            return None
    return groups


def record_nn4n(checkpoint, inputs, out, targets=None, lambdas=None, step=None, label=None,
                trial_labels=None, compression=None, inputs_name="the inputs",
                trial_values=None, run=None):
    """Runs the checkpoint's CTRNN on `inputs` (eval mode, no gradients) and records it.
    `inputs_name` names the inputs in messages (their file, for the command)."""
    import torch

    ck = _load_checkpoint(torch, checkpoint)
    from nn4n.model import CTRNN
    kwargs = dict(ck["kwargs"])
    kwargs["suppress_warnings"] = True
    model = CTRNN(**kwargs)
    model.load_state_dict(ck["model_state_dict"])
    model.eval()
    x = torch.as_tensor(np.asarray(inputs), dtype=torch.float32)
    if x.ndim != 3:
        raise ValueError(f"{inputs_name}: expected (batch, time, N_in), got shape "
                         f"{tuple(x.shape)}")
    n_in = int(model.dims[0])
    if x.shape[2] != n_in:
        raise ValueError(f"{checkpoint}: the model takes N_in = {n_in} inputs per step, but "
                         f"{inputs_name} has N_in = {x.shape[2]} (shape {tuple(x.shape)})")
    with torch.no_grad():
        outputs, extra = model(x)
    attrs = {"preact_noise": float(kwargs.get("preact_noise", 0)),
             "postact_noise": float(kwargs.get("postact_noise", 0)),
             "checkpoint": os.path.basename(checkpoint)}
    n_hid = model.recurrent_layer.hidden_layer.weight.shape[0]
    # nn4n keeps alpha per neuron (learn_alpha=True trains it): one value is
    # written when they agree; rnnloss's network has one alpha.
    alphas = np.unique(model.recurrent_layer.alpha.detach().cpu().numpy())
    alpha = float(alphas[0]) if alphas.size == 1 else None
    if alphas.size > 1:
        print(f"warning: {checkpoint}: alpha differs between neurons (learn_alpha); rnnloss grad "
              "re-simulates with dt / tau, so its replay will warn", file=sys.stderr)
    if alpha is not None and abs(alpha - float(kwargs.get("dt", 10)) / float(kwargs.get("tau", 100))) < 1e-6 * alpha:
        alpha = None  # dt / tau says it, in double precision
    # The network as it ran: nn4n's forward without init_state starts from zeros.
    return record(out, outputs, targets, extra["h"], inputs=x,
                  weights=model.state_dict(), lambdas=lambdas, step=step, label=label,
                  neuron_groups=_ei_groups(model), dt=float(kwargs.get("dt", 10)),
                  trial_labels=trial_labels, attrs=attrs, compression=compression,
                  activation=str(kwargs.get("activation", "relu")),
                  tau=float(kwargs.get("tau", 100)), alpha=alpha,
                  init_state=np.zeros(n_hid, np.float32), trial_values=trial_values,
                  run=run)


def _step_from_name(path):
    digits = re.findall(r"\d+", os.path.splitext(os.path.basename(path))[0])
    return int(digits[-1]) if digits else None


def main(argv=None):
    p = argparse.ArgumentParser(description="Write RNNLoss Explorer recordings.")
    sub = p.add_subparsers(dest="command", required=True)
    n = sub.add_parser("nn4n", help="record nn4n CTRNN checkpoints (CTRNN.save files)")
    n.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT")
    n.add_argument("--inputs", required=True, help="(B, T, N_in) array, .npy")
    n.add_argument("--targets", help="(B, T, N_out) array, .npy")
    n.add_argument("--lambda", dest="lambdas", action="append", default=[],
                   metavar="KEY=VALUE", help="training lambda, e.g. lambda_fr=0.01")
    n.add_argument("--step", type=int, help="training step (one checkpoint; otherwise, "
                   "when -o is a folder, the last number in the checkpoint's file name)")
    n.add_argument("--label", help="text naming the recording (one checkpoint)")
    n.add_argument("--run", metavar="NAME",
                   help="the training run the checkpoints belong to (e.g. fr0.01-seed3): "
                   "the app's History and Runs table and rnnloss compute DIR group by it "
                   "(without it, by the recording's folder)")
    n.add_argument("--trial-labels", metavar="LABELS.npy",
                   help="(B,) array, .npy: a label per trial (condition, choice, ...), for "
                   "selecting trials and splitting PSTHs in the app")
    n.add_argument("--trial-values", metavar="VALUES.npy",
                   help="(B,) array, .npy: a number per trial (coherence, stimulus level, ...), "
                   "for the psychometric curve of rnnloss stats")
    n.add_argument("--gzip", action="store_true",
                   help="compress the time series (smaller files; the app then reads them "
                   "through its slower reader process)")
    n.add_argument("-o", "--output", required=True,
                   help="OUT.h5, or an existing folder that gets one <checkpoint name>.h5 "
                   "per checkpoint (required for several)")
    a = p.parse_args(argv)

    lambdas = {}
    for item in a.lambdas:
        key, sep, value = item.partition("=")
        if not sep:
            p.error(f"--lambda {item}: expected KEY=VALUE")
        try:
            lambdas[key] = float(value)
        except ValueError:
            p.error(f"--lambda {item}: {value!r} is not a number")
    several = len(a.checkpoints) > 1
    if several and (a.step is not None or a.label is not None):
        p.error("--step and --label name one recording; with several checkpoints each "
                "takes its step from its file name")
    if several and not os.path.isdir(a.output):
        p.error(f"-o {a.output}: with several checkpoints, -o names an existing folder")
    try:
        inputs = np.load(a.inputs)
        targets = np.load(a.targets) if a.targets else None
        trial_labels = np.load(a.trial_labels) if a.trial_labels else None
        trial_values = np.load(a.trial_values) if a.trial_values else None
        into_folder = os.path.isdir(a.output)
        for ck in a.checkpoints:
            out, step = a.output, a.step
            if into_folder:
                stem = os.path.splitext(os.path.basename(ck))[0]
                out = os.path.join(a.output, stem + ".h5")
                if step is None:
                    step = _step_from_name(ck)
            record_nn4n(ck, inputs, out, targets=targets, lambdas=lambdas, step=step,
                        inputs_name=a.inputs,
                        label=a.label, run=a.run, trial_labels=trial_labels,
                        trial_values=trial_values,
                        compression="gzip" if a.gzip else None)
            print(f"wrote {out}")
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
