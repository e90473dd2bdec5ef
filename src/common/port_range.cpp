#include "common/port_range.h"

namespace spin {

std::string PortRange::to_string() const {
    if (any()) return "any";
    if (negate) return "!" + std::to_string(lower);
    if (lower == upper) return std::to_string(lower);
    return std::to_string(lower) + "-" + std::to_string(upper);
}

}  // namespace spin
