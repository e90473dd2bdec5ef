// spinctl: the command-line client of SPIN's controller API and agents.
#include <iostream>
#include <string>

#include "spinctl/commands.h"

namespace {
const char* kUsage =
    "Usage: spinctl COMMAND [options]\n\n"
    "Commands of the controller API (--url, --token or SPIN_API_URL, SPIN_API_TOKEN):\n"
    "  devices       the devices of the home\n"
    "  device        one device in full\n"
    "  traffic       a device's traffic over time\n"
    "  destinations  whom a device talked to, with the names it resolved\n"
    "  events        the controller's event log (with --connect: an agent's event stream)\n"
    "  block         quarantine a device, or block it from an address / prefix / name\n"
    "  unblock       remove a block\n"
    "  blocks        the blocks in force\n\n"
    "Commands of an agent:\n"
    "  digests       print an agent's flow digests as JSON lines (one record per line)\n"
    "  events --connect ENDPOINT  print an agent's events as JSON lines\n"
    "  agent         give an agent an order: block, unblock, rules, stats, ping\n"
    "  keygen        write a CURVE key pair\n\n"
    "Run 'spinctl COMMAND --help' for the options of a command.\n";
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    if (cmd == "digests") return spin::spinctl::digests(argc - 1, argv + 1);
    if (cmd == "events") {
        // An agent's stream with --connect; the controller's log otherwise.
        for (int i = 2; i < argc; ++i)
            if (std::string(argv[i]).rfind("--connect", 0) == 0) return spin::spinctl::events(argc - 1, argv + 1);
        return spin::spinctl::api_events(argc - 1, argv + 1);
    }
    if (cmd == "devices") return spin::spinctl::devices(argc - 1, argv + 1);
    if (cmd == "device") return spin::spinctl::device(argc - 1, argv + 1);
    if (cmd == "traffic") return spin::spinctl::traffic(argc - 1, argv + 1);
    if (cmd == "destinations") return spin::spinctl::destinations(argc - 1, argv + 1);
    if (cmd == "block") return spin::spinctl::block(argc - 1, argv + 1);
    if (cmd == "unblock") return spin::spinctl::unblock(argc - 1, argv + 1);
    if (cmd == "blocks") return spin::spinctl::blocks(argc - 1, argv + 1);
    if (cmd == "agent") return spin::spinctl::agent(argc - 1, argv + 1);
    if (cmd == "keygen") return spin::spinctl::keygen(argc - 1, argv + 1);
    std::cerr << "spinctl: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
}
