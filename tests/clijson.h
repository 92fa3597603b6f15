#pragma once
// For tests that hold the app against the CLI: run `rnnloss compute --json`
// and compare its JSON with an evaluation or with per-neuron means. Used by
// test_gui and test_soak.

#include "loss.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

namespace clijson {

inline QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

/// A number as the CLI's JSON writes it: null when empty or not finite.
inline QJsonValue jsonOf(std::optional<double> v)
{
    return v && std::isfinite(*v) ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

/// Empty when `app` and `cli` are both null or agree to `tol` relative;
/// else what differs, named `what`.
inline QString compareNumber(const QString& what, const QJsonValue& app, const QJsonValue& cli,
                             double tol)
{
    auto text = [](const QJsonValue& v) {
        return v.isNull() ? QStringLiteral("null") : QString::number(v.toDouble(), 'g', 17);
    };
    if (app.isNull() || cli.isNull())
        return app.isNull() == cli.isNull()
                   ? QString()
                   : QStringLiteral("%1: app %2, CLI %3").arg(what, text(app), text(cli));
    const double a = app.toDouble(), c = cli.toDouble();
    if (!(std::abs(a - c) <= tol * std::max(std::abs(a), std::abs(c))))
        return QStringLiteral("%1: app %2, CLI %3").arg(what, text(app), text(cli));
    return {};
}

/// The arguments of `rnnloss compute --json` for exactly these settings.
inline QStringList computeArgs(const QString& recording, const QString& weights,
                               const rnnloss::TermArray& lambdas, rnnloss::Convention c)
{
    using namespace rnnloss;
    QStringList args{"compute", "--json", recording};
    if (!weights.isEmpty())
        args << "--weights" << weights;
    args << "--convention" << qs(conventionName(c));
    for (Term t : kAllTerms)
        args << "--lambda" << qs(lambdaKey(t)) + "=" + QString::number(lambdas[index(t)], 'g', 17);
    return args;
}

/// Runs the CLI `cli` with `args`; its JSON object, or an empty one and `error`.
inline QJsonObject run(const QString& cli, const QStringList& args, int timeoutMs, QString* error)
{
    QProcess p;
    p.start(cli, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        *error = QStringLiteral("rnnloss %1: exit %2: %3")
                     .arg(args.join(' '))
                     .arg(p.exitCode())
                     .arg(QString::fromUtf8(p.readAllStandardError()));
        return {};
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(p.readAllStandardOutput(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = "rnnloss printed no JSON object: " + pe.errorString();
        return {};
    }
    return doc.object();
}

/// What differs between the CLI's JSON and an evaluation: the convention, and
/// per term lambda, value, weighted and availability, and the total. Empty when
/// they agree to `tol`.
inline QStringList diff(const QJsonObject& json, const rnnloss::LossResult& r, double tol)
{
    using namespace rnnloss;
    QStringList out;
    if (json["convention"].toString() != qs(conventionName(r.convention)))
        out << "convention differs";
    const QJsonObject terms = json["terms"].toObject();
    for (Term t : kAllTerms) {
        const QString k = qs(termKey(t));
        const QJsonObject o = terms[k].toObject();
        if (o.isEmpty()) {
            out << k + " missing";
            continue;
        }
        for (const QString& p : {compareNumber(k + ".lambda", r[t].lambda, o["lambda"], tol),
                                 compareNumber(k + ".value", jsonOf(r[t].value), o["value"], tol),
                                 compareNumber(k + ".weighted", jsonOf(r[t].weighted), o["weighted"], tol)})
            if (!p.isEmpty())
                out << p;
        if (o["available"].toBool() != r[t].available)
            out << k + ".available differs";
    }
    const QString total = compareNumber("total", jsonOf(r.total), json["total"], tol);
    if (!total.isEmpty())
        out << total;
    return out;
}

/// The evaluation the CLI's JSON reports (convention, per term lambda,
/// availability, value and weighted; the total), to hold it against an
/// independent reference.
inline rnnloss::LossResult lossOf(const QJsonObject& json)
{
    using namespace rnnloss;
    auto opt = [](const QJsonValue& v) {
        return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
    };
    LossResult r;
    r.convention = conventionFromName(json["convention"].toString().toStdString())
                       .value_or(kDefaultConvention);
    const QJsonObject terms = json["terms"].toObject();
    for (Term t : kAllTerms) {
        const QJsonObject o = terms[qs(termKey(t))].toObject();
        TermResult& tr = r.terms[std::size_t(index(t))];
        tr.lambda = o["lambda"].toDouble();
        tr.available = o["available"].toBool();
        tr.value = opt(o["value"]);
        tr.weighted = opt(o["weighted"]);
    }
    r.total = opt(json["total"]);
    return r;
}

/// What differs between the CLI's per-neuron mean rates and `mean`.
inline QStringList meanRateDiff(const QJsonObject& json, const std::vector<double>& mean, double tol)
{
    QStringList out;
    const QJsonArray cli = json["neurons"].toObject()["mean_rate"].toArray();
    if (cli.size() != qsizetype(mean.size()))
        return {QStringLiteral("mean_rate: %1 neurons, CLI %2").arg(mean.size()).arg(cli.size())};
    for (qsizetype i = 0; i < cli.size(); ++i) {
        const QString p = compareNumber(QStringLiteral("mean_rate[%1]").arg(i), jsonOf(mean[i]), cli[i], tol);
        if (!p.isEmpty())
            out << p;
    }
    return out;
}

} // namespace clijson
