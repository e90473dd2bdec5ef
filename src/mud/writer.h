// Writes a mud::Profile as an RFC 8520 MUD file, whatever dialect it was read
// from: what `spinctl mud learn` produces and what a user downloads.  Reading
// the text back (mud/parser.h) gives the same profile.  An entry that never
// matches (Ace::unusable) is left out: what made it unusable cannot be
// written, and writing it without that would allow more.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "mud/profile.h"

namespace spin::mud {

nlohmann::json to_mud_json(const Profile& profile);
std::string write_mud(const Profile& profile);  // indented two spaces, as MUD files are published

}  // namespace spin::mud
