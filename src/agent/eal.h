// RAII over the DPDK environment (EAL): arguments built from the configuration,
// rte_eal_init on construction, rte_eal_cleanup on destruction.
#pragma once

#include <string>
#include <vector>

#include "agent/agent_config.h"

namespace spin::agent {

// The EAL command line for a configuration (program name first).  Defaults
// suit a machine without hugepages and let several agents run side by side.
std::vector<std::string> eal_arguments(const AgentConfig& config);

class Eal {
public:
    explicit Eal(const std::vector<std::string>& args);  // throws std::runtime_error
    ~Eal();
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;
};

// True for a PCI address such as 0000:01:00.0 or 01:00.0.
bool is_pci_address(const std::string& port);
// The ethdev name of a port string: the PCI address, or a vdev's driver name.
std::string port_device_name(const std::string& port);

}  // namespace spin::agent
