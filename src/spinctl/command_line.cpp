#include "spinctl/command_line.h"

#include <iostream>

namespace po = boost::program_options;

namespace spin::spinctl {

int parse_command_line(const std::string& command, int argc, char** argv, const po::options_description& opts,
                       po::variables_map& vm, const std::string& required) {
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "spinctl " << command << ": " << e.what() << "\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    // "--connect ENDPOINT" -> the option "connect"
    const std::string name = required.substr(2, required.find(' ') - 2);
    if (!vm.count(name)) {
        std::cerr << "spinctl " << command << ": " << required << " is required\n";
        return 2;
    }
    return -1;
}

}  // namespace spin::spinctl
