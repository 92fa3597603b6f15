#pragma once
// The numbers behind the set views: each recording's unweighted term values
// and per-neuron mean rates under the current convention, computed once per
// recording and convention on a worker thread. The terms do not depend on the
// lambdas, so a lambda change costs the views one evaluate() (O(7)) per recording.

#include "loss.h"
#include "recordingset.h"

#include <QObject>
#include <QThreadPool>

#include <map>
#include <memory>
#include <set>
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
    /// Every recording given has its terms.
    bool complete() const;
    std::uint64_t jobsRun() const { return m_jobsRun; }

signals:
    /// New terms arrived (or the convention changed and old ones no longer apply).
    void termsChanged();

private:
    using Key = std::pair<std::uint64_t, Convention>;
    void requestMissing();

    QThreadPool m_pool;
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Summary>>> m_entries;
    Convention m_convention = kDefaultConvention;
    std::map<Key, std::shared_ptr<const RecordingTerms>> m_terms;
    std::set<Key> m_pending;
    std::uint64_t m_jobsRun = 0;
};

} // namespace rnnloss
