// spinctl alerts / decisions / stages / overrides / allow / pin / unoverride:
// the reverse firewall over the controller API (docs/api.md, "Events" and
// "Overrides"; docs/detection.md).
#include <iostream>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "spinctl/api_command.h"
#include "spinctl/commands.h"
#include "spinctl/table.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

namespace {

// alerts and decisions: the same table of one event type.
int findings(const char* name, const char* type, const char* what, int argc, char** argv) {
    return run_api_command(
        name, "[options]", what, nullptr, argc, argv,
        [](po::options_description& o) {
            time_options(o);
            o.add_options()("device", po::value<std::string>()->value_name("MAC"), "only this device")(
                "limit", po::value<int64_t>()->value_name("N"), "at most N (default 1000)");
        },
        [type](ApiClient& api, const po::variables_map& vm, bool as_json) {
            auto p = params(vm, {"from", "to", "device", "limit"});
            p["type"] = type;
            const json body = ok(api.get("/api/v1/events", p));
            if (as_json) return print_json(body), 0;
            for (const auto& e : body["events"])
                std::cout << fmt::format("{} UTC  {}  {} ({}): {}\n", utc_time(e.value("time", 0.0)), str(e, "device"),
                                         str(e, "detector"), str(e, "stage"), str(e, "message"));
            return 0;
        });
}

void print_override(const json& o) {
    std::cout << fmt::format("override {}: {} {} {}{}{}\n", str(o, "id"), str(o, "device"), str(o, "action"),
                             str(o, "action") == "pin" ? str(o, "stage") : "detector " + str(o, "detector"),
                             o.contains("expires") && o["expires"].is_number()
                                 ? " until " + utc_time(o["expires"].get<double>()) + " UTC"
                                 : std::string(),
                             str(o, "reason").empty() ? std::string() : " (" + str(o, "reason") + ")");
}

void lifetime_options(po::options_description& o) {
    o.add_options()("duration", po::value<double>()->value_name("SECONDS"), "lapse after this long (default: never)")(
        "reason", po::value<std::string>()->value_name("TEXT"), "why, for the event log");
}

int create(ApiClient& api, const po::variables_map& vm, bool as_json, json body) {
    body["device"] = vm["mac"].as<std::string>();
    if (vm.count("duration")) body["duration"] = vm["duration"].as<double>();
    if (vm.count("reason")) body["reason"] = vm["reason"].as<std::string>();
    const json o = ok(api.send("POST", "/api/v1/overrides", body));
    if (as_json)
        print_json(o);
    else
        print_override(o);
    return 0;
}

}  // namespace

int alerts(int argc, char** argv) {
    return findings("alerts", "alert",
                    "What the detectors found (an agent's reflex, the controller's detectors), oldest first,\n"
                    "each with the sentence that says what was seen.",
                    argc, argv);
}

int decisions(int argc, char** argv) {
    return findings("decisions", "decision", "What the reverse firewall did about it, and why, oldest first.", argc,
                    argv);
}

int stages(int argc, char** argv) {
    return run_api_command(
        "stages", "[options]", "The devices the reverse firewall is acting on, with their stage and its last decision.",
        nullptr, argc, argv, nullptr, [](ApiClient& api, const po::variables_map&, bool as_json) {
            json out = json::array();
            const json devices = ok(api.get("/api/v1/devices"));  // kept: the loop walks into it
            for (const auto& d : devices["devices"]) {
                if (str(d, "stage").empty() || str(d, "stage") == "none") continue;
                const json events = ok(api.get("/api/v1/events", {{"type", "decision"}, {"device", str(d, "mac")}}));
                json row = {{"device", str(d, "mac")}, {"name", str(d, "name")}, {"stage", str(d, "stage")}};
                if (!events["events"].empty()) row["decision"] = events["events"].back();
                out.push_back(std::move(row));
            }
            if (as_json) return print_json(out), 0;
            Table t({"DEVICE", "NAME", "STAGE", "SINCE (UTC)", "WHY"});
            for (const auto& r : out) {
                const json dec = r.value("decision", json::object());
                t.add({str(r, "device"), str(r, "name"), str(r, "stage"),
                       dec.contains("time") ? utc_time(dec["time"].get<double>()) : "-", str(dec, "message")});
            }
            t.print(std::cout);
            return 0;
        });
}

int overrides(int argc, char** argv) {
    return run_api_command(
        "overrides", "[options]", "The overrides in force (allowed devices, pinned stages).", nullptr, argc, argv,
        [](po::options_description& o) {
            o.add_options()("device", po::value<std::string>()->value_name("MAC"), "only this device's");
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            const json body = ok(api.get("/api/v1/overrides", params(vm, {"device"})));
            if (as_json) return print_json(body), 0;
            for (const auto& o : body["overrides"]) print_override(o);
            return 0;
        });
}

int allow(int argc, char** argv) {
    return run_api_command(
        "allow", "MAC [--detector NAME] [options]",
        "Exempt a device from a detector (default: all): its alerts are still written, nothing is\n"
        "done about them, and what that detector's decision did is lifted.",
        "mac", argc, argv,
        [](po::options_description& o) {
            o.add_options()("detector", po::value<std::string>()->value_name("NAME"),
                            "mirai_scan, scan, syn_flood, udp_flood, icmp_flood, ack_flood, dns_water_torture, "
                            "volume or profile (default: all)");
            lifetime_options(o);
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            json body = {{"action", "allow"}};
            if (vm.count("detector")) body["detector"] = vm["detector"].as<std::string>();
            return create(api, vm, as_json, std::move(body));
        });
}

int pin(int argc, char** argv) {
    return run_api_command(
        "pin", "MAC --stage STAGE [options]",
        "Hold a device at a stage (none, alert, restrict, quarantine) whatever alerts come; pinning\n"
        "below its stage lifts what holds it, above it applies it.",
        "mac", argc, argv,
        [](po::options_description& o) {
            o.add_options()("stage", po::value<std::string>()->value_name("STAGE")->required(),
                            "none, alert, restrict or quarantine");
            lifetime_options(o);
        },
        [](ApiClient& api, const po::variables_map& vm, bool as_json) {
            return create(api, vm, as_json, {{"action", "pin"}, {"stage", vm["stage"].as<std::string>()}});
        });
}

int unoverride(int argc, char** argv) {
    return run_api_command("unoverride", "ID [options]", "Delete an override (its id from 'spinctl overrides').", "id",
                           argc, argv, nullptr, [](ApiClient& api, const po::variables_map& vm, bool as_json) {
                               const json o =
                                   ok(api.send("DELETE", "/api/v1/overrides/" + vm["id"].as<std::string>(), nullptr));
                               if (as_json)
                                   print_json(o);
                               else
                                   print_override(o);
                               return 0;
                           });
}

}  // namespace spin::spinctl
