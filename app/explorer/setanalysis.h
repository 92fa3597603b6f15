#pragma once
// The numbers behind the set views: each recording's unweighted term values
// and per-neuron mean rates under the current convention, computed once per
// recording and convention on a worker thread. The terms do not depend on the
// lambdas, so a lambda change costs the views one evaluate() (O(7)) per recording.

#include "loss.h"
#include "recordingset.h"

#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <map>
#include <memory>
#include <set>
#include <unordered_set>
#include <utility>
#include <vector>

namespace rnnloss {

struct RecordingTerms
{
    TermValues values;
    std::vector<double> meanRates; ///< per hidden neuron; empty without states
};

class SetAnalysis : public QObject
{
    Q_OBJECT
public:
    explicit SetAnalysis(QObject* parent = nullptr);
    ~SetAnalysis() override;

    /// The recordings to cover; computes what is missing, forgets the rest.
    void setEntries(const std::vector<RecordingEntry>& entries);
    void setConvention(Convention c);
    Convention convention() const { return m_convention; }

    /// The terms of the recording of `generation` under the current
    /// convention, or null while they are being computed.
    std::shared_ptr<const RecordingTerms> terms(std::uint64_t generation) const;
    /// Every recording given has its terms (O(1): asked at every arrival).
    bool complete() const { return m_have == m_entries.size(); }
    std::uint64_t jobsRun() const { return m_jobsRun; }
    /// How many times the recordings were given (setEntries): each walks them all.
    int rebuilds() const { return m_rebuilds; }
    /// New terms are said at most once per `ms` while others are still
    /// computed, and at once when the last arrives. Default 100 ms.
    void setChangeInterval(int ms) { m_changeTimer.setInterval(ms); }

signals:
    /// New terms arrived (or the convention changed and old ones no longer apply).
    void termsChanged();

private:
    using Key = std::pair<std::uint64_t, Convention>;
    void requestMissing();
    void onTerms(const Key& key, std::shared_ptr<const RecordingTerms> terms);
    void countHave();

    QThreadPool m_pool;
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Summary>>> m_entries;
    std::unordered_set<std::uint64_t> m_live; ///< the generations of m_entries
    std::size_t m_have = 0;                   ///< entries with terms under m_convention
    int m_rebuilds = 0;
    QTimer m_changeTimer; ///< the coalesced termsChanged while terms arrive
    Convention m_convention = kDefaultConvention;
    std::map<Key, std::shared_ptr<const RecordingTerms>> m_terms;
    std::set<Key> m_pending;
    std::uint64_t m_jobsRun = 0;
};

} // namespace rnnloss
