#pragma once
// Slices of a recording (some trials, a time window, some hidden units): the
// index specs the CLI takes ("0:16,20", "50:", ":8"), and the reduction of
// exactly that slice of raw data into a Summary, which every function that
// takes a Summary (terms, neuron statistics, histograms, PSTH) then treats as
// the recording. The data come as whole trials of the recording, in any
// trial order; the slice picks its steps and neurons out of them.

#include "reducer.h"
#include "summary.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rnnloss {

/// One item of an index spec: a single index, or a half-open range whose
/// missing ends mean the start / the end of the axis.
struct IndexItem
{
    std::int64_t first = 0;
    std::optional<std::int64_t> end; ///< exclusive; empty for "a:" (to the end)
    bool range = false;              ///< "a:b", "a:", ":b" or ":"
};

struct IndexSpec
{
    std::vector<IndexItem> items;
    std::string error; ///< set when the text does not parse
};

/// Parses comma-separated 0-based indices and half-open ranges `a:b`, `a:`,
/// `:b`. Syntax only: the ranges are checked against an axis by resolveIndices.
IndexSpec parseIndexSpec(std::string_view text);

struct ResolvedIndices
{
    std::vector<std::int64_t> indices; ///< strictly increasing
    std::string error;                 ///< set when the spec does not fit the axis
};

/// The indices `spec` selects on an axis of `size` entries named `unit`
/// ("trial", "step", "neuron"): sorted ascending. Refused: an index or range
/// end past the axis, an empty range, an index selected twice, nothing at all.
ResolvedIndices resolveIndices(const IndexSpec& spec, std::int64_t size, std::string_view unit);

/// "0:16,20": the shortest spec of strictly increasing indices.
std::string indexSpecText(const std::vector<std::int64_t>& indices);

/// Empty when `slice` is a valid slice of `slice.whole`: every index list
/// strictly increasing, in range, and non-empty unless its axis is; else what
/// is wrong.
std::string checkSlice(const Slice& slice);

/// The whole recording as a slice (every trial, step and neuron).
Slice wholeSlice(const Shape& shape);

/// What a user picks in the app's selection bar: an index spec per axis
/// (empty: the whole axis), narrowed to the trials with one `trial_labels`
/// value and the neurons of one `neuron_groups` value when those are set.
struct SliceChoice
{
    std::string trials, steps, neurons;
    std::optional<std::string> trialLabel, neuronGroup;
    bool operator==(const SliceChoice&) const = default;
    bool whole() const { return *this == SliceChoice{}; }
};

struct ChoiceOutcome
{
    std::optional<Slice> slice; ///< empty: the whole recording (or an error)
    std::string error;          ///< what is wrong, naming the field; empty when fine
    std::string field;          ///< "trials", "steps" or "neurons" when error is set
};

/// The slice `choice` names in a recording of shape `whole` with these
/// labels (empty when the recording has none). A choice of everything gives
/// no slice; a choice that selects nothing, or a label the recording lacks, an error.
ChoiceOutcome resolveChoice(const Shape& whole, const std::vector<std::string>& trialLabels,
                            const std::vector<std::string>& neuronGroups, const SliceChoice& choice);

/// The distinct values of a label list, in order of first appearance.
std::vector<std::string> distinctLabels(const std::vector<std::string>& labels);

/// Reduces one slice of a recording, fed whole trials of raw data.
class SliceReducer
{
public:
    /// `slice` must pass checkSlice (std::invalid_argument otherwise).
    /// `states`, `errors`: whether states / outputs and targets will be fed.
    SliceReducer(Slice slice, bool states, bool errors, ReduceConfig config = {});

    /// Whether trial `b` of the recording is in the slice (others may be skipped).
    bool wants(std::int64_t b) const;

    /// `count` consecutive whole trials (T x N_hid each) from trial `first`.
    /// Trials may come in any order, each exactly once if it is in the slice.
    void addStates(const float* data, std::int64_t first, std::int64_t count);
    void addStates(const double* data, std::int64_t first, std::int64_t count);
    /// The same for outputs and targets (T x N_out each).
    void addErrors(const float* o, const float* y, std::int64_t first, std::int64_t count);
    void addErrors(const double* o, const double* y, std::int64_t first, std::int64_t count);

    /// Adds a reducer of the same slice's steps and neurons whose trials are
    /// this one's from slice position `firstLocal` on (threads that each own a
    /// run of the slice's trials; see StatesReducer::merge).
    void merge(SliceReducer&& part, std::int64_t firstLocal);

    /// Fills `out`'s shape, slice, states and squared-error parts, and the
    /// dimensions and non-finite counts of outputs, targets and states (which
    /// must already be marked present or not).
    void finish(Summary& out);

private:
    template <class Real> void states(const Real* data, std::int64_t first, std::int64_t count);
    template <class Real>
    void errors(const Real* o, const Real* y, std::int64_t first, std::int64_t count);
    template <class Real>
    const Real* window(const Real* trial, std::int64_t width, bool allColumns,
                       const std::vector<std::int64_t>& columns, std::vector<Real>& buf) const;

    Slice m_slice;
    std::vector<std::int64_t> m_local; ///< recording trial -> slice trial, or -1
    bool m_stepRun = false;            ///< the steps are one contiguous run
    bool m_allNeurons = false;
    std::optional<StatesReducer> m_states;
    std::optional<ErrorReducer> m_errors;
    std::int64_t m_outputsNonFinite = 0, m_targetsNonFinite = 0;
    std::vector<float> m_bufF, m_bufF2, m_bufF3;
    std::vector<double> m_bufD, m_bufD2, m_bufD3;
};

/// Summarises the slice of an in-memory recording (tests, benchmark, tools):
/// what readRecording gives for that slice of the file.
Summary summarizeSlice(const Recording& rec, const Slice& slice, ReduceConfig config = {});

} // namespace rnnloss
