// spinctl mud list / assign / show / mode / accept / remove / learn / diff: the MUD routes
// of the controller API (docs/api.md, "MUD").
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "spinctl/api_command.h"
#include "spinctl/command_line.h"
#include "spinctl/commands.h"
#include "spinctl/table.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

namespace {

std::string mud_path(const po::variables_map& vm) { return "/api/v1/devices/" + vm["mac"].as<std::string>() + "/mud"; }

std::string time_or_dash(const json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? utc_time(j[key].get<double>()) + " UTC" : "-";
}

void print_summary(const json& m) {
    const json sig = m.value("signature", json::object());
    std::cout << fmt::format("{}: {} ({})\n", str(m, "device"), str(m, "verdict"),
                             m.contains("url") && !m["url"].is_null() ? str(m, "url") : "no profile");
    std::cout << fmt::format("  source {}, mode {}", str(m, "source"), str(m, "mode"));
    if (str(m, "effective_mode") != str(m, "mode") && !str(m, "effective_mode").empty())
        std::cout << fmt::format(" (in force: {})", str(m, "effective_mode"));
    std::cout << "\n";
    if (!str(m, "mode_note").empty()) std::cout << "  " << str(m, "mode_note") << "\n";
    std::cout << "  signature " << str(sig, "state");
    if (!str(sig, "signer").empty()) std::cout << " by " << str(sig, "signer");
    if (!str(sig, "reason").empty()) std::cout << " (" << str(sig, "reason") << ")";
    std::cout << "\n";
    std::cout << fmt::format("  fetched {}, expires {}\n", time_or_dash(m, "fetched"), time_or_dash(m, "expires"));
    if (!str(m, "error").empty()) std::cout << "  error: " << str(m, "error") << "\n";
    if (!str(m, "pending_url").empty())
        std::cout << "  announces " << str(m, "pending_url") << ": 'spinctl mud accept' to take it\n";
}

void print_conformance(const json& m) {
    print_summary(m);
    for (const auto& n : m.value("notes", json::array())) std::cout << "  note: " << n.get<std::string>() << "\n";
    if (m.contains("profile") && m["profile"].is_object())
        std::cout << fmt::format(
            "  profile {} ACLs, {} ACEs{}\n", str(m["profile"], "acls"), str(m["profile"], "aces"),
            m.contains("policy")
                ? fmt::format(", block {} with {} entries", str(m["policy"], "block"), str(m["policy"], "entries"))
                : std::string());
    Table v({"DIRECTION", "REMOTE", "NAMES", "PROTO", "PORT", "PKTS", "DROPPED", "FIRST", "LAST"});
    for (const auto& x : m.value("violations", json::array()))
        v.add({str(x, "direction"), str(x, "remote_ip"), joined(x.value("names", json::array())),
               proto_name(x.value("proto", 0)) + std::string(proto_name(x.value("proto", 0))[0] ? "" : str(x, "proto")),
               str(x, str(x, "direction") == "in" ? "device_port" : "remote_port"), str(x, "pkts"),
               str(x, "dropped_pkts"), time_or_dash(x, "first"), time_or_dash(x, "last")});
    if (v.size() != 0) {
        std::cout << "\nViolations\n";
        v.print(std::cout);
    }
    Table a({"ACL", "ACE", "PKTS", "BYTES"});
    for (const auto& x : m.value("aces", json::array()))
        a.add({str(x, "acl"), str(x, "name"), str(x, "pkts"), str(x, "bytes")});
    if (a.size() != 0) {
        std::cout << "\nEntries\n";
        a.print(std::cout);
    }
}

int print(const json& body, bool as_json, void (*text)(const json&)) {
    if (as_json)
        print_json(body);
    else
        text(body);
    return 0;
}

}  // namespace

int mud_list(int argc, char** argv) {
    return run_api_command("mud list", "[options]", "Every device with a MUD profile, its mode and verdict.", nullptr,
                           argc, argv, nullptr, [](ApiClient& api, const po::variables_map&, bool as_json) {
                               const json body = ok(api.get("/api/v1/mud"));
                               if (as_json) return print_json(body), 0;
                               Table t({"DEVICE", "VERDICT", "MODE", "SIGNATURE", "URL"});
                               for (const auto& m : body.value("devices", json::array()))
                                   t.add({str(m, "device"), str(m, "verdict"), str(m, "effective_mode"),
                                          str(m.value("signature", json::object()), "state"), str(m, "url")});
                               t.print(std::cout);
                               return 0;
                           });
}

int mud_assign(int argc, char** argv) {
    return run_api_command(
        "mud assign", "MAC (--mud-url URL | --file FILE) [--mode MODE] [options]",
        "Hold a device to a MUD profile: fetched from an https:// URL (signed, as mud.unsigned\n"
        "says), or a file given directly (your own decision: enforceable unsigned).",
        "mac", argc, argv,
        [](po::options_description& o) {
            o.add_options()("mud-url", po::value<std::string>()->value_name("URL"), "the profile's https:// URL")(
                "file", po::value<std::string>()->value_name("FILE"), "a MUD file")(
                "mode", po::value<std::string>()->value_name("MODE"), "monitor, enforce or quarantine-on-violation");
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            if (vm.count("mud-url") == vm.count("file")) throw ApiCallError("give --mud-url or --file");
            json body = json::object();
            if (vm.count("mud-url")) body["url"] = vm["mud-url"].as<std::string>();
            if (vm.count("file")) {
                std::string text, error;
                if (!read_mud_file(vm["file"].as<std::string>(), text, error)) throw ApiCallError(error);
                body["profile"] = text;  // the text itself: the controller reads it byte for byte
            }
            if (vm.count("mode")) body["mode"] = vm["mode"].as<std::string>();
            const ApiResponse r = api.send("PUT", mud_path(vm), body);
            if (r.status == 422 && !as_json && r.body.contains("errors"))
                for (const auto& e : r.body["errors"]) std::cerr << "error " << e.get<std::string>() << "\n";
            return print(ok(r), as_json, print_summary);
        });
}

int mud_show(int argc, char** argv) {
    return run_api_command("mud show", "MAC [options]",
                           "A device's MUD conformance: its profile, signature, mode, verdict, violations and the\n"
                           "packets each entry (ACE) allowed.",
                           "mac", argc, argv, nullptr, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
                               return print(ok(api.get(mud_path(vm))), as_json, print_conformance);
                           });
}

int mud_mode(int argc, char** argv) {
    return run_api_command("mud mode", "MAC MODE [options]",
                           "Set a device's MUD mode: monitor, enforce or quarantine-on-violation.", "mac mode", argc,
                           argv, nullptr, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
                               const json body = {{"mode", vm["mode"].as<std::string>()}};
                               return print(ok(api.send("PATCH", mud_path(vm), body)), as_json, print_summary);
                           });
}

int mud_accept(int argc, char** argv) {
    return run_api_command(
        "mud accept", "MAC [options]", "Take the MUD URL a device announced after it had a profile (mud_url_changed).",
        "mac", argc, argv, nullptr, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            return print(ok(api.send("POST", mud_path(vm) + "/accept", json::object())), as_json, print_summary);
        });
}

int mud_remove(int argc, char** argv) {
    return run_api_command("mud remove", "MAC [options]", "Forget a device's MUD profile and lift its policy.", "mac",
                           argc, argv, nullptr, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
                               const json body = ok(api.send("DELETE", mud_path(vm), nullptr));
                               if (as_json) return print_json(body), 0;
                               std::cout << str(body, "device") << ": MUD profile removed\n";
                               return 0;
                           });
}

}  // namespace spin::spinctl

namespace spin::spinctl {

int mud_learn(int argc, char** argv) {
    return run_api_command(
        "mud learn", "MAC [--from T] [--to T] [--out FILE] [options]",
        "A MUD file (RFC 8520) made from what the controller saw the device do (default: all\n"
        "time): to FILE, or to standard output.  Assign it back with 'spinctl mud assign --file'.",
        "mac", argc, argv,
        [](po::options_description& o) {
            time_options(o);
            o.add_options()("out", po::value<std::string>()->value_name("FILE"), "write the file here");
        },
        [](ApiClient& api, const po::variables_map& vm, bool) {
            const json body = ok(api.get(mud_path(vm) + "/learn", params(vm, {"from", "to"})));
            const std::string text = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
            if (!vm.count("out")) return std::cout << text, 0;
            const std::string path = vm["out"].as<std::string>();
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            if (!(out << text) || !out.flush()) throw ApiCallError(path + ": cannot write");
            size_t aces = 0;
            for (const auto& acl : body["ietf-access-control-list:acls"]["acl"]) aces += acl["aces"]["ace"].size();
            std::cerr << fmt::format("{}: {} ACEs learnt for {}\n", path, aces, vm["mac"].as<std::string>());
            return 0;
        });
}

int mud_diff(int argc, char** argv) {
    return run_api_command(
        "mud diff", "MAC [--from T] [--to T] [options]",
        "What the device did (default: all time) held against the profile it is held to: what\n"
        "its maker did not declare, and the entries it never used.",
        "mac", argc, argv, time_options, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            const json body = ok(api.get(mud_path(vm) + "/diff", params(vm, {"from", "to"})));
            if (as_json) return print_json(body), 0;
            std::cout << fmt::format("{} against {}: {} declared, {} undeclared, {} network services\n",
                                     str(body, "device"), str(body, "url"), str(body, "declared"),
                                     body.value("undeclared", json::array()).size(), str(body, "network_services"));
            Table u({"OPENED BY", "REMOTE", "NAMES", "PROTO", "PORT", "REFUSED", "FLOWS", "PKTS OUT", "PKTS IN"});
            for (const auto& x : body.value("undeclared", json::array())) {
                const int64_t p = x.value("proto", int64_t{0});
                const char* port = x.contains("icmp_type")     ? "icmp_type"
                                   : x.contains("device_port") ? "device_port"
                                                               : "remote_port";
                u.add({str(x, "opened_by"), str(x, "remote_ip"), joined(x.value("names", json::array())),
                       *proto_name(p) ? proto_name(p) : std::to_string(p), str(x, port), str(x, "refused"),
                       str(x, "flows"), str(x, "pkts_out"), str(x, "pkts_in")});
            }
            if (u.size() != 0) {
                std::cout << "\nNot declared by the profile\n";
                u.print(std::cout);
            }
            Table n({"ACL", "ACE"});
            for (const auto& x : body.value("unused", json::array())) n.add({str(x, "acl"), str(x, "ace")});
            if (n.size() != 0) {
                std::cout << "\nDeclared, never used\n";
                n.print(std::cout);
            }
            return 0;
        });
}

}  // namespace spin::spinctl
