// spinctl's commands, one function each; argv[0] is the command name.
#pragma once

namespace spin::spinctl {

int digests(int argc, char** argv);
int events(int argc, char** argv);
int agent(int argc, char** argv);
int keygen(int argc, char** argv);

}  // namespace spin::spinctl
