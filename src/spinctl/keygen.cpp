// spinctl keygen: a CURVE key pair for an agent, a controller or spinctl.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>

#include "spinctl/command_line.h"
#include "spinctl/commands.h"
#include "transport/curve.h"

namespace po = boost::program_options;

namespace spin::spinctl {

int keygen(int argc, char** argv) {
    po::options_description opts(
        "Usage: spinctl keygen --out PREFIX\n\n"
        "Writes PREFIX.key (the secret key, mode 0600: give it to the agent's\n"
        "curve.secret_key_file or to spinctl --key) and PREFIX.pub (the public key:\n"
        "give it to the other side).  Keys are Z85 text, one line each.\n\nOptions");
    opts.add_options()("help,h", "print this help")("out", po::value<std::string>()->value_name("PREFIX"),
                                                    "where to write PREFIX.key and PREFIX.pub (required)")(
        "force", "overwrite existing files");
    po::variables_map vm;
    if (int rc = parse_command_line("keygen", argc, argv, opts, vm, "--out PREFIX"); rc >= 0) return rc;
    const std::string prefix = vm["out"].as<std::string>();
    const std::string sec_path = prefix + ".key", pub_path = prefix + ".pub";
    struct stat st;
    if (!vm.count("force") && (stat(sec_path.c_str(), &st) == 0 || stat(pub_path.c_str(), &st) == 0)) {
        std::cerr << "spinctl keygen: " << sec_path << " or " << pub_path << " exists (use --force to overwrite)\n";
        return 1;
    }
    transport::CurveKeyPair keys;
    try {
        keys = transport::generate_key_pair();
    } catch (const std::exception& e) {
        std::cerr << "spinctl keygen: " << e.what() << "\n";
        return 1;
    }
    // The secret file is created private before anything is written to it.
    const mode_t old = umask(077);
    std::FILE* f = std::fopen(sec_path.c_str(), "w");
    umask(old);
    if (f == nullptr || std::fprintf(f, "%s\n", keys.secret_key.c_str()) < 0 || std::fclose(f) != 0) {
        std::cerr << "spinctl keygen: cannot write " << sec_path << ": " << std::strerror(errno) << "\n";
        return 1;
    }
    chmod(sec_path.c_str(), 0600);
    std::ofstream pub(pub_path);
    pub << keys.public_key << "\n";
    if (!pub) {
        std::cerr << "spinctl keygen: cannot write " << pub_path << "\n";
        return 1;
    }
    std::cout << "secret key: " << sec_path << "\npublic key: " << pub_path << " (" << keys.public_key << ")\n";
    return 0;
}

}  // namespace spin::spinctl
