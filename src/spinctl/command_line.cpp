#include "spinctl/command_line.h"

#include <cctype>
#include <iostream>

namespace po = boost::program_options;

namespace spin::spinctl {

int parse_command_line(const std::string& command, int argc, char** argv, const po::options_description& opts,
                       po::variables_map& vm, const std::string& required,
                       const po::positional_options_description* positional) {
    try {
        po::command_line_parser parser(argc, argv);
        parser.options(opts);
        if (positional != nullptr) parser.positional(*positional);
        po::store(parser.run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "spinctl " << command << ": " << e.what() << "\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    if (required.empty()) return -1;
    // "--connect ENDPOINT" -> the option "connect"; "MAC" -> the positional "mac"
    std::string name = required.rfind("--", 0) == 0 ? required.substr(2, required.find(' ') - 2) : required;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!vm.count(name)) {
        std::cerr << "spinctl " << command << ": " << required << " is required\n";
        return 2;
    }
    return -1;
}

}  // namespace spin::spinctl
