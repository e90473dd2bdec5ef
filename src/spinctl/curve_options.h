// spinctl's CURVE options, shared by every command that talks to an agent:
// --server-key (the agent's public key) and --key (our secret key file).
#pragma once

#include <optional>
#include <string>

#include <boost/program_options.hpp>
#include <zmq.hpp>

namespace spin::spinctl {

void add_curve_options(boost::program_options::options_description& opts);
// Applies the options to a client socket.  Returns "" or what is wrong.
std::string apply_curve_options(const boost::program_options::variables_map& vm, zmq::socket_t& socket);

}  // namespace spin::spinctl
