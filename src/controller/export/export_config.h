// The `export:` section of the controller's configuration (docs/configuration.md,
// "Controller", export): what SPIN feeds to the tools a home already runs.
#pragma once

#include <cstddef>
#include <string>

#include "config/yaml_at.h"
#include "controller/export/collector_link.h"

namespace spin::controller {

struct IpfixConfig {
    std::string collector;  // HOST:PORT; "": no IPFIX export
    CollectorLink::Transport transport = CollectorLink::Transport::udp;
    double template_refresh = 60;  // seconds between templates re-sent over UDP
    size_t max_message = 1400;     // bytes per message: one datagram under a home's MTU
    double max_delay = 1;          // seconds a record may wait for its message to fill
};

struct ExportConfig {
    std::string prometheus_listen;  // GET /metrics there; "": off
    IpfixConfig ipfix;
};

// Reads `export:` (its keys checked; ConfigError says which is wrong).
void read_export_config(const config::At& at, ExportConfig& out);

}  // namespace spin::controller
