#pragma once
// Writing a view to an image or document file, and the context-menu entries
// that ask for the file name.

#include <QString>

QT_BEGIN_NAMESPACE
class QWidget;
QT_END_NAMESPACE

namespace rnnloss {

/// Writes `w` to `path`, the format chosen by the suffix: .png (rendered at
/// device pixel ratio 2), .svg (vector) or .pdf (scaled to fit an A4 page).
/// On failure returns false and, when `error` is given, a message naming the file.
bool exportWidget(QWidget* w, const QString& path, QString* error = nullptr);

/// Adds "Export as PNG/SVG/PDF…" to the context menu of `view` (switching it to
/// Qt::ActionsContextMenu, so actions already added to the widget stay). Each
/// entry asks for a file name and reports failures in a message box.
void installExportMenu(QWidget* view);

} // namespace rnnloss
