#include "setanalysis.h"

#include "neuronstats.h"

#include <QMetaObject>
#include <QPointer>

#include <algorithm>
#include <exception>

namespace rnnloss {

SetAnalysis::SetAnalysis(QObject* parent) : QObject(parent)
{
    // One worker: two cores are shared with the reader processes.
    m_pool.setMaxThreadCount(1);
}

SetAnalysis::~SetAnalysis()
{
    m_pool.clear();
    m_pool.waitForDone();
}

void SetAnalysis::setEntries(const std::vector<RecordingEntry>& entries)
{
    m_entries.clear();
    std::set<std::uint64_t> live;
    for (const RecordingEntry& e : entries) {
        m_entries.emplace_back(e.generation, e.summary);
        live.insert(e.generation);
    }
    std::erase_if(m_terms, [&](const auto& kv) { return !live.count(kv.first.first); });
    requestMissing();
    emit termsChanged();
}

void SetAnalysis::setConvention(Convention c)
{
    if (c == m_convention)
        return;
    m_convention = c;
    requestMissing();
    emit termsChanged();
}

std::shared_ptr<const RecordingTerms> SetAnalysis::terms(std::uint64_t generation) const
{
    const auto it = m_terms.find({generation, m_convention});
    return it == m_terms.end() ? nullptr : it->second;
}

bool SetAnalysis::complete() const
{
    for (const auto& [generation, summary] : m_entries)
        if (!m_terms.count({generation, m_convention}))
            return false;
    return true;
}

void SetAnalysis::requestMissing()
{
    QPointer<SetAnalysis> self(this);
    for (const auto& [generation, summary] : m_entries) {
        const Key key{generation, m_convention};
        if (m_terms.count(key) || m_pending.count(key))
            continue;
        m_pending.insert(key);
        m_pool.start([self, key, summary = summary] {
            auto out = std::make_shared<RecordingTerms>();
            try {
                out->values = computeTerms(*summary, key.second);
                if (summary->hasStates())
                    out->meanRates = computeNeuronStats(*summary, key.second).mean;
            } catch (const std::exception& e) {
                // computeTerms refuses only a malformed selection; keep the set usable.
                for (TermValue& t : out->values.terms)
                    t = TermValue{false, std::nullopt, e.what()};
            }
            QMetaObject::invokeMethod(
                self,
                [self, key, out] {
                    if (!self)
                        return;
                    self->m_pending.erase(key);
                    ++self->m_jobsRun;
                    // A recording removed while its terms were computed is not kept.
                    const auto& live = self->m_entries;
                    if (std::none_of(live.begin(), live.end(),
                                     [&](const auto& e) { return e.first == key.first; }))
                        return;
                    self->m_terms[key] = out;
                    emit self->termsChanged();
                },
                Qt::QueuedConnection);
        });
    }
}

} // namespace rnnloss
