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

struct MqttConfig {
    std::string broker;  // HOST:PORT; "": no MQTT export
    std::string client_id = "spin-controller";
    std::string username, password;                  // password from password_file
    std::string ca_file, cert_file, key_file;        // tls: TLS when ca_file is set
    std::string discovery_prefix = "homeassistant";  // "": no Home Assistant discovery
    std::string topic_prefix = "spin";               // SPIN's own topics: states, commands, availability
    bool spin_feed = false;                          // SPIN 1.0's SPIN/traffic layout
    double away_after = 300;                         // seconds unseen after which a device is not_home
    double state_interval = 10;                      // seconds between states (rates averaged over it)
    double feed_interval = 1;                        // seconds between SPIN/traffic messages
    size_t max_devices = 256;                        // devices announced to Home Assistant
};

struct ExportConfig {
    std::string prometheus_listen;        // GET /metrics there; "": off
    size_t prometheus_max_devices = 256;  // devices with series of their own (spin_device_*)
    IpfixConfig ipfix;
    MqttConfig mqtt;
};

// Reads `export:` (its keys checked; ConfigError says which is wrong).
void read_export_config(const config::At& at, ExportConfig& out);

}  // namespace spin::controller
