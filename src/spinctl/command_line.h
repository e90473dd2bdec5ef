// The command-line handling every spinctl command shares.
#pragma once

#include <string>

#include <boost/program_options.hpp>

namespace spin::spinctl {

// Parses argv with `opts` (and `positional`, if given).  Returns 0 after
// printing the help (--help), 2 after printing a usage error that names
// `command` (also when `required`, e.g. "--connect ENDPOINT" or "MAC", is
// missing; "" requires nothing), and -1 when the command should go on.
int parse_command_line(const std::string& command, int argc, char** argv,
                       const boost::program_options::options_description& opts,
                       boost::program_options::variables_map& vm, const std::string& required,
                       const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace spin::spinctl
