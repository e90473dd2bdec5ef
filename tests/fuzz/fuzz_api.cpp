// The API's request handling (routes, query parameters, JSON bodies, block
// requests, time parameters) on arbitrary requests, in process, over a real
// store.  Oracle: every answer is a status the API documents, never 500;
// every error body is {"error": text, "status": the status}; and whatever
// reaches the controller (Controls) has passed validation.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <httplib.h>

#include "nmf/api/api_server.h"
#include "nmf/api/block_request.h"
#include "nmf/store/store_writer.h"

using namespace spin::nmf;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz-api: %s\n", what.c_str());
    std::abort();
}

// Checks what the API hands over, then answers as a controller with no agent would.
class CheckingControls : public Controls {
public:
    ControlResult agents() override { return {Outcome::done, json::array()}; }
    ControlResult status() override { return {Outcome::done, json::object()}; }
    ControlResult blocks(bool) override { return {Outcome::done, json::array()}; }
    ControlResult create_block(const BlockRequest& r) override {
        using spin::proto::RuleKind;
        const auto& rule = r.rule;
        if (rule.mac.is_group() || rule.mac.is_zero())
            fail("not a device reached the controller: " + rule.mac.to_string());
        if ((rule.kind == RuleKind::device_remote) == rule.remote.empty()) fail("remote block without remote");
        if ((rule.kind == RuleKind::device_name) == rule.domain.empty()) fail("name block without domain");
        if (rule.kind != RuleKind::quarantine && rule.kind != RuleKind::device_remote &&
            rule.kind != RuleKind::device_name)
            fail(std::string("a block of kind ") + spin::proto::to_string(rule.kind) + " reached the controller");
        // What reaches the controller is canonical: it reads back as itself.
        std::string error;
        const auto again = spin::proto::parse_rule(json(rule), &error);
        if (!again || !again->same_as(rule)) fail("a rule that does not read back as itself: " + json(rule).dump());
        if (r.expires < 0) fail("negative expiry");
        return {Outcome::no_agent, {{"error", "no agent has a command channel"}}};
    }
    ControlResult remove_block(int64_t id) override {
        if (id < 0) fail("negative block id");
        return {Outcome::not_found, {{"error", "no block " + std::to_string(id)}}};
    }
    // MUD: what reaches the controller names a device canonically, and one
    // of a URL (https) or a profile.
    static void check_mac(const std::string& mac) {
        const auto parsed = spin::MacAddress::parse(mac);
        if (!parsed || parsed->to_string() != mac) fail("a MAC that is not canonical reached the controller: " + mac);
    }
    ControlResult mud_devices() override { return {Outcome::done, json::array()}; }
    ControlResult mud_assign(const MudRequest& r) override {
        check_mac(r.mac);
        if (r.url.empty() == r.profile.empty()) fail("a MUD assignment with both or neither of url and profile");
        if (!r.url.empty() && r.url.rfind("https://", 0) != 0) fail("a MUD URL that is not https: " + r.url);
        return {Outcome::invalid, {{"error", "not checked here"}}};
    }
    ControlResult mud_conformance(const std::string& mac) override {
        check_mac(mac);
        return {Outcome::not_found, {{"error", "no MUD profile"}}};
    }
    ControlResult mud_set_mode(const std::string& mac, const std::string&) override {
        check_mac(mac);
        return {Outcome::not_found, {{"error", "no MUD profile"}}};
    }
    ControlResult mud_accept(const std::string& mac) override {
        check_mac(mac);
        return {Outcome::not_found, {{"error", "no MUD profile"}}};
    }
    ControlResult mud_learn(const std::string& mac, double from, double to) override {
        check_mac(mac);
        if (!(from < to)) fail("a MUD learning window that is empty or not a number");
        return {Outcome::not_found, {{"error", "no traffic"}}};
    }
    ControlResult mud_diff(const std::string& mac, double from, double to) override {
        check_mac(mac);
        if (!(from < to)) fail("a MUD diff window that is empty or not a number");
        return {Outcome::not_found, {{"error", "no MUD profile"}}};
    }
    ControlResult mud_remove(const std::string& mac) override {
        check_mac(mac);
        return {Outcome::not_found, {{"error", "no MUD profile"}}};
    }
    ControlResult overrides(const std::string& device) override {
        if (!device.empty()) check_mac(device);
        return {Outcome::done, json::array()};
    }
    ControlResult create_override(const spin::nmf::OverrideRequest& r) override {
        check_mac(r.device);
        if (r.action != "allow" && r.action != "pin") fail("an override that is neither allow nor pin");
        if (r.action == "pin" && r.stage.empty()) fail("a pin without a stage");
        if (r.duration < 0) fail("a negative override duration");
        return {Outcome::created, {{"id", 1}}};
    }
    ControlResult remove_override(int64_t id) override {
        if (id < 0) fail("a negative override id");
        return {Outcome::not_found, {{"error", "no override"}}};
    }
    void user_action(const std::string& mac, const json& change) override {
        const auto parsed = spin::MacAddress::parse(mac);
        if (!parsed || parsed->to_string() != mac || !change.is_object())
            fail("bad user action reached the controller");
    }
};

struct World {
    std::string path;
    std::unique_ptr<QueryPool> pool;
    EventHub hub;
    CheckingControls controls;
    std::unique_ptr<ApiServer> api;

    World() {
        const auto dir = std::filesystem::temp_directory_path() / ("spin-fuzz-api-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        path = (dir / "spin.db").string();
        StoreWriter writer(path, Retention{});
        StoreBatch b;
        b.devices = {DeviceRow{"02:53:50:49:4e:12", 1767225600, 1767225660,
                               R"({"mac":"02:53:50:49:4e:12","hostname":"camera","ips":["10.0.0.12"]})"}};
        TrafficRow t;
        t.mac = "02:53:50:49:4e:12", t.remote_ip = "198.51.100.7", t.proto = 17, t.remote_port = 5004;
        t.minute = 1767225600, t.counters = TrafficCounters{20, 24840, 0, 0, 1, 0};
        b.traffic = {t};
        b.names = {NameRow{"02:53:50:49:4e:12", "198.51.100.7", "video.cam.example", 1, 1, 1}};
        b.events = {EventRow{1767225600, "device_new", "02:53:50:49:4e:12", "home", {{"type", "device_new"}}}};
        writer.write(b);
        pool = std::make_unique<QueryPool>(path, Retention{});
        api = std::make_unique<ApiServer>(ApiConfig{}, *pool, controls, hub);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World world;
    static const char* methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD"};
    if (size < 1) return 0;
    const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto newline = input.find('\n');
    httplib::Request req;
    req.method = methods[data[0] % 7];
    req.target = input.substr(0, newline);
    req.body = newline == std::string::npos ? "" : input.substr(newline + 1);
    req.path = httplib::detail::decode_url(req.target.substr(0, req.target.find('?')), false);
    // Mostly JSON, as clients send it, so the fuzzer reaches the routes;
    // sometimes what a web page would send, which the guard refuses (415).
    req.set_header("Content-Type", data[0] & 0x80 ? "text/plain" : "application/json");
    if (req.target.find("/stream") != std::string::npos) return 0;  // endless by design
    httplib::Response res;
    world.api->handle(req, res);
    static const int allowed[] = {200, 201, 204, 400, 404, 405, 409, 413, 415, 422, 503};
    if (std::find(std::begin(allowed), std::end(allowed), res.status) == std::end(allowed))
        fail("status " + std::to_string(res.status) + " for " + req.method + " " + req.target + ": " + res.body);
    if (res.status >= 400) {
        const json body = json::parse(res.body, nullptr, false);
        if (!body.is_object() || !body.contains("error") || !body["error"].is_string() ||
            body.value("status", 0) != res.status)
            fail("error body not {error, status}: " + res.body);
    } else if (res.status != 204 && json::parse(res.body, nullptr, false).is_discarded()) {
        fail("success body is not JSON: " + res.body);
    }
    return 0;
}
