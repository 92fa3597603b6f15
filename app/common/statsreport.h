#pragma once
// Text renderings of a PopulationReport (engine/popreport.h): the JSON and the
// table of `rnnloss stats`, for the CLI and for the app's exports alike.

#include "popreport.h"
#include "summary.h"

#include <string>

namespace rnnloss {

/// One recording's object of `rnnloss stats --json`, on one line ending in a
/// newline (rnnloss --help lists its keys). `s` is the summary the report was
/// made from (its slice and label).
std::string populationJson(const std::string& file, const Summary& s, const PopulationReport& r);

/// The same as a readable block of lines.
std::string populationTable(const std::string& file, const Summary& s, const PopulationReport& r);

/// The rules of the measures in words (silent, saturated, participation
/// ratio, choice), one per line: the table's footer.
std::string populationRules();

} // namespace rnnloss
