#pragma once
// The values behind Compare's distributions of a chosen per-neuron statistic
// (issue 19): for every recording of the set, each neuron's mean rate, SD
// or CV over time, min, max, fraction of samples active, contribution to
// L_fr (NeuronStats, from its Summary) or d' between two trial labels, on
// the selection (the selection bar's choice, resolved against each recording
// as the set's population measures do: sliceOfEntry); a recording it does not
// fit has its reason instead. Off the GUI thread (the whole recordings:
// O(B·N) each from their summaries; a selection reads each one's slice);
// requests coalesce, the latest wins, what runs is cancelled, never waited for.

#include "lambdamodel.h"
#include "popstats.h"
#include "recordingset.h"
#include "slice.h"
#include "slicecontroller.h"

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

    /// A recording Compare is given: how it names it, the entry, and the
    /// file's stamp when it was read (a slice is refused when it changed).
    struct Input
    {
        QString label;
        RecordingEntry entry;
        SliceController::FileStamp stamp;
    };
    struct Values
    {
        std::vector<std::vector<double>> values; ///< per recording, per neuron (NaN: undefined)
        QStringList reasons; ///< per recording: why it has no finite value (empty: it has)
        QString note;        ///< what is missing, per recording
    };
    /// What is computed: the statistic (its index in choices()), the
    /// convention of L_fr's contribution, d''s two labels, and the selection.
    struct Query
    {
        int statistic = 0;
        Convention convention = kDefaultConvention;
        std::string labelA, labelB;
        SliceChoice selection; ///< whole: from the summaries, no read
        QString readerExe;     ///< for slices of recordings stored compressed
    };
    /// The one computation (the worker's; tests call it), on each recording's
    /// slice under the query's selection. Stops early (and returns nothing)
    /// when `cancel`.
    static Values compute(const std::vector<Input>& recordings, const Query& query,
                          const std::atomic<bool>* cancel = nullptr);
    /// "neurons 0:2, steps 1:3, trial label 'left'": the selection as the title says it.
    static QString selectionText(const SliceChoice& selection);

    /// The recordings Compare is given, as setRecordings has them (default:
    /// every recording of the set, by its label).
    using Recordings = std::function<void(std::vector<Input>& recordings)>;
    void setRecordings(Recordings recordings);
    /// The selection the statistics are taken on (the selection bar's shown
    /// choice); computed again when it changes.
    void setSelection(const SliceChoice& selection);
    const SliceChoice& selection() const { return m_selection; }
    /// The reader for slices of recordings stored compressed.
    void setReaderExe(const QString& readerExe) { m_readerExe = readerExe; }
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
        std::vector<Input> recordings;
        Query query;
    };
    struct Job;
    void onEntriesChanged();
    void request();
    void start(Request r);
    void finish(const std::shared_ptr<Job>& job);
    /// One recording's values of the statistic, or why it has none.
    static std::vector<double> valuesOf(const Input& in, const Query& q, QString& reason,
                                        const std::atomic<bool>* cancel);

    CompareView* m_view;
    RecordingSet* m_set;
    Recordings m_recordings;
    LambdaModel* m_lambdas;
    int m_statistic = 0;
    QString m_labelA, m_labelB;
    Convention m_convention = kDefaultConvention;
    SliceChoice m_selection;
    QString m_readerExe;
    std::shared_ptr<Job> m_running;
    std::optional<Request> m_pending;
    std::uint64_t m_jobsRun = 0;
};

} // namespace rnnloss
