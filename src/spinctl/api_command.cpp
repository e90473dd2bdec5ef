#include "spinctl/api_command.h"

#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "spinctl/command_line.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

int run_api_command(const char* name, const char* usage, const char* what, const char* positional, int argc,
                    char** argv, const std::function<void(po::options_description&)>& extra, const ApiBody& body) {
    po::options_description opts(fmt::format("Usage: spinctl {} {}\n\n{}\n\nOptions", name, usage, what));
    opts.add_options()("help,h", "print this help");
    // "mac mode": positional arguments in that order, each required.
    std::vector<std::string> names;
    for (std::istringstream in(positional != nullptr ? positional : ""); in;) {
        std::string n;
        if (in >> n) names.push_back(n);
    }
    po::positional_options_description pos;
    for (const std::string& n : names) {
        opts.add_options()(n.c_str(), po::value<std::string>(), "");
        pos.add(n.c_str(), 1);
    }
    if (extra) extra(opts);
    add_api_options(opts);
    po::variables_map vm;
    const auto upper = [](std::string n) {
        for (auto& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return n;
    };
    const std::string required = names.empty() ? "" : upper(names[0]);
    if (const int rc = parse_command_line(name, argc, argv, opts, vm, required, &pos); rc >= 0) return rc;
    for (const std::string& n : names)
        if (!vm.count(n)) {
            std::cerr << "spinctl " << name << ": " << upper(n) << " is required\n";
            return 2;
        }
    try {
        ApiClient client = api_client_from(vm);
        return body(client, vm, vm.count("json") != 0);
    } catch (const ApiCallError& e) {
        std::cerr << "spinctl " << name << ": " << e.what() << "\n";
        return 1;
    }
}

json ok(ApiResponse r) {
    if (r.status >= 200 && r.status < 300) return std::move(r.body);
    const std::string message = r.body.is_object() && r.body.contains("error") && r.body["error"].is_string()
                                    ? r.body["error"].get<std::string>()
                                    : r.body.dump();
    throw ApiCallError(fmt::format("{} (HTTP {})", message, r.status));
}

std::string str(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

uint64_t num(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string joined(const json& list, size_t max) {
    std::string out;
    size_t n = 0;
    if (!list.is_array()) return out;
    for (const auto& v : list) {
        if (n == max) return out + fmt::format(" +{}", list.size() - max);
        out += (n++ ? ", " : "") + (v.is_string() ? v.get<std::string>() : v.dump());
    }
    return out;
}

const char* proto_name(int64_t p) {
    return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmpv6" : "";
}

void print_json(const json& j) { std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n"; }

void time_options(po::options_description& opts) {
    opts.add_options()("from", po::value<std::string>()->value_name("TIME"),
                       "start: seconds since the epoch or ISO 8601 (e.g. 2016-09-22T10:00:00Z)")(
        "to", po::value<std::string>()->value_name("TIME"), "end, likewise");
}

std::map<std::string, std::string> params(const po::variables_map& vm, std::initializer_list<const char*> names) {
    std::map<std::string, std::string> out;
    for (const char* n : names)
        if (vm.count(n)) {
            const auto& v = vm[n].value();
            if (const auto* s = boost::any_cast<std::string>(&v))
                out[n] = *s;
            else if (const auto* i = boost::any_cast<int64_t>(&v))
                out[n] = std::to_string(*i);
            else if (const auto* b = boost::any_cast<bool>(&v))
                out[n] = *b ? "true" : "false";
        }
    return out;
}

}  // namespace spin::spinctl
