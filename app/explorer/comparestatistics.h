#pragma once
// The values behind Compare's distributions of a chosen per-neuron statistic
// (issue 19): for every recording of the set, each neuron's mean rate, SD
// or CV over time, min, max, fraction of samples active, contribution to
// L_fr (NeuronStats, from its Summary) or d' between two trial labels. Off
// the GUI thread (O(B·N) per recording); requests coalesce, the latest wins.

#include "lambdamodel.h"
#include "popstats.h"
#include "recordingset.h"

#include <QObject>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rnnloss {

class CompareView;

class CompareStatistics : public QObject
{
    Q_OBJECT
public:
    /// The choices' order: kAllNeuronMeasures, then d'.
    static constexpr int kDPrime = int(kAllNeuronMeasures.size());
    static QStringList choices();

    /// Gives `view` the choices and the set's trial labels, and the values of
    /// what it asks for.
    CompareStatistics(CompareView* view, RecordingSet* set, LambdaModel* lambdas,
                      QObject* parent = nullptr);
    ~CompareStatistics() override;

    struct Values
    {
        std::vector<std::vector<double>> values; ///< per recording, per neuron (NaN: undefined)
        QString note;                            ///< what is missing, per recording
    };
    /// The one computation (the worker's; tests call it). `names` name the
    /// recordings in the note; stops early (and returns nothing) when `cancel`.
    static Values compute(const std::vector<std::shared_ptr<const Summary>>& summaries,
                          const QStringList& names, int statistic, Convention convention,
                          const std::string& labelA, const std::string& labelB,
                          const std::atomic<bool>* cancel = nullptr);

    /// The recordings Compare is given and their labels, as setRecordings has
    /// them (default: every recording of the set, by its label).
    using Recordings = std::function<void(QStringList& labels,
                                          std::vector<std::shared_ptr<const Summary>>& summaries)>;
    void setRecordings(Recordings recordings);
    /// Computes the chosen statistic again, for the recordings Compare has now.
    void refresh() { request(); }

    bool busy() const { return m_running != nullptr; }
    std::uint64_t jobsRun() const { return m_jobsRun; }

signals:
    /// The view was given the values of the latest request.
    void ready();

private:
    struct Request
    {
        QStringList labels;
        std::vector<std::shared_ptr<const Summary>> summaries;
        int statistic = 0;
        Convention convention = kDefaultConvention;
        std::string labelA, labelB;
    };
    struct Job;
    void onEntriesChanged();
    void request();
    void start(Request r);
    void finish(const std::shared_ptr<Job>& job);

    CompareView* m_view;
    RecordingSet* m_set;
    Recordings m_recordings;
    LambdaModel* m_lambdas;
    int m_statistic = 0;
    QString m_labelA, m_labelB;
    Convention m_convention = kDefaultConvention;
    std::shared_ptr<Job> m_running;
    std::optional<Request> m_pending;
    std::uint64_t m_jobsRun = 0;
};

} // namespace rnnloss
