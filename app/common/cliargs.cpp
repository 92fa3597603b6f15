#include "cliargs.h"

#include "readerprocess.h"
#include "slice.h"

#include <sys/stat.h>

namespace rnnloss {

std::string parseLambda(const std::string& arg, LossOptions& opts)
{
    const auto eq = arg.find('=');
    if (eq == std::string::npos)
        return "--lambda " + arg + ": expected KEY=VALUE, e.g. lambda_fr=1e-3";
    const std::string key = arg.substr(0, eq);
    const auto term = termFromKey(key);
    if (!term)
        return "--lambda " + arg + ": unknown key '" + key +
               "' (one of lambda_mse, lambda_in, lambda_hid, lambda_out, lambda_fr, "
               "lambda_fr_sd, lambda_fr_cv)";
    const LambdaParse value = parseLambdaValue(arg.substr(eq + 1));
    if (!value.value)
        return "--lambda " + arg + ": '" + arg.substr(eq + 1) + "' " + value.error;
    opts.lambdas[index(*term)] = *value.value;
    return {};
}

std::string parseSliceOption(const std::string& option, const std::string& spec,
                             SliceOptions& opts)
{
    if (option == "--trial-label" || option == "--neuron-group") {
        std::optional<std::string>& label =
            option == "--trial-label" ? opts.trialLabel : opts.neuronGroup;
        if (label)
            return option + " is given twice (" + *label + ", " + spec + ")";
        label = spec;
        return {};
    }
    std::string* target = option == "--trials"  ? &opts.trials
                          : option == "--steps" ? &opts.steps
                          : option == "--neurons" ? &opts.neurons
                                                  : nullptr;
    if (!target)
        return "unknown slice option " + option;
    if (!target->empty())
        return option + " is given twice (" + *target + ", " + spec +
               "); give one spec, comma-separated";
    const IndexSpec parsed = parseIndexSpec(spec);
    if (!parsed.error.empty())
        return option + (spec.empty() ? "" : " " + spec) + ": " + parsed.error;
    *target = spec;
    return {};
}

std::optional<Slice> resolveSlice(const SliceOptions& opts, const Shape& whole,
                                  std::string& error)
{
    if (!opts.any())
        return std::nullopt;
    if (whole.batch == 0 || whole.time == 0) {
        error = "--trials, --steps and --neurons select from outputs, targets and states, "
                "which the recording does not hold";
        return std::nullopt;
    }
    Slice slice = wholeSlice(whole);
    const struct
    {
        const char* option;
        const std::string* spec;
        std::int64_t size;
        const char* unit;
        std::vector<std::int64_t>* out;
    } axes[] = {{"--trials", &opts.trials, whole.batch, "trial", &slice.trials},
                {"--steps", &opts.steps, whole.time, "step", &slice.steps},
                {"--neurons", &opts.neurons, whole.nHid, "neuron", &slice.neurons}};
    for (const auto& a : axes) {
        if (a.spec->empty())
            continue;
        ResolvedIndices r = resolveIndices(parseIndexSpec(*a.spec), a.size, a.unit);
        if (!r.error.empty()) {
            error = std::string(a.option) + " " + *a.spec + ": " + r.error;
            return std::nullopt;
        }
        *a.out = std::move(r.indices);
    }
    return slice;
}

std::optional<Slice> resolveSlice(const SliceOptions& opts, const Summary& s, std::string& error)
{
    SliceOptions specs = opts;
    specs.trialLabel.reset();
    specs.neuronGroup.reset();
    // A label alone still selects: start from every trial / neuron.
    if (!specs.any() && (opts.trialLabel || opts.neuronGroup))
        specs.trials = ":";
    const Shape& whole = s.recordingShape();
    std::optional<Slice> slice = resolveSlice(specs, whole, error);
    if (!slice || !error.empty())
        return slice;
    const struct
    {
        const char* option;
        const std::optional<std::string>* label;
        const std::vector<std::string>* labels;
        const char* dataset;
        const char* unit;
        const std::string* spec;
        std::vector<std::int64_t>* indices;
    } filters[] = {{"--trial-label", &opts.trialLabel, &s.trialLabels, "trial_labels", "trial",
                    &opts.trials, &slice->trials},
                   {"--neuron-group", &opts.neuronGroup, &s.neuronGroups, "neuron_groups",
                    "neuron", &opts.neurons, &slice->neurons}};
    for (const auto& f : filters) {
        if (!*f.label)
            continue;
        if (f.labels->empty()) {
            error = std::string(f.option) + " " + **f.label + ": the recording has no " +
                    f.dataset;
            return std::nullopt;
        }
        std::erase_if(*f.indices, [&](std::int64_t i) {
            return i < 0 || std::size_t(i) >= f.labels->size() || (*f.labels)[std::size_t(i)] != **f.label;
        });
        if (f.indices->empty()) {
            error = std::string(f.option) + " " + **f.label + ": no " + f.unit + " " +
                    (f.spec->empty() ? "" : "of " + *f.spec + " ") + "has it (see " + f.dataset +
                    ")";
            return std::nullopt;
        }
    }
    return slice;
}

std::string bundledExample()
{
    struct stat st{};
    const std::string exe = currentExecutable();
    const auto slash = exe.rfind('/');
    if (slash != std::string::npos) {
        for (const char* rel : {"/example.h5", "/../share/rnnloss-explorer/example.h5"}) {
            const std::string p = exe.substr(0, slash) + rel;
            if (::stat(p.c_str(), &st) == 0)
                return p;
        }
    }
#ifdef RNNLOSS_SOURCE_EXAMPLE
    if (::stat(RNNLOSS_SOURCE_EXAMPLE, &st) == 0)
        return RNNLOSS_SOURCE_EXAMPLE;
#endif
    return "example.h5";
}

} // namespace rnnloss
