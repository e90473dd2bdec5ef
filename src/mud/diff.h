// Holds what a device was seen doing (mud/observation.h) against a compiled
// profile (its maker's, mud/compiler.h): the flows no entry allows (what the
// device does that its maker did not declare) and the entries nothing used
// (what the maker declared and the device never did).  `spinctl mud diff`.
//
// Judged as the agents judge packets, per direction of each observed flow,
// the first entry that matches deciding; with what an observation does not
// know taken as the agents would let it: the device's ephemeral port only
// matches an entry that leaves it free, an unknown ICMP code matches any.
#pragma once

#include <string>
#include <vector>

#include "mud/observation.h"
#include "proto/policy.h"

namespace spin::mud {

struct ProfileDiff {
    struct Undeclared {
        Observation seen;
        std::string direction;  // "out" (device -> remote) or "in": the one no entry allows
    };
    std::vector<Undeclared> undeclared;
    struct Entry {
        std::string acl, ace;
    };
    std::vector<Entry> unused;    // accepting IP entries no observation matched (ethertype-only ones are not judged)
    size_t declared = 0;          // observations every direction of which an entry allows
    size_t network_services = 0;  // observations the agents pass anyway (is_network_service)
};

ProfileDiff diff(const proto::DevicePolicy& policy, const std::vector<Observation>& seen);

}  // namespace spin::mud
