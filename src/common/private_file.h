// Files that hold secrets or what the home did (keys, tokens, the agent's
// rules, the store): whether anybody but their owner may use them, and their
// first line.  One check, so that every such file is judged alike.
#pragma once

#include <optional>
#include <string>

namespace spin {

// The permission bits of `path` in octal ("644") when users other than its
// owner may read, write or run it; "" when only the owner may, or when the
// file cannot be examined (the caller's own open says why).
std::string open_to_others(const std::string& path);

// The first line of a text file without its line end and trailing spaces;
// nullopt when the file cannot be read.
std::optional<std::string> first_line(const std::string& path);

}  // namespace spin
