// Reads a MUD file of any dialect seen in the field into a mud::Profile:
//   rfc8520  `ietf-access-control-list:acls`, as RFC 8520 / 8519 define it;
//   pre-rfc  the container `...:access-lists` MUDgee writes, with string
//            ethertypes, addresses without a length, `urn:...:gateway`;
//   draft    the early drafts' `acl-type`, `access-list-entries`,
//            `rule-name`, `ipv4-acl` and ports inside the IP match.
// The text is untrusted (a device names the URL it comes from): every
// problem is a diagnostic with the JSON pointer (RFC 6901) of where it is,
// never an exception.  Tolerated departures from RFC 8520 (the dialects,
// unknown leaves and URNs, values SPIN reads its own way) are warnings, and
// errors under `strict`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mud/profile.h"

namespace spin::mud {

enum class Dialect : uint8_t { rfc8520, pre_rfc, draft };
std::string_view to_string(Dialect d);  // "rfc8520", "pre-rfc", "draft"

struct Diagnostic {
    std::string path;  // JSON pointer: "/ietf-mud:mud/mud-url"
    std::string message;
    std::string to_string() const { return (path.empty() ? "/" : path) + ": " + message; }
};

struct ParseOptions {
    bool strict = false;  // warnings count as errors
};

struct ParseResult {
    Dialect dialect = Dialect::rfc8520;
    std::optional<Profile> profile;  // set unless the file could not be read at all
    std::vector<Diagnostic> warnings;
    std::vector<Diagnostic> errors;

    bool valid() const { return profile.has_value() && errors.empty(); }
};

ParseResult parse(std::string_view text, const ParseOptions& options = {});

}  // namespace spin::mud
