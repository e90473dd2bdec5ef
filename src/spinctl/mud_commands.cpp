// spinctl mud SUBCOMMAND: MUD files.  `validate` and `verify` read local
// files and need neither a controller nor an agent; the others speak to the
// controller's API (mud_api_commands.cpp).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "mud/parser.h"
#include "mud/signature.h"
#include "spinctl/command_line.h"
#include "spinctl/commands.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

namespace {

const char* kMudUsage =
    "Usage: spinctl mud SUBCOMMAND [options]\n\n"
    "Subcommands:\n"
    "  validate FILE [--strict] [--json]   is FILE a MUD file SPIN can enforce; its dialect, URL,\n"
    "                                      ACL and ACE counts, warnings and errors\n"
    "  verify FILE --signature P7S --ca PEM [--ignore-time]\n"
    "                                      is P7S a good detached CMS signature of FILE by a\n"
    "                                      certificate that chains to PEM\n"
    "Over the controller API (--url, --token as for 'spinctl devices'):\n"
    "  list                                every device with a profile, its mode and verdict\n"
    "  assign MAC (--mud-url URL | --file FILE) [--mode MODE]\n"
    "                                      hold a device to a profile\n"
    "  show MAC                            its conformance: violations, packets per ACE\n"
    "  mode MAC MODE                       monitor, enforce or quarantine-on-violation\n"
    "  accept MAC                          take the new URL the device announced\n"
    "  remove MAC                          forget its profile, lift its policy\n"
    "  learn MAC [--from T] [--to T] [--out FILE]\n"
    "                                      a MUD file made from what the device did\n"
    "  diff MAC [--from T] [--to T]        what it did that its profile does not declare, and\n"
    "                                      the entries it never used\n";

}  // namespace

// Large enough for any MUD file seen (the biggest shared one is 95 kB).
constexpr size_t kMaxFile = 16u << 20;

bool read_mud_file(const std::string& path, std::string& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path;
        return false;
    }
    std::ostringstream s;
    s << in.rdbuf();
    out = s.str();
    if (out.size() > kMaxFile) {
        error = fmt::format("{} is larger than {} MiB", path, kMaxFile >> 20);
        return false;
    }
    return true;
}

namespace {

int validate(int argc, char** argv) {
    po::options_description opts(
        "Usage: spinctl mud validate FILE [--strict] [--json]\n\n"
        "Reads a MUD file (RFC 8520, the pre-RFC dialect MUDgee writes, or the early\n"
        "drafts' layout) and says whether SPIN can enforce it.  Exit status 0 when\n"
        "valid, 1 when not, 2 on a usage error or an unreadable file.\n\nOptions");
    opts.add_options()("help,h", "print this help")("file", po::value<std::string>()->value_name("FILE"),
                                                    "the MUD file")(
        "strict", "tolerated departures from RFC 8520 (dialects, unknown leaves and URNs) are errors")(
        "json", "one JSON object: valid, dialect, mud_url, acls, aces, warnings, errors");
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm;
    if (int rc = parse_command_line("mud validate", argc, argv, opts, vm, "FILE", &pos); rc >= 0) return rc;
    const std::string path = vm["file"].as<std::string>();
    std::string text, error;
    if (!read_mud_file(path, text, error)) {
        std::cerr << "spinctl mud validate: " << error << "\n";
        return 2;
    }
    const mud::ParseResult r = mud::parse(text, {.strict = vm.count("strict") != 0});
    const size_t acls = r.profile ? r.profile->acls.size() : 0;
    const size_t aces = r.profile ? r.profile->ace_count() : 0;
    const std::string url = r.profile ? r.profile->mud_url : "";
    if (vm.count("json")) {
        json out = {{"file", path},
                    {"valid", r.valid()},
                    {"strict", vm.count("strict") != 0},
                    {"dialect", mud::to_string(r.dialect)},
                    {"mud_url", url},
                    {"acls", acls},
                    {"aces", aces},
                    {"warnings", json::array()},
                    {"errors", json::array()}};
        for (const auto& w : r.warnings) out["warnings"].push_back(w.to_string());
        for (const auto& e : r.errors) out["errors"].push_back(e.to_string());
        std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
        std::cout << fmt::format("{}: {} ({}), {}, {} ACLs, {} ACEs\n", path, r.valid() ? "valid" : "invalid",
                                 mud::to_string(r.dialect), url.empty() ? "no MUD URL" : url, acls, aces);
        for (const auto& e : r.errors) std::cout << "error " << e.to_string() << "\n";
        for (const auto& w : r.warnings) std::cout << "warning " << w.to_string() << "\n";
    }
    return r.valid() ? 0 : 1;
}

int verify(int argc, char** argv) {
    po::options_description opts(
        "Usage: spinctl mud verify FILE --signature P7S --ca PEM [--ignore-time]\n\n"
        "Checks the detached CMS signature of a MUD file against trust anchors.\n"
        "Exit status 0 when the signature is good, 1 when not (with the reason), 2 on\n"
        "a usage error or an unreadable file.\n\nOptions");
    opts.add_options()("help,h", "print this help")("file", po::value<std::string>()->value_name("FILE"),
                                                    "the MUD file, as served")(
        "signature", po::value<std::string>()->value_name("P7S"), "its signature (DER, as served; PEM also read)")(
        "ca", po::value<std::vector<std::string>>()->value_name("PEM"), "trust anchors (PEM; repeat for several)")(
        "ignore-time", "accept certificates outside their validity period")("json", "one JSON object");
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm;
    if (int rc = parse_command_line("mud verify", argc, argv, opts, vm, "FILE", &pos); rc >= 0) return rc;
    if (!vm.count("signature") || !vm.count("ca")) {
        std::cerr << "spinctl mud verify: --signature P7S and --ca PEM are required\n";
        return 2;
    }
    std::string content, signature, error;
    std::vector<std::string> anchors;
    bool read = read_mud_file(vm["file"].as<std::string>(), content, error) &&
                read_mud_file(vm["signature"].as<std::string>(), signature, error);
    for (const auto& ca : vm["ca"].as<std::vector<std::string>>()) {
        if (!read) break;
        read = read_mud_file(ca, anchors.emplace_back(), error);
    }
    if (!read) {
        std::cerr << "spinctl mud verify: " << error << "\n";
        return 2;
    }
    const auto check =
        mud::verify_signature(content, signature, anchors, {.ignore_time = vm.count("ignore-time") != 0});
    if (vm.count("json")) {
        json out = {{"ok", check.ok}, {"reason", check.reason}};
        if (check.ok)
            out.update({{"signer", check.signer}, {"issuer", check.signer_issuer}, {"sha256", check.signer_sha256}});
        std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    } else if (check.ok) {
        std::cout << fmt::format("good signature by {} (issuer {}, sha256 {}){}\n", check.signer, check.signer_issuer,
                                 check.signer_sha256, vm.count("ignore-time") ? ", validity periods ignored" : "");
    } else {
        std::cout << "bad signature: " << check.reason << "\n";
    }
    return check.ok ? 0 : 1;
}

}  // namespace

int mud(int argc, char** argv) {
    const std::string sub = argc >= 2 ? argv[1] : "";
    if (sub.empty() || sub == "--help" || sub == "-h") {
        (sub.empty() ? std::cerr : std::cout)
            << kMudUsage << "\nRun 'spinctl mud SUBCOMMAND --help' for the options.\n";
        return sub.empty() ? 2 : 0;
    }
    if (sub == "validate") return validate(argc - 1, argv + 1);
    if (sub == "verify") return verify(argc - 1, argv + 1);
    using Sub = int (*)(int, char**);
    static const std::pair<const char*, Sub> kApi[] = {
        {"list", mud_list},     {"assign", mud_assign}, {"show", mud_show},   {"mode", mud_mode},
        {"accept", mud_accept}, {"remove", mud_remove}, {"learn", mud_learn}, {"diff", mud_diff}};
    for (const auto& [name, run] : kApi)
        if (sub == name) return run(argc - 1, argv + 1);
    std::cerr << "spinctl mud: unknown subcommand '" << sub << "'\n" << kMudUsage;
    return 2;
}

}  // namespace spin::spinctl
