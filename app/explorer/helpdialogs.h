#pragma once
// The Help menu's texts and dialogs: the formulas (docs/loss.md, compiled in),
// the keyboard shortcuts and the versions.

#include <QList>
#include <QString>

class QAction;
class QWidget;

namespace rnnloss {

/// A non-modal dialog rendering docs/loss.md.
void showFormulasDialog(QWidget* parent);
/// Every action with a shortcut and text, as an HTML table sorted by key.
QString shortcutsHtml(const QList<QAction*>& actions);
void showShortcutsDialog(QWidget* parent, const QString& html);
/// The versions of the app, Qt (running and built with), HDF5 (that the reader
/// is built with) and Eigen.
QString aboutText();

} // namespace rnnloss
