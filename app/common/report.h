#pragma once
// Text renderings of a loss evaluation: the CLI's table and JSON, and the CSV
// and JSON the app exports. Plain C++ so the CLI and the app share them.

#include "loss.h"
#include "neuronstats.h"
#include "summary.h"

#include <string>
#include <vector>

namespace rnnloss {

/// A double with 17 significant digits, or `null` when empty or not finite.
std::string jsonNumber(std::optional<double> v);
std::string jsonString(const std::string& s);
/// The shortest text that reads back as the same double; empty when not finite.
std::string csvNumber(double v);

/// The CLI's `--json` object (see `rnnloss --help`).
std::string lossJson(const Summary& s, const LossResult& r, const NeuronStats& stats);

/// {"trials": {"spec": "0:16,20", "count": 17}, "steps": ..., "neurons": ...}:
/// the `selection` of a JSON report on a slice.
std::string selectionJson(const Slice& slice);

/// A readable table of the terms and the total.
std::string lossTable(const Summary& s, const LossResult& r, const std::string& title);

/// CSV of the breakdown: term,lambda,value,weighted,share.
std::string breakdownCsv(const LossResult& r);
/// CSV of per-neuron statistics, one row per neuron.
/// One row per neuron: its number in the recording (`ids`, for a slice's rows;
/// empty: the row number) and, when `groups` (the recording's neuron_groups)
/// is given, its group.
std::string neuronCsv(const NeuronStats& stats, const std::vector<std::int64_t>& ids = {},
                      const std::vector<std::string>& groups = {});
/// JSON of the lambda settings: {"convention": .., "lambda_mse": .., ...}.
std::string lambdasJson(const TermArray& lambdas, Convention c);
/// `RNNLoss(model, lambda_mse=1, ...)` for a nn4n training script: lambda_mse
/// always (nn4n's default is 1, so 0 must be said), the others when non-zero
/// (nn4n's default is 0). Under Convention::Spec with a firing-rate lambda set,
/// a trailing Python comment warns that nn4n computes those terms differently.
std::string nn4nCall(const TermArray& lambdas, Convention c = kDefaultConvention);

} // namespace rnnloss
