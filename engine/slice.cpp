#include "slice.h"

#include <algorithm>
#include <unordered_set>
#include <stdexcept>

namespace rnnloss {

namespace {

// Indices are at most 2^40 (the decoder's bound on any dimension); 13 digits
// cannot overflow while parsing.
constexpr std::size_t kMaxDigits = 13;

bool parseNumber(std::string_view s, std::int64_t& out)
{
    if (s.empty() || s.size() > kMaxDigits)
        return false;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

std::string plural(std::int64_t n, std::string_view unit)
{
    return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

} // namespace

IndexSpec parseIndexSpec(std::string_view text)
{
    IndexSpec spec;
    if (text.empty()) {
        spec.error = "empty; expected indices and ranges such as 0:16,20";
        return spec;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string_view item = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        IndexItem it;
        const std::size_t colon = item.find(':');
        bool ok = !item.empty();
        if (ok && colon == std::string_view::npos) {
            ok = parseNumber(item, it.first);
            it.end = it.first + 1;
        } else if (ok) {
            it.range = true;
            const std::string_view a = item.substr(0, colon), b = item.substr(colon + 1);
            std::int64_t e = 0;
            ok = (a.empty() || parseNumber(a, it.first)) && (b.empty() || parseNumber(b, e));
            if (!b.empty())
                it.end = e;
        }
        if (!ok) {
            spec.error = "'" + std::string(item) +
                         "' is not an index or a range a:b, a: or :b (0-based, comma-separated)";
            spec.items.clear();
            return spec;
        }
        spec.items.push_back(it);
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return spec;
}

ResolvedIndices resolveIndices(const IndexSpec& spec, std::int64_t size, std::string_view unit)
{
    ResolvedIndices out;
    if (!spec.error.empty()) {
        out.error = spec.error;
        return out;
    }
    const std::string has = "the recording has " + plural(size, unit);
    std::vector<std::uint8_t> taken(static_cast<std::size_t>(std::max<std::int64_t>(0, size)), 0);
    for (const IndexItem& it : spec.items) {
        const std::int64_t end = it.end.value_or(size);
        const std::string text = it.range ? std::to_string(it.first) + ":" +
                                                (it.end ? std::to_string(*it.end) : std::string())
                                          : std::to_string(it.first);
        if (!it.range && it.first >= size) {
            out.error = std::string(unit) + " " + text + " is out of range (" + has + ", 0 to " +
                        std::to_string(size - 1) + ")";
            return out;
        }
        if (it.range && (end > size || it.first > size)) {
            out.error = "range " + text + " ends past the last " + std::string(unit) + " (" + has +
                        "; a range a:b stops before b)";
            return out;
        }
        if (end <= it.first) {
            out.error = "range " + text + " selects no " + std::string(unit);
            return out;
        }
        for (std::int64_t i = it.first; i < end; ++i) {
            if (taken[i]) {
                out.error = std::string(unit) + " " + std::to_string(i) + " is selected twice";
                return out;
            }
            taken[i] = 1;
        }
    }
    for (std::int64_t i = 0; i < size; ++i)
        if (taken[i])
            out.indices.push_back(i);
    if (out.indices.empty())
        out.error = "selects no " + std::string(unit);
    return out;
}

std::string indexSpecText(const std::vector<std::int64_t>& idx)
{
    std::string s;
    for (std::size_t i = 0; i < idx.size();) {
        std::size_t j = i + 1;
        while (j < idx.size() && idx[j] == idx[j - 1] + 1)
            ++j;
        s += (s.empty() ? "" : ",") + std::to_string(idx[i]);
        if (j - i > 1)
            s += ":" + std::to_string(idx[j - 1] + 1);
        i = j;
    }
    return s;
}

std::string checkSlice(const Slice& slice)
{
    const Shape& w = slice.whole;
    const std::pair<const std::vector<std::int64_t>*, std::int64_t> axes[] = {
        {&slice.trials, w.batch}, {&slice.steps, w.time}, {&slice.neurons, w.nHid}};
    const char* names[] = {"trials", "steps", "neurons"};
    for (int a = 0; a < 3; ++a) {
        const auto& v = *axes[a].first;
        if (v.empty() && axes[a].second > 0)
            return std::string("the slice selects no ") + names[a];
        if (v.size() > static_cast<std::uint64_t>(std::max<std::int64_t>(0, axes[a].second)))
            return std::string("the slice selects more ") + names[a] + " than the recording has";
        for (std::size_t i = 0; i < v.size(); ++i)
            if (v[i] < 0 || v[i] >= axes[a].second || (i && v[i] <= v[i - 1]))
                return std::string("the slice's ") + names[a] +
                       " are not increasing indices within the recording";
    }
    return {};
}

Slice wholeSlice(const Shape& shape)
{
    Slice s;
    s.whole = shape;
    for (auto [v, n] : {std::pair{&s.trials, shape.batch}, std::pair{&s.steps, shape.time},
                        std::pair{&s.neurons, shape.nHid}})
        for (std::int64_t i = 0; i < n; ++i)
            v->push_back(i);
    return s;
}

ChoiceOutcome resolveChoice(const Shape& whole, const std::vector<std::string>& trialLabels,
                            const std::vector<std::string>& neuronGroups, const SliceChoice& choice)
{
    ChoiceOutcome out;
    if (choice.whole())
        return out;
    Slice s;
    s.whole = whole;
    struct Axis
    {
        const char* field;
        const char* unit;
        const std::string& spec;
        std::int64_t size;
        std::vector<std::int64_t>& indices;
        const std::optional<std::string>& label;
        const std::vector<std::string>& labels;
        const char* labelName;
        const char* dataset;
    };
    const std::optional<std::string> none;
    static const std::vector<std::string> noLabels;
    Axis axes[] = {
        {"trials", "trial", choice.trials, whole.batch, s.trials, choice.trialLabel, trialLabels,
         "label", "trial_labels"},
        {"steps", "step", choice.steps, whole.time, s.steps, none, noLabels, "", ""},
        {"neurons", "neuron", choice.neurons, whole.nHid, s.neurons, choice.neuronGroup,
         neuronGroups, "group", "neuron_groups"}};
    for (Axis& a : axes) {
        auto fail = [&](std::string what) {
            out = {};
            out.field = a.field;
            out.error = std::string(a.field) + ": " + what;
            return out;
        };
        std::string spec = a.spec;
        spec.erase(std::remove(spec.begin(), spec.end(), ' '), spec.end());
        if (spec.empty())
            spec = ":";
        const IndexSpec parsed = parseIndexSpec(spec);
        if (!parsed.error.empty())
            return fail(parsed.error);
        ResolvedIndices r = resolveIndices(parsed, a.size, a.unit);
        if (!r.error.empty())
            return fail(r.error);
        if (a.label) {
            if (static_cast<std::int64_t>(a.labels.size()) != a.size)
                return fail(std::string("the recording has no ") + a.dataset);
            std::erase_if(r.indices, [&](std::int64_t i) {
                return a.labels[static_cast<std::size_t>(i)] != *a.label;
            });
            if (r.indices.empty())
                return fail(std::string("no ") + a.unit + " " +
                            (a.spec.empty() ? "" : "of " + a.spec + " ") + "has " + a.labelName +
                            " '" + *a.label + "'");
        }
        a.indices = std::move(r.indices);
    }
    if (s != wholeSlice(whole))
        out.slice = std::move(s);
    return out;
}

std::vector<std::string> distinctLabels(const std::vector<std::string>& labels)
{
    std::vector<std::string> out;
    std::unordered_set<std::string_view> seen;
    for (const std::string& l : labels)
        if (seen.insert(l).second)
            out.push_back(l);
    return out;
}

SliceReducer::SliceReducer(Slice slice, bool states, bool errors, ReduceConfig config)
    : m_slice(std::move(slice))
{
    const std::string bad = checkSlice(m_slice);
    if (!bad.empty())
        throw std::invalid_argument(bad);
    const Shape& w = m_slice.whole;
    m_local.assign(static_cast<std::size_t>(w.batch), -1);
    for (std::size_t i = 0; i < m_slice.trials.size(); ++i)
        m_local[m_slice.trials[i]] = static_cast<std::int64_t>(i);
    m_stepRun = !m_slice.steps.empty() && m_slice.steps.back() - m_slice.steps.front() + 1 ==
                                              static_cast<std::int64_t>(m_slice.steps.size());
    m_allNeurons = static_cast<std::int64_t>(m_slice.neurons.size()) == w.nHid;
    const auto B = static_cast<std::int64_t>(m_slice.trials.size());
    const auto T = static_cast<std::int64_t>(m_slice.steps.size());
    if (states)
        m_states.emplace(B, T, static_cast<std::int64_t>(m_slice.neurons.size()), config);
    if (errors)
        m_errors.emplace(B, T, w.nOut);
}

bool SliceReducer::wants(std::int64_t b) const
{
    return b >= 0 && b < static_cast<std::int64_t>(m_local.size()) && m_local[b] >= 0;
}

// The slice's steps x columns of one trial (T x width): a pointer into the
// trial itself when they are contiguous there, else gathered into `buf`.
template <class Real>
const Real* SliceReducer::window(const Real* trial, std::int64_t width, bool allColumns,
                                 const std::vector<std::int64_t>& columns,
                                 std::vector<Real>& buf) const
{
    if (m_stepRun && allColumns)
        return trial + m_slice.steps.front() * width;
    const std::size_t cols = allColumns ? static_cast<std::size_t>(width) : columns.size();
    buf.resize(m_slice.steps.size() * cols);
    Real* dst = buf.data();
    for (std::int64_t t : m_slice.steps) {
        const Real* row = trial + t * width;
        if (allColumns) {
            std::copy(row, row + width, dst);
        } else {
            for (std::size_t k = 0; k < cols; ++k)
                dst[k] = row[columns[k]];
        }
        dst += cols;
    }
    return buf.data();
}

template <class Real>
void SliceReducer::states(const Real* data, std::int64_t first, std::int64_t count)
{
    if (!m_states)
        throw std::logic_error("SliceReducer: states were not announced");
    const Shape& w = m_slice.whole;
    if (first < 0 || count < 0 || first + count > w.batch)
        throw std::out_of_range("SliceReducer: trials out of range");
    std::vector<Real>& buf = [this]() -> std::vector<Real>& {
        if constexpr (sizeof(Real) == 4)
            return m_bufF;
        else
            return m_bufD;
    }();
    const std::int64_t perTrial = w.time * w.nHid;
    for (std::int64_t b = first; b < first + count; ++b) {
        if (m_local[b] < 0)
            continue;
        const Real* win =
            window(data + (b - first) * perTrial, w.nHid, m_allNeurons, m_slice.neurons, buf);
        m_states->addTrials(win, m_local[b], 1);
    }
}

template <class Real>
void SliceReducer::errors(const Real* o, const Real* y, std::int64_t first, std::int64_t count)
{
    if (!m_errors)
        throw std::logic_error("SliceReducer: outputs and targets were not announced");
    const Shape& w = m_slice.whole;
    if (first < 0 || count < 0 || first + count > w.batch)
        throw std::out_of_range("SliceReducer: trials out of range");
    auto buffers = [this]() -> std::pair<std::vector<Real>*, std::vector<Real>*> {
        if constexpr (sizeof(Real) == 4)
            return {&m_bufF2, &m_bufF3};
        else
            return {&m_bufD2, &m_bufD3};
    }();
    const std::int64_t perTrial = w.time * w.nOut;
    const std::int64_t n = static_cast<std::int64_t>(m_slice.steps.size()) * w.nOut;
    for (std::int64_t b = first; b < first + count; ++b) {
        if (m_local[b] < 0)
            continue;
        const std::int64_t off = (b - first) * perTrial;
        const Real* wo = window(o + off, w.nOut, true, {}, *buffers.first);
        const Real* wy = window(y + off, w.nOut, true, {}, *buffers.second);
        m_outputsNonFinite += countNonFinite(wo, n);
        m_targetsNonFinite += countNonFinite(wy, n);
        m_errors->addTrials(wo, wy, m_local[b], 1);
    }
}

void SliceReducer::addStates(const float* d, std::int64_t first, std::int64_t count)
{
    states(d, first, count);
}
void SliceReducer::addStates(const double* d, std::int64_t first, std::int64_t count)
{
    states(d, first, count);
}
void SliceReducer::addErrors(const float* o, const float* y, std::int64_t first, std::int64_t count)
{
    errors(o, y, first, count);
}
void SliceReducer::addErrors(const double* o, const double* y, std::int64_t first,
                             std::int64_t count)
{
    errors(o, y, first, count);
}

void SliceReducer::merge(SliceReducer&& part, std::int64_t firstLocal)
{
    const auto n = static_cast<std::int64_t>(part.m_slice.trials.size());
    if (part.m_slice.steps != m_slice.steps || part.m_slice.neurons != m_slice.neurons ||
        firstLocal < 0 || firstLocal + n > static_cast<std::int64_t>(m_slice.trials.size()) ||
        !std::equal(part.m_slice.trials.begin(), part.m_slice.trials.end(),
                    m_slice.trials.begin() + firstLocal) ||
        part.m_states.has_value() != m_states.has_value() ||
        part.m_errors.has_value() != m_errors.has_value())
        throw std::invalid_argument("SliceReducer::merge: the parts do not fit");
    if (m_states)
        m_states->merge(std::move(*part.m_states), firstLocal);
    if (m_errors)
        m_errors->merge(std::move(*part.m_errors), firstLocal);
    m_outputsNonFinite += part.m_outputsNonFinite;
    m_targetsNonFinite += part.m_targetsNonFinite;
}

void SliceReducer::finish(Summary& out)
{
    const Shape& w = m_slice.whole;
    Shape sh = w;
    sh.batch = static_cast<std::int64_t>(m_slice.trials.size());
    sh.time = static_cast<std::int64_t>(m_slice.steps.size());
    sh.nHid = static_cast<std::int64_t>(m_slice.neurons.size());
    out.shape = sh;
    if (out.has(Dataset::Outputs))
        out.info(Dataset::Outputs).dims = {sh.batch, sh.time, sh.nOut};
    if (out.has(Dataset::Targets))
        out.info(Dataset::Targets).dims = {sh.batch, sh.time, sh.nOut};
    if (out.has(Dataset::States))
        out.info(Dataset::States).dims = {sh.batch, sh.time, sh.nHid};
    if (m_states) {
        m_states->finish(out);
        std::int64_t bad = 0;
        for (auto v : out.neuronNonFinite)
            bad += v;
        out.info(Dataset::States).nonFinite = bad;
    }
    if (m_errors) {
        m_errors->finish(out);
        out.info(Dataset::Outputs).nonFinite = m_outputsNonFinite;
        out.info(Dataset::Targets).nonFinite = m_targetsNonFinite;
    }
    out.slice = m_slice;
}

Summary summarizeSlice(const Recording& rec, const Slice& slice, ReduceConfig config)
{
    // Everything the slice does not touch (weights, inputs, lambdas) as for the
    // whole recording; then the sliced datasets.
    Recording rest;
    rest.shape = rec.shape;
    rest.inputs = rec.inputs;
    rest.wIn = rec.wIn;
    rest.wHid = rec.wHid;
    rest.wOut = rec.wOut;
    rest.trainingLambdas = rec.trainingLambdas;
    Summary s = summarize(rest);
    const bool states = !rec.states.empty();
    const bool errors = !rec.outputs.empty() && !rec.targets.empty();
    for (auto [d, v] :
         {std::pair{Dataset::Outputs, &rec.outputs}, std::pair{Dataset::Targets, &rec.targets},
          std::pair{Dataset::States, &rec.states}}) {
        DatasetInfo& info = s.info(d);
        info.present = !v->empty();
        info.file = "(memory)";
        info.path = std::string(datasetName(d));
    }
    if (s.has(Dataset::Outputs) != errors || s.has(Dataset::Targets) != errors) {
        // Only one of outputs and targets: its non-finite count, unsliced (as summarize()).
        for (auto [d, v] :
             {std::pair{Dataset::Outputs, &rec.outputs}, std::pair{Dataset::Targets, &rec.targets}})
            if (!v->empty())
                s.info(d).nonFinite =
                    countNonFinite(v->data(), static_cast<std::int64_t>(v->size()));
    }
    if (slice.whole != rec.shape)
        throw std::invalid_argument("summarizeSlice: the slice is of another shape");
    SliceReducer r(slice, states, errors, config);
    const Shape& sh = rec.shape;
    for (std::int64_t b : slice.trials) {
        if (states)
            r.addStates(rec.states.data() + b * sh.time * sh.nHid, b, 1);
        if (errors) {
            const std::int64_t off = b * sh.time * sh.nOut;
            r.addErrors(rec.outputs.data() + off, rec.targets.data() + off, b, 1);
        }
    }
    r.finish(s);
    return s;
}

} // namespace rnnloss
