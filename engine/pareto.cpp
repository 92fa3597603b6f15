#include "pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace rnnloss {

std::vector<std::size_t> paretoFront(std::span<const double> x, std::span<const double> y, Goal gx,
                                     Goal gy)
{
    if (x.size() != y.size())
        throw std::invalid_argument("paretoFront: x and y differ in length");
    // Both axes turned into "smaller is better".
    const double sx = gx == Goal::Minimise ? 1.0 : -1.0;
    const double sy = gy == Goal::Minimise ? 1.0 : -1.0;
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (std::isfinite(x[i]) && std::isfinite(y[i]))
            order.push_back(i);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (sx * x[a] != sx * x[b])
            return sx * x[a] < sx * x[b];
        return sy * y[a] < sy * y[b];
    });
    // Sweep groups of equal x from best to worst: a group's best y is on the
    // front when it beats every y seen at a better x; the group's points with
    // that y are then all on it (equal points do not dominate each other).
    std::vector<std::size_t> front;
    double bestY = std::numeric_limits<double>::infinity();
    for (std::size_t g = 0; g < order.size();) {
        std::size_t end = g;
        while (end < order.size() && x[order[end]] == x[order[g]])
            ++end;
        const double groupY = sy * y[order[g]];
        if (groupY < bestY) {
            for (std::size_t i = g; i < end && sy * y[order[i]] == groupY; ++i)
                front.push_back(order[i]);
            bestY = groupY;
        }
        g = end;
    }
    std::sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
        return x[a] != x[b] ? x[a] < x[b] : y[a] < y[b];
    });
    return front;
}

} // namespace rnnloss
