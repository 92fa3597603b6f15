#pragma once
// What every program's command line shares: a usage error, the value after an
// option, checked numbers, the one "error:" line, and writing a whole buffer.

#include <cstdint>
#include <string>
#include <vector>

namespace rnnloss {

/// A bad command line: exit 2 with one "error:" line.
struct UsageError
{
    std::string message;
};

/// The value after option a[i]; advances i.
std::string value(const std::vector<std::string>& a, std::size_t& i);
/// A finite number; throws UsageError naming the option.
double realNumber(const std::string& option, const std::string& text);
/// A whole number in [lo, hi]; throws UsageError naming the option.
long long wholeNumber(const std::string& option, const std::string& text, long long lo,
                      long long hi);

/// Prints "error: <message>" on stderr; returns 2.
int fail(const std::string& message);

/// Writes all of `bytes` to `fd`; false when the other end is gone.
bool writeAll(int fd, const std::vector<std::uint8_t>& bytes);

} // namespace rnnloss
