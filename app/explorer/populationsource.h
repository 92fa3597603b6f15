#pragma once
// Where the Population tab's raw-data parts come from in the window: the
// reader process's stats pass (`rnnloss-reader --stats`, engine/statspass.h)
// over exactly what the shown summary covers, put together with that summary
// by populationReport (engine/popreport.h), as `rnnloss stats` does.

#include "popreport.h"
#include "populationcontroller.h"

#include <QString>

namespace rnnloss {

/// Runs on the PopulationController's worker; stops the reader when the
/// progress callback says stop. Errors name the file (the reader's words).
PopulationSource readerPopulationSource(const QString& readerExe);

/// The raw-data parts of a report (what the panel does not compute itself).
PopulationRaw rawParts(const PopulationReport& report);

} // namespace rnnloss
