#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace rnnloss {

std::string value(const std::vector<std::string>& a, std::size_t& i)
{
    if (i + 1 >= a.size())
        throw UsageError{a[i] + " needs a value"};
    return a[++i];
}

double realNumber(const std::string& option, const std::string& text)
{
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
        throw UsageError{option + " " + text + ": expected a finite number"};
    return v;
}

long long wholeNumber(const std::string& option, const std::string& text, long long lo,
                      long long hi)
{
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end || errno == ERANGE || n < lo || n > hi)
        throw UsageError{option + " " + text + ": expected a whole number from " +
                         std::to_string(lo) + " to " + std::to_string(hi)};
    return n;
}

int fail(const std::string& message)
{
    std::cerr << "error: " << message << "\n";
    return 2;
}

bool writeAll(int fd, const std::vector<std::uint8_t>& bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace rnnloss
