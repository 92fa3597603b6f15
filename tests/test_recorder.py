#!/usr/bin/python3
"""Tests of tools/rnnloss_record.py, run by ctest with /usr/bin/python3.

    test_recorder.py --rnnloss BUILD/app/rnnloss --source SRC            (numpy + h5py)
    test_recorder.py --rnnloss BUILD/app/rnnloss --source SRC --nn4n     (needs torch, nn4n)

Without --nn4n: recordings written by record() from numpy arrays, read back
with h5py and with `rnnloss compute --json`, whose terms are compared with
the same terms computed here in numpy; the network's objects (biases,
activation, tau, dt, alpha, init_state) and `rnnloss grad` on a network
simulated here in numpy (its replay error at float32 rounding); a failure in
the middle of a write leaves no file. With --nn4n (nn4n from the NN4N_PATH
environment variable): the code blocks of docs/recording-format.md run as
written, during a short nn4n training run the loss RNNLoss gives at a step
equals `rnnloss compute --convention nn4n` on the recording written at that
step, and `rnnloss grad` on a checkpoint recorded by the nn4n command equals
PyTorch autograd through nn4n's own model. Without nn4n or torch the --nn4n
run says why and exits 77, which ctest reports as skipped.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

ARGS = None
SKIP = 77


def rnnloss(*args, check=True):
    p = subprocess.run([ARGS.rnnloss, *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"rnnloss {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


def terms_nn4n(outputs, targets, states, w_in, w_hid, w_out):
    """The seven unweighted terms in nn4n's convention, in float64 numpy."""
    o, y, r = (np.asarray(x, dtype=np.float64) for x in (outputs, targets, states))
    m = r.mean(axis=(0, 1))
    a = np.abs(r).mean(axis=(0, 1))
    return {
        "mse": np.mean((o - y) ** 2),
        "in": np.sum(np.square(w_in, dtype=np.float64)) / w_in.size,
        "hid": np.sum(np.square(w_hid, dtype=np.float64)) / w_hid.size,
        "out": np.sum(np.square(w_out, dtype=np.float64)) / w_out.size,
        "fr": np.mean(m ** 2),
        "fr_sd": np.std(m, ddof=1),
        "fr_cv": np.std(a, ddof=1) / np.mean(a),
    }


class Recorder(unittest.TestCase):
    """record() from numpy: what the file holds, and what rnnloss makes of it."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rnnloss-record-")
        sys.path.insert(0, os.path.join(ARGS.source, "tools"))
        import rnnloss_record
        self.rec = rnnloss_record
        rng = np.random.default_rng(7)
        self.B, self.T, self.Nin, self.N, self.Nout = 6, 40, 3, 20, 2
        self.outputs = rng.normal(size=(self.B, self.T, self.Nout)).astype(np.float32)
        self.targets = rng.normal(size=(self.B, self.T, self.Nout)).astype(np.float32)
        self.states = np.maximum(rng.normal(size=(self.B, self.T, self.N)), 0).astype(np.float32)
        self.inputs = rng.normal(size=(self.B, self.T, self.Nin)).astype(np.float32)
        self.sd = {
            "recurrent_layer.input_layer.weight": rng.normal(size=(self.N, self.Nin)).astype(np.float32),
            "recurrent_layer.input_layer.bias": np.zeros(self.N, np.float32),
            "recurrent_layer.hidden_layer.weight": rng.normal(size=(self.N, self.N)).astype(np.float32),
            "readout_layer.weight": rng.normal(size=(self.Nout, self.N)).astype(np.float32),
            "readout_layer.bias": np.zeros(self.Nout, np.float32),
        }
        self.lambdas = {"lambda_mse": 1.0, "lambda_in": 0.1, "lambda_hid": 0.2, "lambda_out": 0.3,
                        "lambda_fr": 0.4, "lambda_fr_sd": 0.5, "fr_cv": 0.6}

    def tearDown(self):
        shutil.rmtree(self.dir)
        sys.path.remove(os.path.join(ARGS.source, "tools"))

    def write(self, name="r.h5", **kw):
        args = dict(inputs=self.inputs, weights=self.sd, lambdas=self.lambdas)
        args.update(kw)
        return self.rec.record(os.path.join(self.dir, name), self.outputs, self.targets,
                               self.states, **args)

    def test_file_holds_what_was_given(self):
        groups = ["E"] * 16 + ["I"] * 4
        path = self.write(step=250, label="λ_fr 0.4", neuron_groups=groups,
                          trial_labels=[0, 1, 2, 0, 1, 2], dt=10)
        with h5py.File(path, "r") as f:
            for name, want in (("outputs", self.outputs), ("targets", self.targets),
                               ("states", self.states), ("inputs", self.inputs)):
                self.assertEqual(f[name].dtype, np.float32)
                np.testing.assert_array_equal(f[name][()], want)
            np.testing.assert_array_equal(f["weights/hidden"][()],
                                          self.sd["recurrent_layer.hidden_layer.weight"])
            np.testing.assert_array_equal(f["weights/input"][()],
                                          self.sd["recurrent_layer.input_layer.weight"])
            np.testing.assert_array_equal(f["weights/readout"][()], self.sd["readout_layer.weight"])
            self.assertEqual(f.attrs["lambda_fr_cv"], 0.6)  # "fr_cv" given without the prefix
            self.assertEqual(f.attrs["lambda_mse"], 1.0)
            self.assertEqual(int(f.attrs["step"]), 250)
            self.assertEqual(f.attrs["label"], "λ_fr 0.4")
            self.assertEqual(float(f.attrs["dt"]), 10.0)
            self.assertEqual([g.decode() for g in f["neuron_groups"][()]], groups)
            self.assertEqual(list(f["trial_labels"][()]), [0, 1, 2, 0, 1, 2])
        self.assertEqual(os.listdir(self.dir), ["r.h5"])  # no temporary left behind

    def test_rnnloss_reads_it(self):
        path = self.write(step=250, label="λ_fr 0.4", neuron_groups=["E"] * 20,
                          trial_labels=["left", "right"] * 3)
        j = json.loads(rnnloss("compute", path, "--json", "--convention", "nn4n").stdout)
        want = terms_nn4n(self.outputs, self.targets, self.states,
                          self.sd["recurrent_layer.input_layer.weight"],
                          self.sd["recurrent_layer.hidden_layer.weight"],
                          self.sd["readout_layer.weight"])
        lam = {"mse": 1.0, "in": 0.1, "hid": 0.2, "out": 0.3, "fr": 0.4, "fr_sd": 0.5, "fr_cv": 0.6}
        for key, v in want.items():
            self.assertAlmostEqual(j["terms"][key]["value"] / v, 1.0, delta=1e-9, msg=key)
            self.assertEqual(j["terms"][key]["lambda"], lam[key], msg=key)  # training lambdas
        self.assertAlmostEqual(j["total"] / sum(lam[k] * want[k] for k in want), 1.0, delta=1e-9)
        self.assertEqual(j["shape"], {"batch": 6, "time": 40, "n_in": 3, "n_hid": 20, "n_out": 2})
        # The label as several recordings show it; the step when there is no label.
        other = self.write("s.h5", step=500)
        lines = rnnloss("compute", path, other, "--json").stdout.splitlines()
        self.assertEqual([json.loads(x)["label"] for x in lines], ["λ_fr 0.4", "step 500"])

    def test_run_attribute(self):
        # run= becomes the root attribute `run`; rnnloss compute DIR reads it
        # back as each line's run, and falls back to the folder without it.
        os.makedirs(os.path.join(self.dir, "seed1"))
        named = self.write(os.path.join("seed1", "a.h5"), step=10, run="fr0.4-seed1")
        plain = self.write(os.path.join("seed1", "b.h5"), step=20)
        with h5py.File(named, "r") as f:
            self.assertEqual(f.attrs["run"], "fr0.4-seed1")
        with h5py.File(plain, "r") as f:
            self.assertNotIn("run", f.attrs)
        lines = rnnloss("compute", self.dir, "--json").stdout.splitlines()
        got = [(json.loads(x)["file"], json.loads(x)["run"]) for x in lines]
        self.assertEqual(got, [(named, "fr0.4-seed1"), (plain, "seed1")])
        for bad in ("", "x" * 1025, 7):
            with self.assertRaises(ValueError, msg=repr(bad)):
                self.write("bad.h5", run=bad)

    def test_trial_values_and_activation(self):
        values = [0.2, -0.1, 0.2, 0.0, -0.1, 0.4]
        path = self.write(trial_values=values, activation="tanh")
        with h5py.File(path, "r") as f:
            self.assertEqual(f["trial_values"].dtype, np.float64)
            np.testing.assert_array_equal(f["trial_values"][()], values)
            self.assertEqual(f.attrs["activation"], "tanh")
        j = json.loads(rnnloss("stats", path, "--json", "--response-window", "0:40").stdout)
        self.assertEqual(j["activation"], "tanh")
        self.assertEqual(j["psychometric"]["values"], sorted(set(values)))
        self.assertEqual(j["psychometric"]["trials"], [2, 1, 2, 1])
        self.assertIsNotNone(j["saturated_fraction"])

    def test_partial_and_torch_free(self):
        # States only: the firing-rate terms, nothing else needed.
        path = self.rec.record(os.path.join(self.dir, "p.h5"), None, None, self.states)
        j = json.loads(rnnloss("compute", path, "--json", "--lambda", "lambda_mse=0").stdout)
        self.assertTrue(j["terms"]["fr"]["available"])
        self.assertFalse(j["terms"]["mse"]["available"])
        self.assertNotIn("torch", sys.modules)

    def test_bad_input_writes_nothing(self):
        cases = [
            dict(states=self.states[:, :10]),                      # T disagrees
            dict(neuron_groups=["E"] * 3),                          # wrong length
            dict(lambdas={"lambda_fr": -1}),                        # negative lambda
            dict(lambdas={"lambda_xx": 1}),                         # unknown key
            dict(weights={"readout_layer.weight": np.zeros((2, 7), np.float32)}),  # N_hid
            dict(step=1.5),
            dict(trial_values=[0.1] * 5),                           # not one per trial
            dict(trial_values=[0.1, 0.2, float("nan"), 0, 0, 0]),   # not finite
            dict(trial_values=["a"] * 6),                           # not numbers
            dict(activation="gelu"),                                # not nn4n's
        ]
        for kw in cases:
            states = kw.pop("states", self.states)
            with self.assertRaises(ValueError, msg=str(kw)):
                self.rec.record(os.path.join(self.dir, "bad.h5"), self.outputs, self.targets,
                                states, **kw)
        self.assertEqual(os.listdir(self.dir), [])

    def simulate(self, w_in, b_in, w_hid, b_hid, w_out, b_out, alpha, v0, act=np.tanh):
        """nn4n's CTRNN in float64 numpy: rates (B, T, N) and outputs."""
        u = self.inputs.astype(np.float64)
        v = np.broadcast_to(v0, (self.B, self.N)).astype(np.float64)
        r, rates = act(v), []
        for t in range(self.T):
            v = (1 - alpha) * v + alpha * (r @ w_hid.T + b_hid + u[:, t] @ w_in.T + b_in)
            r = act(v)
            rates.append(r)
        rates = np.stack(rates, axis=1)
        return rates, rates @ w_out.T + b_out

    def network(self):
        rng = np.random.default_rng(11)
        f32 = np.float32
        sd = {
            "recurrent_layer.input_layer.weight": rng.normal(0, 0.5, (self.N, self.Nin)).astype(f32),
            "recurrent_layer.input_layer.bias": rng.normal(0, 0.1, self.N).astype(f32),
            "recurrent_layer.hidden_layer.weight": rng.normal(0, 0.2, (self.N, self.N)).astype(f32),
            "recurrent_layer.hidden_layer.bias": rng.normal(0, 0.1, self.N).astype(f32),
            "readout_layer.weight": rng.normal(0, 0.3, (self.Nout, self.N)).astype(f32),
            "readout_layer.bias": rng.normal(0, 0.1, self.Nout).astype(f32),
        }
        v0 = rng.normal(0, 0.3, (self.B, self.N)).astype(f32)
        k = ["recurrent_layer.input_layer.weight", "recurrent_layer.input_layer.bias",
             "recurrent_layer.hidden_layer.weight", "recurrent_layer.hidden_layer.bias",
             "readout_layer.weight", "readout_layer.bias"]
        states, outputs = self.simulate(*(sd[x].astype(np.float64) for x in k), 0.2, v0)
        return sd, v0, states.astype(f32), outputs.astype(f32)

    def test_network_objects(self):
        sd, v0, states, outputs = self.network()
        path = self.rec.record(os.path.join(self.dir, "net.h5"), outputs, self.targets, states,
                               inputs=self.inputs, weights=sd, activation="tanh", tau=100, dt=20,
                               init_state=v0, lambdas={"lambda_fr": 0.1})
        with h5py.File(path, "r") as f:
            for short, key in (("input", "recurrent_layer.input_layer.bias"),
                               ("hidden", "recurrent_layer.hidden_layer.bias"),
                               ("readout", "readout_layer.bias")):
                np.testing.assert_array_equal(f["biases/" + short][()], sd[key])
            np.testing.assert_array_equal(f["init_state"][()], v0)
            self.assertEqual(f.attrs["activation"], "tanh")
            self.assertEqual(float(f.attrs["tau"]), 100.0)
            self.assertEqual(float(f.attrs["dt"]), 20.0)
        # rnnloss re-simulates the network the file describes: the states above.
        j = json.loads(rnnloss("grad", path, "--json").stdout)
        self.assertLess(j["replay_error"], 1e-5 * np.abs(states).max())
        self.assertEqual(j["parameters"]["W_in"], [self.N, self.Nin])
        self.assertEqual(j["terms"]["fr"]["lambda"], 0.1)
        self.assertGreater(j["terms"]["fr"]["weighted_grad_norm"]["W_hid"], 0)
        # alpha instead of tau and dt; one initial state for every trial.
        alt = self.rec.record(os.path.join(self.dir, "alpha.h5"), None, None, states,
                              inputs=self.inputs, weights=sd, activation="tanh", alpha=0.2,
                              init_state=v0[:1])
        with h5py.File(alt, "r") as f:
            self.assertEqual(float(f.attrs["alpha"]), 0.2)
            self.assertEqual(f["init_state"].shape, (1, self.N))

    def test_bad_network_writes_nothing(self):
        sd, v0, states, outputs = self.network()
        bad_bias = dict(sd)
        bad_bias["readout_layer.bias"] = np.zeros(3, np.float32)
        nan_bias = dict(sd)
        nan_bias["recurrent_layer.hidden_layer.bias"] = np.full(self.N, np.nan, np.float32)
        cases = [
            dict(activation="gelu"),
            dict(tau=-1.0, dt=10),
            dict(tau=10, dt=20),                 # alpha = 2
            dict(alpha=1.5),
            dict(init_state=np.zeros((2, self.N))),
            dict(init_state=np.zeros(self.N + 1)),
            dict(weights=bad_bias),
            dict(weights=nan_bias),
        ]
        for kw in cases:
            args = dict(inputs=self.inputs, weights=sd)
            args.update(kw)
            with self.assertRaises(ValueError, msg=str(kw)):
                self.rec.record(os.path.join(self.dir, "bad.h5"), outputs, self.targets, states,
                                **args)
        self.assertEqual(os.listdir(self.dir), [])

    def test_failure_mid_write_leaves_no_file(self):
        path = os.path.join(self.dir, "r.h5")
        # An attribute h5py cannot store fails after the datasets are written.
        with self.assertRaises(TypeError):
            self.write(attrs={"unstorable": object()})
        self.assertEqual(os.listdir(self.dir), [])
        # An interrupt in the middle (KeyboardInterrupt is not an Exception).
        real = h5py.Group.create_dataset
        calls = []

        def interrupted(group, name, *a, **k):
            calls.append(name)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return real(group, name, *a, **k)

        h5py.Group.create_dataset = interrupted
        try:
            with self.assertRaises(KeyboardInterrupt):
                self.write()
        finally:
            h5py.Group.create_dataset = real
        self.assertEqual(os.listdir(self.dir), [])
        # A recording already there survives a failed rewrite untouched.
        self.write(label="first")
        with self.assertRaises(TypeError):
            self.write(label="second", attrs={"unstorable": object()})
        self.assertEqual(os.listdir(self.dir), ["r.h5"])
        with h5py.File(path, "r") as f:
            self.assertEqual(f.attrs["label"], "first")


def nn4n_available():
    """(True, None) or (False, why)."""
    path = os.environ.get("NN4N_PATH")
    if not path:
        return False, "NN4N_PATH is not set (point it at a checkout of nn4n 1.2.0)"
    if not os.path.isdir(os.path.join(path, "nn4n")):
        return False, f"NN4N_PATH={path} holds no nn4n package"
    try:
        import torch  # noqa: F401
    except ImportError:
        return False, "torch is not installed (Debian: apt-get install python3-torch)"
    sys.path.insert(0, path)
    try:
        import nn4n  # noqa: F401  (it imports matplotlib, too)
    except ImportError as e:
        return False, f"nn4n at NN4N_PATH={path} cannot be imported: {e}"
    return True, None


class Nn4n(unittest.TestCase):
    """With nn4n: the documentation's examples and nn4n's own loss."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rnnloss-nn4n-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def env(self):
        """What a reader of the doc has: python3 with torch, tools/ and nn4n importable,
        the repository's tools/ and build/app/rnnloss at the places the doc names."""
        os.symlink(os.path.join(ARGS.source, "tools"), os.path.join(self.dir, "tools"))
        os.makedirs(os.path.join(self.dir, "build", "app"))
        os.symlink(os.path.abspath(ARGS.rnnloss), os.path.join(self.dir, "build", "app", "rnnloss"))
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        os.symlink(sys.executable, os.path.join(bindir, "python3"))
        env = dict(os.environ)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        env["PYTHONPATH"] = os.pathsep.join([os.path.join(ARGS.source, "tools"),
                                             os.environ["NN4N_PATH"]])
        return env

    def test_doc_examples_run_as_written(self):
        doc = open(os.path.join(ARGS.source, "docs", "recording-format.md"), encoding="utf-8").read()
        blocks = re.findall(r"```(python|sh)\n(.*?)```", doc, re.S)
        self.assertGreaterEqual(len(blocks), 4, "the doc's examples were not found")
        env = self.env()
        stdout = []
        for i, (lang, code) in enumerate(blocks):
            name = os.path.join(self.dir, f"block{i}.{'py' if lang == 'python' else 'sh'}")
            with open(name, "w", encoding="utf-8") as f:
                f.write(code)
            cmd = [sys.executable, name] if lang == "python" else ["sh", "-e", name]
            p = subprocess.run(cmd, cwd=self.dir, env=env, capture_output=True, text=True,
                               timeout=600)
            self.assertEqual(p.returncode, 0,
                             f"block {i} ({lang}) of docs/recording-format.md failed:\n"
                             f"{code}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
            stdout.append(p.stdout)
        # What the blocks promise: recordings the CLI reads, the first one's
        # printed losses equal to what rnnloss computes from its recordings.
        printed = dict(re.findall(r"step (\d+): loss ([0-9.]+)", stdout[0]))
        self.assertEqual(sorted(printed), ["100", "50"])
        for step, loss in printed.items():
            j = json.loads(rnnloss("compute", os.path.join(self.dir, f"run_step{step}.h5"),
                                   "--json", "--convention", "nn4n").stdout)
            self.assertAlmostEqual(j["total"], float(loss), delta=1e-6)  # printed to 6 decimals
        for name in ("ckpt_step100.h5", "history/ckpt_step100.h5", "plain.h5"):
            self.assertTrue(os.path.exists(os.path.join(self.dir, name)), name)

    def test_bad_checkpoints_are_one_line(self):
        """Issue 18, item 14: a recording given as the checkpoint, or inputs of the wrong
        N_in, end in one line naming the file and what is wrong, not a traceback; rnnloss
        given a checkpoint says what it looks like and which command makes a recording."""
        import torch
        from nn4n.model import CTRNN
        ck = os.path.join(self.dir, "ck.pth")
        CTRNN(dims=[4, 16, 2], suppress_warnings=True).save(ck)
        x3, x4 = os.path.join(self.dir, "x3.npy"), os.path.join(self.dir, "x4.npy")
        np.save(x3, np.random.default_rng(1).random((2, 5, 3), dtype=np.float32))
        np.save(x4, np.random.default_rng(1).random((2, 5, 4), dtype=np.float32))
        rec = os.path.join(self.dir, "rec.h5")
        env = self.env()

        def recorder(*args):
            return subprocess.run([sys.executable, os.path.join(ARGS.source, "tools",
                                                                "rnnloss_record.py"), *args],
                                  env=env, capture_output=True, text=True, timeout=600)

        self.assertEqual(recorder("nn4n", ck, "--inputs", x4, "-o", rec).returncode, 0)

        def one_error_line(p, *mentions):
            self.assertEqual(p.returncode, 2, p.stderr)
            lines = p.stderr.splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertTrue(lines[0].startswith("error: "), p.stderr)
            for m in mentions:
                self.assertIn(m, lines[0])

        one_error_line(recorder("nn4n", rec, "--inputs", x4, "-o", self.dir + "/a.h5"),
                       rec, "not a PyTorch checkpoint", "HDF5")
        one_error_line(recorder("nn4n", ck, "--inputs", x3, "-o", self.dir + "/b.h5"),
                       ck, "N_in = 4", "N_in = 3", x3)
        junk = os.path.join(self.dir, "junk.pth")
        with open(junk, "wb") as f:
            f.write(b"not a checkpoint at all\n")
        one_error_line(recorder("nn4n", junk, "--inputs", x4, "-o", self.dir + "/c.h5"),
                       junk, "not a PyTorch checkpoint")
        for name in ("a.h5", "b.h5", "c.h5"):
            self.assertFalse(os.path.exists(os.path.join(self.dir, name)), name)

        legacy = os.path.join(self.dir, "legacy.pt")
        torch.save({"model_state_dict": {}}, legacy, _use_new_zipfile_serialization=False)
        for path, kind in ((ck, "zip archive holding data.pkl"), (legacy, "Python pickle")):
            p = rnnloss("compute", path, check=False)
            one_error_line(p, path, "not an HDF5 file", "PyTorch checkpoint", kind,
                           f"python3 tools/rnnloss_record.py nn4n {path}")

    def test_training_loss_equals_rnnloss(self):
        import torch
        from nn4n.criterion import RNNLoss
        from nn4n.model import CTRNN
        sys.path.insert(0, os.path.join(ARGS.source, "tools"))
        from rnnloss_record import record

        torch.manual_seed(3)
        inputs = torch.randn(8, 30, 3)
        targets = torch.rand(8, 30, 2)
        lambdas = dict(lambda_mse=1.0, lambda_in=0.01, lambda_hid=0.02, lambda_out=0.03,
                       lambda_fr=0.1, lambda_fr_sd=0.05, lambda_fr_cv=0.02)
        ei = np.ones((32, 32))
        ei[24:] = -1  # neurons 24.. inhibitory
        model = CTRNN(dims=[3, 32, 2], dt=10, tau=50, activation="relu",
                      ei_masks=[None, ei, None])
        criterion = RNNLoss(model, **lambdas)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        seen = {}
        for step in range(1, 31):
            outputs, hidden = model(inputs)
            loss, parts = criterion(outputs, targets, states=hidden["h"])
            if step in (1, 15, 30):
                seen[step] = (loss.item(), parts.detach().numpy().copy())
                record(os.path.join(self.dir, f"s{step}.h5"), outputs, targets, hidden["h"],
                       inputs=inputs, weights=model.state_dict(), lambdas=lambdas, step=step)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        order = ["mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"]
        for step, (loss, parts) in seen.items():
            j = json.loads(rnnloss("compute", os.path.join(self.dir, f"s{step}.h5"), "--json",
                                   "--convention", "nn4n").stdout)
            self.assertLessEqual(abs(j["total"] - loss), 1e-5 * abs(loss), f"step {step}")
            for key, part in zip(order, parts):  # nn4n's own per-term values, weighted
                w = j["terms"][key]["weighted"]
                self.assertLessEqual(abs(w - part), 1e-5 * abs(part) + 1e-12, f"step {step} {key}")
        # The nn4n command on a checkpoint of that model: E/I groups from ei_masks.
        ck = os.path.join(self.dir, "ck_step30.pth")
        model.save(ck)
        np.save(os.path.join(self.dir, "x.npy"), inputs.numpy())
        env = self.env()
        p = subprocess.run([sys.executable, os.path.join(ARGS.source, "tools", "rnnloss_record.py"),
                            "nn4n", ck, "--inputs", os.path.join(self.dir, "x.npy"),
                            "--lambda", "lambda_fr=0.1", "-o", self.dir],
                           env=env, capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        with h5py.File(os.path.join(self.dir, "ck_step30.h5"), "r") as f:
            groups = [g.decode() for g in f["neuron_groups"][()]]
            self.assertEqual(groups, ["E"] * 24 + ["I"] * 8)
            self.assertEqual(int(f.attrs["step"]), 30)
            self.assertEqual(float(f.attrs["tau"]), 50.0)
            self.assertEqual(f.attrs["activation"], "relu")
            self.assertEqual(float(f.attrs["lambda_fr"]), 0.1)
            model.eval()
            with torch.no_grad():
                out, hidden = model(inputs)
            np.testing.assert_allclose(f["states"][()], hidden["h"].numpy(), rtol=1e-6)
            np.testing.assert_allclose(f["outputs"][()], out.numpy(), rtol=1e-6)
            # The network for rnnloss grad: biases, dt, the zero initial state.
            self.assertEqual(float(f.attrs["dt"]), 10.0)
            np.testing.assert_array_equal(f["biases/readout"][()],
                                          model.state_dict()["readout_layer.bias"].numpy())
            np.testing.assert_array_equal(f["init_state"][()], np.zeros(32, np.float32))

    def test_grad_equals_autograd(self):
        """rnnloss grad on a checkpoint recorded by the nn4n command against
        PyTorch autograd through nn4n's own model and loss, in float64."""
        import torch
        from nn4n.model import CTRNN
        sys.path.insert(0, os.path.join(ARGS.source, "tools"))
        import make_gradient_reference as ref

        torch.manual_seed(5)
        kwargs = dict(dims=[3, 16, 2], dt=10, tau=50, activation="tanh", biases="normal",
                      suppress_warnings=True)
        model = CTRNN(**kwargs)
        inputs = torch.randn(4, 25, 3)
        targets = torch.rand(4, 25, 2)
        ck = os.path.join(self.dir, "ck.pth")
        model.save(ck)
        np.save(os.path.join(self.dir, "x.npy"), inputs.numpy())
        np.save(os.path.join(self.dir, "y.npy"), targets.numpy())
        out = os.path.join(self.dir, "ck.h5")
        p = subprocess.run([sys.executable, os.path.join(ARGS.source, "tools", "rnnloss_record.py"),
                            "nn4n", ck, "--inputs", os.path.join(self.dir, "x.npy"),
                            "--targets", os.path.join(self.dir, "y.npy"), "-o", out],
                           env=self.env(), capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)

        # nn4n's model in float64 on the recorded (float32) values.
        ref.float64_layers()
        m64 = CTRNN(**kwargs).double()
        m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
        m64.eval()
        rec = m64.recurrent_layer
        rec.alpha = torch.full((16,), 10 / 50, dtype=torch.float64)
        params = [rec.input_layer.weight, rec.input_layer.bias, rec.hidden_layer.weight,
                  rec.hidden_layer.bias, m64.readout_layer.weight, m64.readout_layer.bias]
        for q in params:
            q.requires_grad_(True)
        pred, states = ref.forward(m64, inputs.double(), None)
        for conv in ("nn4n", "spec"):
            j = json.loads(rnnloss("grad", out, "--json", "--convention", conv).stdout)
            self.assertLess(j["replay_error"], 1e-5)  # nn4n's float32 forward, replayed in double
            values = ref.terms(m64, pred, targets.double(), states, None, conv)
            for term, value in values.items():
                grads = ref.gradients(value, params)
                for name in ref.PARAMS:
                    want = float(grads[name].norm())
                    got = j["terms"][term]["grad_norm"][name]
                    self.assertLessEqual(abs(got - want), 1e-9 * want + 1e-14,
                                         f"{conv} L_{term} d/d{name}: {got} vs autograd {want}")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--rnnloss", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--nn4n", action="store_true")
    ARGS, rest = p.parse_known_args()
    ARGS.source = os.path.abspath(ARGS.source)
    ARGS.rnnloss = os.path.abspath(ARGS.rnnloss)
    if ARGS.nn4n:
        ok, why = nn4n_available()
        if not ok:
            print(f"SKIPPED: the nn4n recorder tests need nn4n and torch: {why}")
            return SKIP
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(Nn4n)
    else:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(Recorder)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
