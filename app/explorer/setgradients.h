#pragma once
// The gradients of every recording of the set (the whole of each, under the
// current convention), for the History's gradient shares over checkpoints.
// One recording at a time through the window's GradientSource, on a
// GradientController's thread; only while they are wanted (a set's gradients
// cost one pass per recording), kept per recording and convention.

#include "gradientcontroller.h"
#include "recordingset.h"

#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace rnnloss {

class SetGradients : public QObject
{
    Q_OBJECT
public:
    explicit SetGradients(QObject* parent = nullptr);

    /// Where the gradients come from; what was computed with another is forgotten.
    void setSource(GradientSource source);
    /// The recordings to cover; what is missing is computed (while wanted),
    /// what is gone forgotten.
    void setEntries(const std::vector<RecordingEntry>& entries);
    void setConvention(Convention convention);
    /// Computes only while on; off stops what runs.
    void setWanted(bool on);
    bool wanted() const { return m_wanted; }

    /// The gradients of the recording of `generation` under the current
    /// convention (an error says why there are none), or null while missing.
    std::shared_ptr<const GradientResult> result(std::uint64_t generation) const;
    /// Every recording has its result.
    bool complete() const;
    /// What is being done: "computing the gradients of step300.h5 (2 of 5)… 40 %".
    QString status() const;
    /// Recordings computed (not the requests made).
    std::uint64_t jobsRun() const { return m_controller->jobsRun(); }

signals:
    /// A result arrived, or results no longer apply (convention, source).
    void changed();

private:
    using Key = std::pair<std::uint64_t, Convention>;
    void next();
    void onResult(const std::shared_ptr<const GradientResult>& result);

    GradientController* m_controller;
    std::vector<RecordingEntry> m_entries;
    Convention m_convention = kDefaultConvention;
    bool m_wanted = false;
    std::map<Key, std::shared_ptr<const GradientResult>> m_results;
    std::optional<Key> m_computing;
    QString m_progress; ///< the controller's line about the recording computed now
};

} // namespace rnnloss
