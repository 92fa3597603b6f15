#pragma once
// Per-neuron firing statistics and histograms, all from a Summary.

#include "summary.h"

namespace rnnloss {

/// One entry per neuron; NaN where a value is undefined (no finite samples,
/// SD/mean with mean 0).
struct NeuronStats
{
    std::vector<double> mean;           ///< mean rate over samples (b, t)
    std::vector<double> sd;             ///< population SD over samples
    std::vector<double> cv;             ///< sd / mean
    std::vector<double> min, max;       ///< over all finite samples
    std::vector<double> fractionActive; ///< share of samples with r > activeThreshold
    std::vector<double> frContribution; ///< this neuron's share of L_fr; they sum to L_fr
    std::size_t size() const { return mean.size(); }
};

/// `trials` selects trials (empty = all) for mean/sd/cv/contribution; min, max
/// and fraction active always cover all trials (they are gathered while reading),
/// and are NaN when the summary does not know them (summary.h: neuronMin).
NeuronStats computeNeuronStats(const Summary& s, Convention c,
                               const std::vector<bool>& trials = {});

struct Histogram
{
    double lo = 0.0;
    double width = 1.0;
    std::vector<double> counts;
    double hi() const { return lo + width * static_cast<double>(counts.size()); }
    /// Bin of `x`, or -1 outside [lo, hi]; hi itself falls in the last bin.
    int binOf(double x) const;
};

/// Histogram of finite `values` with `bins` equal bins over [min, max].
Histogram histogramOf(const std::vector<double>& values, int bins);

/// The histogram of neuron `n`'s rates gathered while reading, trimmed to its
/// occupied bins. Empty counts when the neuron has no finite sample.
Histogram neuronRateHistogram(const Summary& s, std::int64_t n);

/// Peri-stimulus time histogram of neuron `n`: mean and SD (population) across
/// trials at each time step.
struct Psth
{
    std::vector<double> mean, sd;
};
Psth psth(const Summary& s, std::int64_t n);

/// Mean and SD of the per-neuron mean rates as the convention defines them for
/// L_fr_sd, with the CV: what the firing-rate view marks and reads out.
struct RateSpread
{
    double mean = 0.0;
    std::optional<double> sd;
    std::optional<double> cv;
};
RateSpread rateSpread(const Summary& s, Convention c);

} // namespace rnnloss
