// spinctl's commands, one function each; argv[0] is the command name.  The
// list of them, with what each does, is kCommands in main.cpp.
#pragma once

#include <string>
#include <string_view>

namespace spin::spinctl {

struct Command {
    enum Part { api, agent, local };  // whom it speaks to: the controller API, an agent, or nobody
    std::string_view name;
    const char* summary;
    Part part;
    int (*run)(int argc, char** argv);  // null: a usage line only (another entry runs it)
};

int digests(int argc, char** argv);
int events(int argc, char** argv);
int agent(int argc, char** argv);
int keygen(int argc, char** argv);
// `events`: an agent's stream with --connect, the controller's log otherwise.
int events_any(int argc, char** argv);
// The controller API (api_commands.cpp).
int devices(int argc, char** argv);
int device(int argc, char** argv);
int traffic(int argc, char** argv);
int destinations(int argc, char** argv);
int api_events(int argc, char** argv);
int block(int argc, char** argv);
int unblock(int argc, char** argv);
int blocks(int argc, char** argv);
// The reverse firewall over the controller API (response_commands.cpp).
int alerts(int argc, char** argv);
int decisions(int argc, char** argv);
int stages(int argc, char** argv);
int overrides(int argc, char** argv);
int allow(int argc, char** argv);
int pin(int argc, char** argv);
int unoverride(int argc, char** argv);
// MUD files (mud_commands.cpp): validate and verify locally, the rest over the API.
int mud(int argc, char** argv);
// A MUD file's bytes (at most 16 MiB); false and why in `error` if it cannot be read.
bool read_mud_file(const std::string& path, std::string& out, std::string& error);
// MUD over the controller API (mud_api_commands.cpp).
int mud_list(int argc, char** argv);
int mud_assign(int argc, char** argv);
int mud_show(int argc, char** argv);
int mud_mode(int argc, char** argv);
int mud_accept(int argc, char** argv);
int mud_remove(int argc, char** argv);
int mud_learn(int argc, char** argv);
int mud_diff(int argc, char** argv);

}  // namespace spin::spinctl
