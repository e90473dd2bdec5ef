// Makes a MUD profile (RFC 8520) from what a device was seen doing: each
// distinct remote, protocol, service port and opener becomes an entry of
// the device's from-device policy and, where answers came back, one of its
// to-device policy.  The remote end is named as a person would read it:
// the `controller` class configured for its address (DNS, NTP), else the
// DNS names the device resolved to it, else `local-networks` for the home's
// own addresses, else the address itself.  TCP entries say who initiated
// (ietf-mud:direction-initiated).  DHCP and neighbour discovery are left
// out: the agents always let them through.
//
// The result is written with mud/writer.h and passes `validate --strict`;
// compiled back against the same home it allows every observation it was
// made from (tests/mud/learner_test.cpp holds it to that).
#pragma once

#include <string>
#include <vector>

#include "mud/compiler.h"
#include "mud/observation.h"
#include "mud/profile.h"

namespace spin::mud {

struct LearnContext {
    std::string mud_url;      // the learnt profile's own URL (https://)
    std::string systeminfo;   // one line of at most 60 characters (RFC 8520)
    std::string last_update;  // RFC 3339 time
    std::string mfg_name;     // the device's vendor, if known
    Home home;                // local networks and controllers, as the compiler reads them
};

Profile learn(const std::vector<Observation>& seen, const LearnContext& context);

}  // namespace spin::mud
