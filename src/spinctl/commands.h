// spinctl's commands, one function each; argv[0] is the command name.
#pragma once

namespace spin::spinctl {

int digests(int argc, char** argv);
int events(int argc, char** argv);
int agent(int argc, char** argv);
int keygen(int argc, char** argv);
// The controller API (api_commands.cpp).
int devices(int argc, char** argv);
int device(int argc, char** argv);
int traffic(int argc, char** argv);
int destinations(int argc, char** argv);
int api_events(int argc, char** argv);
int block(int argc, char** argv);
int unblock(int argc, char** argv);
int blocks(int argc, char** argv);

}  // namespace spin::spinctl
