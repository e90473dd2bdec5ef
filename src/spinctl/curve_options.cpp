#include "spinctl/curve_options.h"

#include <exception>

#include "transport/curve.h"

namespace po = boost::program_options;

namespace spin::spinctl {

void add_curve_options(po::options_description& opts) {
    opts.add_options()("server-key", po::value<std::string>()->value_name("KEY|FILE"),
                       "the agent's CURVE public key (Z85, or a .pub file); with --key")(
        "key", po::value<std::string>()->value_name("FILE"),
        "our CURVE secret key file (spinctl keygen); with --server-key");
}

std::string apply_curve_options(const po::variables_map& vm, zmq::socket_t& socket) {
    const bool server = vm.count("server-key") != 0, own = vm.count("key") != 0;
    if (server != own) return "--server-key and --key go together";
    if (!server) return {};
    try {
        const auto keys = transport::load_secret_key(vm["key"].as<std::string>());
        transport::make_curve_client(socket, keys, transport::load_public_key(vm["server-key"].as<std::string>()));
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

}  // namespace spin::spinctl
