#include "agent/eal.h"

#include <sched.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>
#include <rte_eal.h>
#include <rte_errno.h>

namespace spin::agent {

bool is_pci_address(const std::string& port) {
    static const std::regex pci(R"(^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7](,.*)?$)");
    return std::regex_match(port, pci);
}

std::string port_device_name(const std::string& port) { return port.substr(0, port.find(',')); }

namespace {

std::vector<int> usable_cpus() {
    cpu_set_t set;
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int i = 0; i < CPU_SETSIZE; ++i)
            if (CPU_ISSET(i, &set)) cpus.push_back(i);
    if (cpus.empty()) cpus.push_back(0);
    return cpus;
}

uint32_t default_memory_mb(const AgentConfig& c) {
    // mbufs of 2 KiB data + headroom + header, the record rings, driver state.
    const uint64_t mbuf_bytes = uint64_t{c.mbufs} * 2560;
    const uint64_t ring_bytes = uint64_t{c.ring_size} * 2 * 128 * c.workers;
    const uint64_t slow_bytes = uint64_t{c.slow_pool} * 2560 + uint64_t{c.slow_ring_size} * 16 * c.workers;
    return static_cast<uint32_t>(64 + (mbuf_bytes + ring_bytes + slow_bytes) / (1 << 20) * 2);
}

}  // namespace

std::vector<std::string> eal_arguments(const AgentConfig& c) {
    std::vector<std::string> a{"spin-agent"};
    std::string prefix = c.file_prefix;
    if (prefix == "auto") {
        std::random_device rd;
        prefix = fmt::format("spin-{}-{:08x}", getpid(), rd());
    }
    a.push_back("--file-prefix=" + prefix);
    a.push_back("--no-shconf");
    if (!c.huge_pages) a.push_back("--no-huge");
    a.push_back(fmt::format("-m{}", c.memory_mb != 0 ? c.memory_mb : default_memory_mb(c)));
    // Lcore 0 is the main (control) lcore; 1..N are workers.  Lcore ids are
    // mapped onto the CPUs we may use so more workers than CPUs still start.
    const std::vector<int> cpus = c.cpus.empty() ? usable_cpus() : c.cpus;
    std::string lcores;
    for (uint32_t l = 0; l <= c.workers; ++l)
        lcores += fmt::format("{}{}@{}", l == 0 ? "" : ",", l, cpus[l % cpus.size()]);
    a.push_back("--lcores=" + lcores);
    a.push_back("--main-lcore=0");
    a.push_back("--log-level=" + (c.log_level.find(':') == std::string::npos ? "*:" + c.log_level : c.log_level));
    bool any_pci = false;
    for (const auto* port : {&c.lan, &c.wan}) {
        if (port->empty()) continue;
        if (is_pci_address(*port)) {
            any_pci = true;
            a.push_back("-a");
            a.push_back(*port);
        } else {
            a.push_back("--vdev=" + *port);
        }
    }
    if (!any_pci) a.push_back("--no-pci");
    a.insert(a.end(), c.eal_args.begin(), c.eal_args.end());
    return a;
}

Eal::Eal(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    std::vector<std::string> copy = args;  // rte_eal_init may permute argv
    for (auto& s : copy) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(copy.size()), argv.data()) < 0)
        throw std::runtime_error(fmt::format("cannot initialise DPDK (EAL): {}", rte_strerror(rte_errno)));
}

Eal::~Eal() { rte_eal_cleanup(); }

}  // namespace spin::agent
