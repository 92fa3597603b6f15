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
    m_changeTimer.setSingleShot(true);
    m_changeTimer.setInterval(100);
    connect(&m_changeTimer, &QTimer::timeout, this, &SetAnalysis::termsChanged);
}

SetAnalysis::~SetAnalysis()
{
    m_pool.clear();
    m_pool.waitForDone();
}

void SetAnalysis::setEntries(const std::vector<RecordingEntry>& entries)
{
    ++m_rebuilds;
    m_entries.clear();
    m_entries.reserve(entries.size());
    m_live.clear();
    for (const RecordingEntry& e : entries) {
        m_entries.emplace_back(e.generation, e.summary);
        m_live.insert(e.generation);
    }
    std::erase_if(m_terms, [&](const auto& kv) { return !m_live.count(kv.first.first); });
    countHave();
    requestMissing();
    m_changeTimer.stop();
    emit termsChanged();
}

void SetAnalysis::setConvention(Convention c)
{
    if (c == m_convention)
        return;
    m_convention = c;
    countHave();
    requestMissing();
    m_changeTimer.stop();
    emit termsChanged();
}

void SetAnalysis::countHave()
{
    m_have = 0;
    for (const auto& [generation, summary] : m_entries)
        m_have += m_terms.count({generation, m_convention});
}

std::shared_ptr<const RecordingTerms> SetAnalysis::terms(std::uint64_t generation) const
{
    const auto it = m_terms.find({generation, m_convention});
    return it == m_terms.end() ? nullptr : it->second;
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
                    if (self)
                        self->onTerms(key, out);
                },
                Qt::QueuedConnection);
        });
    }
}

void SetAnalysis::onTerms(const Key& key, std::shared_ptr<const RecordingTerms> terms)
{
    m_pending.erase(key);
    ++m_jobsRun;
    // A recording removed while its terms were computed is not kept.
    if (!m_live.count(key.first))
        return;
    const bool counts = key.second == m_convention && !m_terms.count(key);
    m_terms[key] = std::move(terms);
    m_have += counts;
    // One termsChanged per interval while they arrive (each redraws views
    // over the whole set), and one at once for the last.
    if (complete()) {
        m_changeTimer.stop();
        emit termsChanged();
    } else if (!m_changeTimer.isActive()) {
        m_changeTimer.start();
    }
}

} // namespace rnnloss
