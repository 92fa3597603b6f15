#include "setgradients.h"

#include <algorithm>
#include <unordered_set>

namespace rnnloss {

SetGradients::SetGradients(QObject* parent)
    : QObject(parent), m_controller(new GradientController(unavailableGradientSource(), this))
{
    connect(m_controller, &GradientController::resultReady, this, &SetGradients::onResult);
    connect(m_controller, &GradientController::statusChanged, this, [this](const QString& s) {
        m_progress = s;
        emit changed();
    });
}

void SetGradients::setSource(GradientSource source)
{
    m_results.clear();
    m_computing.reset();
    m_controller->clear(tr("No recording"));
    // The controller computes nothing until next() gives it a recording.
    m_controller->setSource(std::move(source));
    emit changed();
    next();
}

void SetGradients::setEntries(const std::vector<RecordingEntry>& entries)
{
    m_entries = entries;
    // A set, not a search per result: this runs at every update of a set of 10,000.
    std::unordered_set<std::uint64_t> live;
    for (const RecordingEntry& e : m_entries)
        live.insert(e.generation);
    std::erase_if(m_results, [&](const auto& kv) { return !live.count(kv.first.first); });
    next();
}

void SetGradients::setConvention(Convention convention)
{
    if (convention == m_convention)
        return;
    m_convention = convention;
    emit changed();
    next();
}

void SetGradients::setWanted(bool on)
{
    m_wanted = on;
    next();
}

std::shared_ptr<const GradientResult> SetGradients::result(std::uint64_t generation) const
{
    const auto it = m_results.find({generation, m_convention});
    return it == m_results.end() ? nullptr : it->second;
}

bool SetGradients::complete() const
{
    return std::all_of(m_entries.begin(), m_entries.end(),
                       [this](const RecordingEntry& e) { return result(e.generation) != nullptr; });
}

QString SetGradients::status() const
{
    if (complete())
        return {};
    int done = 0;
    for (const RecordingEntry& e : m_entries)
        done += result(e.generation) != nullptr;
    if (!m_wanted || !m_computing)
        return tr("gradients of %1 of %2 recordings").arg(done).arg(m_entries.size());
    QString name;
    for (const RecordingEntry& e : m_entries)
        if (e.generation == m_computing->first)
            name = e.label();
    return tr("computing the gradients of %1 (%2 of %3): %4")
        .arg(name)
        .arg(done + 1)
        .arg(m_entries.size())
        .arg(m_progress);
}

void SetGradients::next()
{
    if (!m_wanted) {
        m_computing.reset();
        m_controller->clear(tr("Not wanted"));
        return;
    }
    for (const RecordingEntry& e : m_entries) {
        const Key key{e.generation, m_convention};
        if (m_results.count(key))
            continue;
        if (m_computing == key && m_controller->busy())
            return; // on its way
        m_computing = key;
        // A recording still being computed and no longer wanted is stopped by this request.
        m_controller->setRecording(e.files, e.summary, e.generation, m_convention);
        return;
    }
    m_computing.reset();
}

void SetGradients::onResult(const std::shared_ptr<const GradientResult>& result)
{
    if (!m_computing)
        return;
    m_results[*m_computing] = result;
    m_computing.reset();
    emit changed();
    next();
}

} // namespace rnnloss
