// spinctl: the command-line client of SPIN's agents (and, later, controller).
#include <iostream>
#include <string>

#include "spinctl/commands.h"

namespace {
const char* kUsage =
    "Usage: spinctl COMMAND [options]\n\n"
    "Commands:\n"
    "  digests   print an agent's flow digests as JSON lines (one record per line)\n"
    "  events    print an agent's events (DHCP, DNS, ARP / ND, mDNS, SSDP, LLDP...) as JSON lines\n"
    "  agent     give an agent an order: block, unblock, rules, stats, ping\n"
    "  keygen    write a CURVE key pair\n\n"
    "Run 'spinctl COMMAND --help' for the options of a command.\n";
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    if (cmd == "digests") return spin::spinctl::digests(argc - 1, argv + 1);
    if (cmd == "events") return spin::spinctl::events(argc - 1, argv + 1);
    if (cmd == "agent") return spin::spinctl::agent(argc - 1, argv + 1);
    if (cmd == "keygen") return spin::spinctl::keygen(argc - 1, argv + 1);
    std::cerr << "spinctl: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
}
