#include "exporter.h"

#include "chartexport.h"
#include "report.h"

#include <QDir>

#include <algorithm>
#include <QFileInfo>
#include <QLocale>
#include <QObject>
#include <QSaveFile>

namespace rnnloss {

namespace {

/// The shortest text that reads back as `v`: 0.05, not 0.050000000000000003.
std::string formatLambda(double v)
{
    return QString::number(v, 'g', QLocale::FloatingPointShortest).toStdString();
}

} // namespace

Exporter::Exporter(std::function<Provenance()> provenance) : m_provenance(std::move(provenance)) {}

const QStringList& Exporter::chartFormats()
{
    static const QStringList f{"png", "svg", "pdf"};
    return f;
}

const QStringList& Exporter::tableFormats()
{
    static const QStringList f{"csv", "json"};
    return f;
}

void Exporter::addChart(const QString& key, QWidget* widget, const ExportableChart& chart,
                        ChartScope scope)
{
    ExportableChart c = chart;
    if (!c.widget)
        c = {key, key, widget, nullptr};
    m_charts.push_back({key, widget, c, scope});
}

void Exporter::addTable(const QString& key, const QString& format, TextSource text,
                        ChartScope scope)
{
    m_tables.push_back({key, format, std::move(text), scope});
}

QStringList Exporter::chartKeys() const
{
    QStringList keys;
    for (const Chart& c : m_charts)
        keys << c.key;
    return keys;
}

QWidget* Exporter::chart(const QString& key) const
{
    for (const Chart& c : m_charts)
        if (c.key == key)
            return c.widget;
    return nullptr;
}

const Exporter::Table* Exporter::table(const QString& key, const QString& format) const
{
    for (const Table& t : m_tables)
        if (t.key == key && t.format == format)
            return &t;
    return nullptr;
}

std::string Exporter::csvHeader(const Provenance& p, ChartScope scope)
{
    std::string h = "# file=" + QFileInfo(p.recording).fileName().toStdString() +
                    " convention=" + std::string(conventionName(p.lambdas.convention));
    const TermArray l = p.lambdas.effective();
    for (Term t : kAllTerms)
        h += " " + std::string(lambdaKey(t)) + "=" + formatLambda(l[index(t)]);
    if (!p.selection.isEmpty()) {
        // Quoted, so that a space in a label does not split the field.
        QString s = p.selection;
        s.replace(QLatin1Char('"'), QLatin1Char('\''));
        h.append(" selection=\"").append(s.toStdString()).append("\"");
    }
    if (scope == ChartScope::Neuron && !p.neuron.isEmpty())
        h.append(" neuron=\"").append(p.neuron.toStdString()).append("\"");
    return h;
}

void Exporter::setFigureOptions(bool caption, QSize size)
{
    m_caption = caption;
    m_size = size;
}

std::optional<QSize> Exporter::parseFigureSize(const QString& text)
{
    const QString t = text.trimmed().toLower();
    if (t.isEmpty() || t == QLatin1String("screen"))
        return QSize();
    const QStringList wh = t.split(QLatin1Char('x'));
    if (wh.size() != 2)
        return std::nullopt;
    bool okW = false, okH = false;
    const int w = wh[0].trimmed().toInt(&okW), h = wh[1].trimmed().toInt(&okH);
    // A figure from a thumbnail to a poster; beyond that the PNG alone is gigabytes.
    if (!okW || !okH || w < 50 || h < 50 || w > 10000 || h > 10000)
        return std::nullopt;
    return QSize(w, h);
}

ExportInfo Exporter::exportInfo(const Provenance& p, ChartScope scope) const
{
    ExportInfo info;
    info.caption = m_caption;
    info.size = m_size;
    info.file = QFileInfo(p.recording).fileName();
    // The set's charts cover whole recordings: they never claim the selection;
    // the neuron only where the chart shows it (not on the breakdown, say).
    QStringList shown;
    if (!p.selection.isEmpty())
        shown << (scope == ChartScope::Set
                      ? QObject::tr("whole recordings (the selection applies to the views of "
                                    "the active recording only)")
                      : p.selection);
    if (scope == ChartScope::Neuron && !p.neuron.isEmpty())
        shown << p.neuron;
    info.selection = shown.join(QStringLiteral("; "));
    info.convention = QString::fromUtf8(conventionName(p.lambdas.convention).data());
    const TermArray l = p.lambdas.effective();
    QStringList parts;
    for (Term t : kAllTerms)
        parts << QString::fromUtf8(lambdaKey(t).data()) + "=" +
                     QString::fromStdString(formatLambda(l[index(t)]));
    info.lambdas = parts.join(QStringLiteral(", "));
    return info;
}

ExportOutcome Exporter::exportChart(const QString& key, const QString& path) const
{
    ExportOutcome out{path, {}};
    const auto it = std::find_if(m_charts.begin(), m_charts.end(),
                                 [&](const Chart& c) { return c.key == key; });
    if (it == m_charts.end()) {
        out.error = QObject::tr("%1: no chart named '%2' to export").arg(path, key);
        return out;
    }
    out.error = rnnloss::exportChart(it->chart, path, exportInfo(m_provenance(), it->scope));
    return out;
}

ExportOutcome Exporter::exportTable(const QString& key, const QString& path) const
{
    ExportOutcome out{path, {}};
    const QString format = QFileInfo(path).suffix().toLower();
    const Table* t = table(key, format);
    if (!t) {
        out.error = QObject::tr("%1: '%2' cannot be exported as %3").arg(path, key, format);
        return out;
    }
    std::optional<std::string> text = t->text();
    if (!text) {
        out.error = QObject::tr("%1: nothing to export yet (no recording shown)").arg(path);
        return out;
    }
    if (format == QLatin1String("csv"))
        text = csvHeader(m_provenance(), t->scope) + "\n" + *text;
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) ||
        f.write(text->data(), qint64(text->size())) != qint64(text->size()) || !f.commit())
        out.error = QObject::tr("%1: cannot write: %2").arg(path, f.errorString());
    return out;
}

QString Exporter::defaultFileName(const QString& key, const QString& format) const
{
    QString base = QFileInfo(m_provenance().recording).completeBaseName();
    if (base.isEmpty())
        base = QStringLiteral("rnnloss");
    return base + QLatin1Char('-') + key + QLatin1Char('.') + format;
}

std::vector<ExportOutcome> Exporter::exportAll(const QString& dir, const QStringList& formats) const
{
    std::vector<ExportOutcome> out;
    const QDir d(dir);
    for (const QString& format : formats) {
        if (chartFormats().contains(format))
            for (const Chart& c : m_charts)
                out.push_back(exportChart(c.key, d.filePath(defaultFileName(c.key, format))));
        for (const Table& t : m_tables)
            if (t.format == format)
                out.push_back(exportTable(t.key, d.filePath(defaultFileName(t.key, format))));
    }
    return out;
}

} // namespace rnnloss
