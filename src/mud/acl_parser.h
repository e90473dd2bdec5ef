// The access lists of a MUD file (RFC 8519 with RFC 8520's and RFC 8519's
// acldns augmentations), in each dialect mud/parser.h names.
#pragma once

#include <string>
#include <vector>

#include "mud/json_reader.h"
#include "mud/profile.h"

namespace spin::mud::detail {

// Whether an `acl` list entry is written in the early-draft layout.
bool is_draft_acl(const json& acl);

// Reads the `acl` list of the ACL container at `path`.  Every entry of the
// list becomes an Acl and every entry of its `ace` list an Ace, also when
// it had errors, so the counts are the file's.
std::vector<Acl> read_acls(JsonReader& r, const json& container, const std::string& path, Dialect dialect);

}  // namespace spin::mud::detail
