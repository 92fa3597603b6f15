#pragma once
// The stats pass (issue 19): what the population measures and the task
// performance need from a recording's raw data that its Summary does not
// hold — per-neuron counts of saturated samples, the participation ratio of
// the rates' covariance, each trial's choice in the response window — in one
// streaming pass over the states and the outputs with targets. The
// covariance costs about N^2 / 2 multiply-adds per sample (N = 512, B = 128,
// T = 500: about 1.3 s of CPU), so the reader process runs the pass on
// demand (`rnnloss-reader --stats`), never during a load; popreport.h puts
// its result together with the Summary of the same slice.

#include "network.h"
#include "popstats.h"
#include "reducer.h"
#include "summary.h"
#include "taskperf.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

struct StatsPassConfig
{
    /// The response window, in the recording's steps. A --steps selection does
    /// not restrict it: the steps choose the samples of the population
    /// measures, while a choice belongs to the trial whatever steps are looked
    /// at. Empty: the default, found from the targets of every trial of the
    /// recording, so that selecting trials does not move it.
    std::optional<StepWindow> responseWindow;
    /// Threads for the covariance and the saturation counts, each owning every
    /// threads-th trial of the slice; merged in order, so the bits depend on
    /// the count only.
    int threads = 1;
    /// Memory the covariance accumulators may take in all (each 2 N^2
    /// doubles): fewer threads share them when it is short, and without room
    /// for one the participation ratio is undefined, saying so.
    std::uint64_t covarianceBytes = std::uint64_t(1) << 30;
};

/// What the pass gathered over a slice of a recording (the whole recording
/// when not sliced).
struct PassStats
{
    /// The slice's trials, steps and neurons (the Summary of the same slice
    /// has as many), and the recording's steps: the response window's axis.
    std::int64_t trials = 0, steps = 0, neurons = 0, recordingSteps = 0;
    /// The recording's `activation` attribute; empty when it has none or it
    /// names no activation of nn4n's, and then `activationNote` says which.
    std::optional<Activation> activation;
    std::string activationNote;
    /// Saturated samples per neuron of the slice; empty without states or
    /// without a known activation.
    std::optional<SaturationCounter> saturation;
    /// Of the rates' covariance across the slice's (trial, step) samples.
    Measure participationRatio;
    std::int64_t covarianceSamples = 0; ///< samples taken in (rows with finite rates)
    /// Each trial's choice and correct unit, one per trial of the slice; empty,
    /// with `choicesError`, when there are none (no outputs and targets, one
    /// output unit, every target zero and no window given).
    std::optional<TrialChoices> choices;
    std::string choicesError;
    /// The recording's `trial_values` of the slice's trials; empty when it has none.
    std::vector<double> trialValues;
};

/// What the pass knows of the recording before it reads any value.
struct PassInput
{
    bool states = false;   ///< states will be fed
    std::int64_t nOut = 0; ///< units of outputs and targets; 0 when they will not be fed
    std::optional<Activation> activation;
    std::string activationNote;      ///< why the activation is unknown
    std::vector<double> trialValues; ///< one per trial of the recording, or empty
};

/// The pass, fed whole trials of the recording.
class StatsPass
{
public:
    /// `slice` must pass checkSlice (std::invalid_argument otherwise).
    StatsPass(Slice slice, PassInput input, StatsPassConfig config = {});
    ~StatsPass();
    StatsPass(StatsPass&&) noexcept;
    StatsPass& operator=(StatsPass&&) noexcept;

    /// True while the default response window is still to be found: every
    /// trial of the recording's targets then goes to addTargets first.
    bool needsTargets() const;
    /// `trials` whole trials of targets (T x N_out each), any of the recording.
    void addTargets(const float* targets, std::int64_t trials);
    void addTargets(const double* targets, std::int64_t trials);

    /// `count` whole trials of the recording's states (T x N_hid each) from
    /// trial `first`; trials outside the slice are skipped. Each trial of the
    /// slice once, in any order.
    void addStates(const float* data, std::int64_t first, std::int64_t count);
    void addStates(const double* data, std::int64_t first, std::int64_t count);
    /// The same for outputs and targets (T x N_out each), after every addTargets.
    void addChoices(const float* outputs, const float* targets, std::int64_t first,
                    std::int64_t count);
    void addChoices(const double* outputs, const double* targets, std::int64_t first,
                    std::int64_t count);

    PassStats finish();

private:
    struct Impl;
    template <class Real> void states(const Real* data, std::int64_t first, std::int64_t count);
    template <class Real>
    void choices(const Real* outputs, const Real* targets, std::int64_t first, std::int64_t count);
    void startChoices();
    std::unique_ptr<Impl> m_impl;
};

/// The pass over an in-memory recording (tests, tools): what `rnnloss-reader
/// --stats` sends for that slice of the same data in a file.
/// `input.states` and `input.nOut` are taken from `rec`.
PassStats statsOf(const Recording& rec, const Slice& slice, PassInput input,
                  StatsPassConfig config = {});

} // namespace rnnloss
