// spinctl: the command-line client of SPIN's controller API and agents.
#include <iostream>
#include <string>
#include <string_view>

#include "spinctl/commands.h"

namespace {

using spin::spinctl::Command;

// Every command, once: the dispatch and the usage text both come from here.
const Command kCommands[] = {
    {"devices", "the devices of the home", Command::api, spin::spinctl::devices},
    {"device", "one device in full", Command::api, spin::spinctl::device},
    {"traffic", "a device's traffic over time", Command::api, spin::spinctl::traffic},
    {"destinations", "whom a device talked to, with the names it resolved", Command::api, spin::spinctl::destinations},
    {"events", "the controller's event log (with --connect: an agent's event stream)", Command::api,
     spin::spinctl::events_any},
    {"block", "quarantine a device, or block it from an address / prefix / name", Command::api, spin::spinctl::block},
    {"unblock", "remove a block", Command::api, spin::spinctl::unblock},
    {"blocks", "the blocks in force", Command::api, spin::spinctl::blocks},
    {"alerts", "what the detectors found, in sentences", Command::api, spin::spinctl::alerts},
    {"decisions", "what the reverse firewall did about it", Command::api, spin::spinctl::decisions},
    {"stages", "the devices the reverse firewall acts on, and why", Command::api, spin::spinctl::stages},
    {"overrides", "the overrides in force", Command::api, spin::spinctl::overrides},
    {"allow", "exempt a device from a detector (or all)", Command::api, spin::spinctl::allow},
    {"pin", "hold a device at a stage", Command::api, spin::spinctl::pin},
    {"unoverride", "delete an override", Command::api, spin::spinctl::unoverride},
    {"digests", "print an agent's flow digests as JSON lines (one record per line)", Command::agent,
     spin::spinctl::digests},
    {"events --connect ENDPOINT", "print an agent's events as JSON lines", Command::agent, nullptr},
    {"agent", "give an agent an order: block, unblock, rules, stats, ping", Command::agent, spin::spinctl::agent},
    {"keygen", "write a CURVE key pair", Command::agent, spin::spinctl::keygen},
    {"mud", "MUD: validate and verify files; assign, show, mode, accept, learn, diff over the API", Command::local,
     spin::spinctl::mud},
};

std::string usage() {
    std::string out = "Usage: spinctl COMMAND [options]\n\n";
    for (const auto part : {Command::api, Command::agent, Command::local}) {
        out += part == Command::api
                   ? "Commands of the controller API (--url, --token or SPIN_API_URL, SPIN_API_TOKEN):\n"
               : part == Command::agent ? "\nCommands of an agent:\n"
                                        : "\nCommands on local files:\n";
        for (const Command& c : kCommands) {
            if (c.part != part) continue;
            const std::string name(c.name);
            out += "  " + name + std::string(name.size() < 14 ? 14 - name.size() : 2, ' ') + c.summary + "\n";
        }
    }
    return out + "\nRun 'spinctl COMMAND --help' for the options of a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << usage();
        return argc < 2 ? 2 : 0;
    }
    const std::string_view cmd = argv[1];
    for (const Command& c : kCommands)
        if (c.run != nullptr && c.name == cmd) return c.run(argc - 1, argv + 1);
    std::cerr << "spinctl: unknown command '" << cmd << "'\n" << usage();
    return 2;
}
