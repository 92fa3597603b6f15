#pragma once
// `rnnloss-explorer REC.h5... --export DIR`: loads each recording in turn into
// the window (a folder: the recordings under it, as one set, its first
// checkpoint active), waits for its numbers (the gradients too, and the set's
// terms and population measures the Runs scatter and History show), selects
// the neuron the neuron charts show (--neuron, else the most active one of the
// selection), writes every chart and table through the Exporter, and reports.
// A recording that fails to load writes nothing.

#include "cliargs.h"

#include <QObject>
#include <QStringList>

#include <optional>

namespace rnnloss {

class MainWindow;
struct ComputeResult;

class HeadlessExport : public QObject
{
    Q_OBJECT
public:
    HeadlessExport(MainWindow& window, QStringList recordings, LossOptions options, QString dir,
                   QStringList formats, QObject* parent = nullptr);

    /// The neuron the PSTH and rate histogram show, by the recording's number;
    /// without one, the most active neuron (largest mean rate) of the data shown.
    void setNeuron(std::optional<int> neuron) { m_neuron = neuron; }

    void start();

signals:
    /// 0 when every file was written, 2 when a recording could not be loaded,
    /// 1 when a file could not be written.
    void finished(int exitCode);

private:
    void next();
    void onLoadFinished(bool ok);
    void onResultShown();
    /// The set's measures arrived: written once they are all there.
    void onSetUpdated();
    /// Selects the neuron to show; false when --neuron is not in the data shown
    /// (the recording is then skipped with an error).
    bool chooseNeuron(const ComputeResult& r);
    void showTab(int tab);
    void writeAll();

    MainWindow& m_window;
    QStringList m_recordings;
    LossOptions m_options;
    QString m_dir;
    QStringList m_formats;
    int m_current = -1;
    bool m_waitingForResult = false;
    bool m_neuronChosen = false;
    bool m_waitingForSet = false;
    std::optional<int> m_neuron;
    int m_exitCode = 0;
};

} // namespace rnnloss
