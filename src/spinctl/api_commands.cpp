// spinctl devices / device / traffic / destinations / events / block /
// unblock / blocks: the controller API (docs/api.md) for people and scripts.
#include <functional>
#include <iostream>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "spinctl/api_client.h"
#include "spinctl/api_command.h"
#include "spinctl/command_line.h"
#include "spinctl/commands.h"
#include "spinctl/table.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

namespace {

void print_block(const json& b) {
    std::string what = str(b, "type");
    if (b.contains("remote")) what += " " + str(b, "remote");
    if (b.contains("domain")) what += " " + str(b, "domain");
    std::cout << fmt::format(
        "block {}: {} {}{}{}\n", str(b, "id"), str(b, "mac"), what,
        b.value("expires", json()).is_number() ? ", until " + utc_time(b["expires"].get<double>()) + " UTC" : "",
        b.value("active", true) ? "" : " (removed: " + str(b, "removed_reason") + ")");
    Table t({"AGENT", "STATE", "RULE", "ERROR"});
    if (b.contains("agents") && b["agents"].is_array())
        for (const auto& a : b["agents"]) t.add({str(a, "agent"), str(a, "state"), str(a, "rule_id"), str(a, "error")});
    if (t.size() != 0) t.print(std::cout);
}

// 0 when every agent ordered acknowledged, 1 otherwise.
int block_status(const json& b) {
    if (!b.contains("agents") || !b["agents"].is_array() || b["agents"].empty()) return 1;
    for (const auto& a : b["agents"])
        if (str(a, "state") != "acknowledged") return 1;
    return 0;
}

}  // namespace

int devices(int argc, char** argv) {
    return run_api_command("devices", "[options]", "List the devices of the home the controller knows.", nullptr, argc,
                           argv, nullptr, [](ApiClient& api, const po::variables_map&, bool as_json) {
                               const json body = ok(api.get("/api/v1/devices"));
                               if (as_json) return print_json(body), 0;
                               Table t({"MAC", "NAME", "VENDOR", "ADDRESSES", "LAST SEEN (UTC)", "AGENTS"});
                               for (const auto& d : body["devices"]) {
                                   std::string name = str(d, "name");
                                   if (name.empty()) name = str(d, "hostname");
                                   if (name.empty()) name = joined(d.value("mdns_names", json::array()), 1);
                                   std::string vendor = str(d, "vendor");
                                   if (vendor.empty()) vendor = "(" + str(d, "vendor_kind") + ")";
                                   t.add({str(d, "mac"), name.empty() ? "-" : name, vendor, joined(d["ips"], 2),
                                          utc_time(d.value("last_seen", 0.0)), joined(d["agents"])});
                               }
                               t.print(std::cout);
                               return 0;
                           });
}

int device(int argc, char** argv) {
    return run_api_command(
        "device", "MAC [options]", "Everything the controller knows of one device.", "mac", argc, argv, nullptr,
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            const json d = ok(api.get("/api/v1/devices/" + vm["mac"].as<std::string>()));
            if (as_json) return print_json(d), 0;
            for (const char* key : {"mac", "name", "notes", "hostname", "vendor", "vendor_kind", "vendor_class",
                                    "dhcp_fingerprint", "client_id", "mud_url", "duid", "fqdn", "lldp_system_name"})
                if (!str(d, key).empty()) std::cout << fmt::format("{:17} {}\n", key, str(d, key));
            std::cout << fmt::format("{:17} {}\n{:17} {}\n", "first_seen",
                                     utc_time(d.value("first_seen", 0.0)) + " UTC", "last_seen",
                                     utc_time(d.value("last_seen", 0.0)) + " UTC");
            std::cout << fmt::format("{:17} {}\n", "agents", joined(d["agents"], 100));
            for (const char* key : {"mdns_names", "services"})
                if (d.contains(key) && !d[key].empty())
                    std::cout << fmt::format("{:17} {}\n", key, joined(d[key], 100));
            Table t({"ADDRESS", "FIRST SEEN (UTC)", "LAST SEEN (UTC)", "LEARNT FROM"});
            for (const auto& a : d["addresses"])
                t.add({str(a, "ip"), utc_time(a.value("first_seen", 0.0)), utc_time(a.value("last_seen", 0.0)),
                       joined(a["via"], 10)});
            std::cout << "\n";
            t.print(std::cout);
            return 0;
        });
}

int traffic(int argc, char** argv) {
    return run_api_command(
        "traffic", "MAC [options]", "A device's traffic over time (default: the last day of data).", "mac", argc, argv,
        [](po::options_description& o) {
            time_options(o);
            o.add_options()("step", po::value<int64_t>()->value_name("SECONDS"), "bucket size, a multiple of 60");
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            const json body = ok(api.get("/api/v1/devices/" + vm["mac"].as<std::string>() + "/traffic",
                                         params(vm, {"from", "to", "step"})));
            if (as_json) return print_json(body), 0;
            Table t({"TIME (UTC)", "PKTS OUT", "BYTES OUT", "PKTS IN", "BYTES IN", "FLOWS", "BLOCKED"});
            for (const auto& p : body["series"])
                if (num(p, "pkts_out") + num(p, "pkts_in") + num(p, "blocked_pkts") != 0)
                    t.add({utc_time(p.value("time", 0.0)), std::to_string(num(p, "pkts_out")),
                           human_bytes(num(p, "bytes_out")), std::to_string(num(p, "pkts_in")),
                           human_bytes(num(p, "bytes_in")), std::to_string(num(p, "flows")),
                           std::to_string(num(p, "blocked_pkts"))});
            std::cout << fmt::format("{} from {} to {} UTC, {} s steps ({} buckets); quiet steps left out\n",
                                     str(body, "mac"), utc_time(body.value("from", 0.0)),
                                     utc_time(body.value("to", 0.0)), str(body, "step"), str(body, "level"));
            t.print(std::cout);
            return 0;
        });
}

int destinations(int argc, char** argv) {
    return run_api_command(
        "destinations", "MAC [options]", "Whom a device talked to, with the names it resolved (default: all time).",
        "mac", argc, argv, time_options, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            const json body = ok(api.get("/api/v1/devices/" + vm["mac"].as<std::string>() + "/destinations",
                                         params(vm, {"from", "to"})));
            if (as_json) return print_json(body), 0;
            Table t({"REMOTE", "NAMES", "PROTO", "PORT", "PKTS OUT", "BYTES OUT", "PKTS IN", "BYTES IN", "BLOCKED"});
            for (const auto& d : body["destinations"]) {
                const int64_t p = d.value("proto", int64_t{0});
                t.add({str(d, "remote_ip"), joined(d["names"], 2), *proto_name(p) ? proto_name(p) : std::to_string(p),
                       str(d, "remote_port"), std::to_string(num(d, "pkts_out")), human_bytes(num(d, "bytes_out")),
                       std::to_string(num(d, "pkts_in")), human_bytes(num(d, "bytes_in")),
                       std::to_string(num(d, "blocked_pkts"))});
            }
            t.print(std::cout);
            return 0;
        });
}

int api_events(int argc, char** argv) {
    return run_api_command(
        "events", "[options]",
        "The controller's event log: new devices and destinations, changes, blocks, agents.\n"
        "(With --connect ENDPOINT, 'spinctl events' prints an agent's own event stream instead.)",
        nullptr, argc, argv,
        [](po::options_description& o) {
            time_options(o);
            o.add_options()("device", po::value<std::string>()->value_name("MAC"), "only events about this device")(
                "type", po::value<std::string>()->value_name("TYPE"), "only this type (device_new, block, ...)")(
                "limit", po::value<int64_t>()->value_name("N"), "at most N events (default 1000)");
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            const json body = ok(api.get("/api/v1/events", params(vm, {"from", "to", "device", "type", "limit"})));
            if (as_json) return print_json(body), 0;
            Table t({"ID", "TIME (UTC)", "TYPE", "DEVICE", "AGENT", "DETAILS"});
            for (const auto& e : body["events"]) {
                json details = e;
                for (const char* k : {"id", "time", "type", "device", "agent"}) details.erase(k);
                t.add({str(e, "id"), utc_time(e.value("time", 0.0)), str(e, "type"), str(e, "device"), str(e, "agent"),
                       details.empty() ? "" : details.dump(-1, ' ', false, json::error_handler_t::replace)});
            }
            t.print(std::cout);
            return 0;
        });
}

int block(int argc, char** argv) {
    return run_api_command(
        "block", "MAC [--remote PREFIX | --domain NAME] [options]",
        "Block a device: quarantine it (default), or block it from a remote address / prefix or a DNS\n"
        "name.  Exits 0 when every agent that sees the device acknowledged, 1 otherwise.",
        "mac", argc, argv,
        [](po::options_description& o) {
            o.add_options()("remote", po::value<std::string>()->value_name("PREFIX"),
                            "block only this address or prefix")("domain", po::value<std::string>()->value_name("NAME"),
                                                                 "block only this DNS name (or *.name)")(
                "expires", po::value<std::string>()->value_name("TIME"), "lift the block at this time")(
                "duration", po::value<double>()->value_name("SECONDS"), "lift the block after this long")(
                "reason", po::value<std::string>()->value_name("TEXT"), "why, for the event log");
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            json body = {{"mac", vm["mac"].as<std::string>()}, {"type", "quarantine"}};
            if (vm.count("remote") && vm.count("domain")) throw ApiCallError("give --remote or --domain, not both");
            if (vm.count("remote")) body["type"] = "device_remote", body["remote"] = vm["remote"].as<std::string>();
            if (vm.count("domain")) body["type"] = "device_name", body["domain"] = vm["domain"].as<std::string>();
            if (vm.count("expires")) body["expires"] = vm["expires"].as<std::string>();
            if (vm.count("duration")) body["duration"] = vm["duration"].as<double>();
            if (vm.count("reason")) body["reason"] = vm["reason"].as<std::string>();
            const json b = ok(api.send("POST", "/api/v1/blocks", body));
            if (as_json)
                print_json(b);
            else
                print_block(b);
            return block_status(b);
        });
}

int unblock(int argc, char** argv) {
    return run_api_command("unblock", "ID [options]", "Remove a block (its id from 'spinctl blocks').", "id", argc,
                           argv, nullptr, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
                               const json b =
                                   ok(api.send("DELETE", "/api/v1/blocks/" + vm["id"].as<std::string>(), nullptr));
                               if (as_json)
                                   print_json(b);
                               else
                                   print_block(b);
                               return block_status(b);
                           });
}

int blocks(int argc, char** argv) {
    return run_api_command(
        "blocks", "[options]", "The blocks in force, and each agent's acknowledgement.", nullptr, argc, argv,
        [](po::options_description& o) { o.add_options()("all", "also removed blocks"); },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            std::map<std::string, std::string> p;
            if (vm.count("all")) p["all"] = "true";
            const json body = ok(api.get("/api/v1/blocks", p));
            if (as_json) return print_json(body), 0;
            Table t({"ID", "DEVICE", "TYPE", "TARGET", "CREATED (UTC)", "EXPIRES (UTC)", "ACTIVE", "AGENTS"});
            for (const auto& b : body["blocks"]) {
                std::string agents;
                for (const auto& a : b["agents"])
                    agents += (agents.empty() ? "" : ", ") + str(a, "agent") + " " + str(a, "state");
                t.add({str(b, "id"), str(b, "mac"), str(b, "type"), str(b, "remote") + str(b, "domain"),
                       utc_time(b.value("created", 0.0)),
                       b["expires"].is_number() ? utc_time(b["expires"].get<double>()) : "-",
                       b.value("active", false) ? "yes" : "no", agents});
            }
            t.print(std::cout);
            return 0;
        });
}

}  // namespace spin::spinctl
