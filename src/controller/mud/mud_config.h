// The `mud:` section of the controller's configuration (docs/configuration.md,
// "Controller", mud): where profiles come from, whom to believe, and what
// the abstractions of RFC 8520 name in this home.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/ip_prefix.h"
#include "config/yaml_at.h"

namespace spin::controller {

// What a device's profile does (per device, through the API; the default here).
enum class MudMode : uint8_t {
    monitor,                  // nothing dropped; violations reported
    enforce,                  // only what the profile allows passes
    quarantine_on_violation,  // monitored; the first violation quarantines the device
};
const char* to_string(MudMode m);  // "monitor", "enforce", "quarantine-on-violation"
bool parse_mud_mode(const std::string& text, MudMode* out);

// What to do with a fetched file that has no good signature.
enum class UnsignedPolicy : uint8_t { refuse, monitor_only, accept };
const char* to_string(UnsignedPolicy p);  // "refuse", "monitor-only", "accept"

// The private and unique-local ranges: what a home's LAN uses.
std::vector<IpPrefix> default_local_networks();

struct MudConfig {
    std::vector<std::string> trust_anchors;  // PEM files of the CAs MUD signers must chain to
    std::string tls_ca;                      // an extra CA for the HTTPS servers, besides the system's
    UnsignedPolicy unsigned_files = UnsignedPolicy::monitor_only;
    MudMode default_mode = MudMode::monitor;
    std::string local_dir;  // MUD files for devices whose manufacturer serves none, read at start
    // What local-networks names (besides what never leaves the link).
    std::vector<IpPrefix> local_networks = default_local_networks();
    std::map<std::string, std::vector<IpPrefix>> controllers;     // class URN or URL -> addresses
    std::map<std::string, std::vector<IpPrefix>> my_controllers;  // MUD URL -> addresses
    bool fetch = true;                                            // fetch the URLs devices announce
    double fetch_timeout = 10;                                    // seconds for one file, redirects included
    uint64_t max_file_bytes = 1 << 20;
    uint32_t max_redirects = 3;
    double retry_interval = 900;  // seconds before a failed fetch is tried again
};

void read_mud_config(const config::At& at, MudConfig& c);
// Checks that the files it names can be read (at start).  Throws ConfigError.
void validate_mud_config(const MudConfig& c);

}  // namespace spin::controller
