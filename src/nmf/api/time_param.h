// Times in API parameters and bodies: seconds since the epoch (fractions
// allowed) or ISO 8601 ("2016-09-22", "2016-09-22T10:00:00Z",
// "2016-09-22T10:00:00.5+02:00").  A time without a zone is UTC.
#pragma once

#include <optional>
#include <string>

namespace spin::nmf {

// nullopt if `text` is neither form.
std::optional<double> parse_time(const std::string& text);

}  // namespace spin::nmf
