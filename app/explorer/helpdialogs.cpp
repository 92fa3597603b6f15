#include "helpdialogs.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QMessageBox>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <Eigen/Core>

namespace rnnloss {

void showFormulasDialog(QWidget* parent)
{
    QFile md(QStringLiteral(":/docs/loss.md"));
    auto* dialog = new QDialog(parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName("formulasDialog");
    dialog->setWindowTitle(QObject::tr("Formulas of the loss terms"));
    auto* text = new QTextBrowser(dialog);
    text->setOpenExternalLinks(true);
    if (md.open(QIODevice::ReadOnly))
        text->setMarkdown(QString::fromUtf8(md.readAll()));
    else
        text->setPlainText(QObject::tr("The formulas are not built into this copy of the app."));
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    layout->addWidget(buttons);
    dialog->resize(760, 640);
    dialog->show();
}

QString shortcutsHtml(const QList<QAction*>& actions)
{
    QStringList rows;
    for (QAction* a : actions) {
        if (a->shortcuts().isEmpty() || a->text().isEmpty())
            continue;
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts())
            keys << k.toString(QKeySequence::NativeText);
        QString name = a->text();
        name.remove(QLatin1Char('&'));
        rows << QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                    .arg(keys.join(QStringLiteral(", ")).toHtmlEscaped(), name.toHtmlEscaped());
    }
    rows.sort();
    return QStringLiteral("<table cellspacing=6>%1</table>").arg(rows.join(QString()));
}

void showShortcutsDialog(QWidget* parent, const QString& html)
{
    auto* box = new QMessageBox(parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName("shortcutsDialog");
    box->setWindowTitle(QObject::tr("Keyboard shortcuts"));
    box->setTextFormat(Qt::RichText);
    box->setText(html);
    box->show();
}

QString aboutText()
{
    return QObject::tr("<h3>RNNLoss Explorer %1</h3>"
                       "<p>The lambdas of nn4n's modular RNN loss, by seeing them.</p>"
                       "<p>Qt %2 (built with %3)<br>HDF5 %4<br>Eigen %5.%6.%7</p>")
        .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion()),
             QStringLiteral(QT_VERSION_STR), QStringLiteral(RNNLOSS_HDF5_VERSION))
        .arg(EIGEN_WORLD_VERSION)
        .arg(EIGEN_MAJOR_VERSION)
        .arg(EIGEN_MINOR_VERSION);
}

} // namespace rnnloss
