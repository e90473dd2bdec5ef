#include "controller/mud/mud_manager.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "common/log.h"
#include "common/wall_clock.h"
#include "mud/compiler.h"
#include "mud/diff.h"
#include "mud/learner.h"
#include "mud/parser.h"
#include "mud/signature.h"
#include "mud/writer.h"

namespace spin::controller {

using nlohmann::json;
using nmf::ControlResult;
using nmf::Outcome;

namespace {

constexpr double kWatchInterval = 2;    // seconds between looks at the URLs devices announce
constexpr double kCompileInterval = 2;  // and between recompiles against the home
constexpr const char* kAccept = "application/mud+json, application/json;q=0.5";

ControlResult invalid(const std::string& error, json extra = json::object()) {
    extra["error"] = error;
    return {Outcome::invalid, std::move(extra)};
}

json diagnostics(const std::vector<mud::Diagnostic>& list, size_t limit = 20) {
    json out = json::array();
    for (size_t i = 0; i < list.size() && i < limit; ++i) out.push_back(list[i].to_string());
    return out;
}

std::string first_errors(const mud::ParseResult& r) {
    std::string out;
    for (size_t i = 0; i < r.errors.size() && i < 3; ++i) out += (i == 0 ? "" : "; ") + r.errors[i].to_string();
    if (r.errors.size() > 3) out += fmt::format(" (and {} more)", r.errors.size() - 3);
    return out;
}

// Addresses of a model device as host prefixes.
std::vector<IpPrefix> addresses_of(const nmf::Device& d) {
    std::vector<IpPrefix> out;
    for (const auto& [ip, record] : d.ips)
        if (auto p = IpPrefix::parse(ip)) out.push_back(*p);
    return out;
}

}  // namespace

MudManager::MudManager(const MudConfig& config, const std::string& db_path, BlockManager& blocks,
                       nmf::Recorder& recorder)
    : config_(config), store_(db_path), blocks_(blocks), recorder_(recorder) {
    for (const std::string& f : config.trust_anchors) anchors_.push_back(config::read_config_file(f));
    HttpsOptions file{config.tls_ca, kAccept, config.fetch_timeout, config.max_file_bytes, config.max_redirects};
    HttpsOptions signature{config.tls_ca, "application/pkcs7-signature", config.fetch_timeout, 64 * 1024,
                           config.max_redirects};
    fetcher_ = std::make_unique<MudFetcher>(file, signature);
    load();
    load_local_dir();
}

MudManager::~MudManager() = default;

void MudManager::load() {
    for (auto& stored : store_.profiles()) {
        Held h;
        const auto parsed = mud::parse(stored.text);
        if (parsed.valid()) h.profile = *parsed.profile;
        h.stored = std::move(stored);
        profiles_[h.stored.key] = std::move(h);
    }
    for (const auto& d : store_.devices()) {
        Assigned a;
        a.key = d.doc.value("key", "");
        a.url = d.doc.value("url", "");
        a.source = d.doc.value("source", "");
        parse_mud_mode(d.doc.value("mode", ""), &a.mode);
        a.mode_set = d.doc.value("mode_set", false);
        if (!a.mode_set) a.mode = config_.default_mode;
        a.pending_url = d.doc.value("pending_url", "");
        a.assigned = d.doc.value("assigned", 0.0);
        a.quarantine_block = d.doc.value("quarantine_block", int64_t{0});
        if (a.key.empty()) continue;
        devices_[d.mac] = std::move(a);
    }
    if (!devices_.empty())
        log_info("MUD: {} devices and {} profiles reloaded from the store", devices_.size(), profiles_.size());
}

void MudManager::load_local_dir() {
    if (config_.local_dir.empty()) return;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(config_.local_dir))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
        const std::string text = config::read_config_file(path.string());
        const auto parsed = mud::parse(text);
        if (!parsed.valid()) {
            log_warn("MUD: {} left out: {}", path.string(),
                     parsed.profile ? first_errors(parsed) : std::string("not a MUD file"));
            continue;
        }
        const std::string url = parsed.profile->mud_url;
        const std::string key = "local:" + path.filename().string();
        if (local_.count(url) != 0) {
            log_warn("MUD: {} left out: {} already has its URL {}", path.string(), local_[url], url);
            continue;
        }
        Held h;
        h.stored.key = key;
        h.stored.text = text;
        h.stored.doc = {
            {"source", "local"}, {"url", url}, {"file", path.string()}, {"signature", {{"state", "local"}}}};
        h.profile = *parsed.profile;
        profiles_[key] = std::move(h);
        local_[url] = key;
    }
    if (!local_.empty()) log_info("MUD: {} profiles from {}", local_.size(), config_.local_dir);
}

void MudManager::save(const std::string& mac, const Assigned& a) {
    store_.save_device({mac,
                        {{"key", a.key},
                         {"url", a.url},
                         {"source", a.source},
                         {"mode", to_string(a.mode)},
                         {"mode_set", a.mode_set},
                         {"pending_url", a.pending_url},
                         {"assigned", a.assigned},
                         {"quarantine_block", a.quarantine_block}}});
}

void MudManager::save(Held& h) {
    // local_dir files are read at every start; the store keeps the rest.
    if (h.stored.doc.value("source", "") != "local") store_.save_profile(h.stored);
}

const MudManager::Held* MudManager::held(const Assigned& a) const {
    const auto it = profiles_.find(a.key);
    return it == profiles_.end() ? nullptr : &it->second;
}

// --- assignment ------------------------------------------------------------

void MudManager::start_over(const std::string& mac, Assigned& a, double now) {
    a.pending_url.clear();
    a.assigned = now;
    a.ordered.reset();
    a.quarantine_block = 0;
    recorder_.conformance().clear(mac);
    save(mac, a);
}

void MudManager::assign_url(const std::string& mac, Assigned& a, const std::string& url, double now) {
    a.url = url;
    if (const auto local = local_.find(url); local != local_.end()) {
        a.key = local->second;  // the operator's own file for that URL wins over a fetch
    } else {
        a.key = url;
        Held& h = profiles_[url];
        if (h.stored.key.empty()) {
            h.stored.key = url;
            h.stored.doc = {{"source", "fetched"}, {"url", url}};
        }
        // The user naming a URL asks for it now; an announced one is fetched when due.
        if (!h.profile || now >= h.stored.doc.value("expires", 0.0) || a.source == "user-url") request_fetch(h, now);
    }
    start_over(mac, a, now);
}

void MudManager::request_fetch(Held& h, double now) {
    if (fetcher_->busy(h.stored.key)) return;
    h.stored.doc["last_attempt"] = now;
    h.next_try = now + config_.retry_interval;
    ++stats_.fetches;
    fetcher_->request(h.stored.key);
}

ControlResult MudManager::assign(const nmf::MudRequest& request, double now) {
    const auto mac = MacAddress::parse(request.mac);
    if (!mac || mac->is_group() || mac->is_zero())
        return invalid(fmt::format("'{}' is not a device's MAC", request.mac));
    MudMode mode = config_.default_mode;
    if (!request.mode.empty() && !parse_mud_mode(request.mode, &mode))
        return invalid(fmt::format("'{}' is not a mode (monitor, enforce or quarantine-on-violation)", request.mode));
    Assigned& a = devices_[request.mac];
    const bool existed = !a.key.empty();
    if (!request.mode.empty() || !a.mode_set) {
        a.mode = mode;
        a.mode_set = !request.mode.empty() || a.mode_set;
    }
    if (!request.url.empty()) {
        std::string error;
        HttpsUrl parsed;
        if (!parse_https_url(request.url, &parsed, &error)) {
            if (!existed) devices_.erase(request.mac);
            return invalid(error);
        }
        a.source = "user-url";
        assign_url(request.mac, a, request.url, now);
    } else {
        const auto parsed = mud::parse(request.profile);
        if (!parsed.valid()) {
            if (!existed) devices_.erase(request.mac);
            return invalid(parsed.profile ? "the MUD file is not valid: " + first_errors(parsed)
                                          : "the profile is not a MUD file: " + first_errors(parsed),
                           {{"errors", diagnostics(parsed.errors)}, {"warnings", diagnostics(parsed.warnings)}});
        }
        // The user's own decision: enforceable without a signature.
        const std::string key = "file:" + request.mac;
        Held& h = profiles_[key];
        h.stored.key = key;
        h.stored.text = request.profile;
        h.stored.signature.clear();
        h.stored.doc = {{"source", "user"},
                        {"url", parsed.profile->mud_url},
                        {"given", now},
                        {"signature", {{"state", "user"}}},
                        {"warnings", parsed.warnings.size()}};
        h.profile = *parsed.profile;
        save(h);
        a.source = "user-file";
        a.key = key;
        a.url = parsed.profile->mud_url;
        start_over(request.mac, a, now);
    }
    recorder_.confirm_device(request.mac);
    recorder_.note("mud_assigned", now, request.mac, "",
                   {{"url", a.url}, {"source", a.source}, {"mode", to_string(a.mode)}});
    compile(request.mac, a, now);
    return {existed ? Outcome::done : Outcome::created, summary(request.mac, a)};
}

ControlResult MudManager::set_mode(const std::string& mac, const std::string& text, double now) {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) return {Outcome::not_found, {{"error", "no MUD profile is assigned to " + mac}}};
    MudMode mode;
    if (!parse_mud_mode(text, &mode))
        return invalid(fmt::format("'{}' is not a mode (monitor, enforce or quarantine-on-violation)", text));
    Assigned& a = it->second;
    a.mode = mode;
    a.mode_set = true;
    save(mac, a);
    recorder_.note("user_action", now, mac, "", {{"change", {{"mud_mode", text}}}});
    compile(mac, a, now);
    return {Outcome::done, summary(mac, a)};
}

ControlResult MudManager::accept(const std::string& mac, double now) {
    const auto it = devices_.find(mac);
    if (it == devices_.end() || it->second.pending_url.empty())
        return {Outcome::not_found, {{"error", "no new MUD URL of " + mac + " waits to be accepted"}}};
    Assigned& a = it->second;
    const std::string old = a.url, url = a.pending_url;
    a.source = "announced";
    assign_url(mac, a, url, now);
    recorder_.note("user_action", now, mac, "", {{"change", {{"mud_url_accepted", url}, {"previous", old}}}});
    compile(mac, a, now);
    return {Outcome::done, summary(mac, a)};
}

ControlResult MudManager::remove(const std::string& mac, double now) {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) return {Outcome::not_found, {{"error", "no MUD profile is assigned to " + mac}}};
    if (const auto m = MacAddress::parse(mac)) blocks_.remove_policy(*m, now);
    if (it->second.key == "file:" + mac) {
        profiles_.erase(it->second.key);
        store_.remove_profile("file:" + mac);
    }
    recorder_.conformance().clear(mac);
    store_.remove_device(mac);
    devices_.erase(it);
    recorder_.note("user_action", now, mac, "", {{"change", {{"mud", "removed"}}}});
    return {Outcome::done, {{"device", mac}, {"removed", true}}};
}

// --- fetching ----------------------------------------------------------------

void MudManager::refuse(Held& h, const std::string& why, double now) {
    ++stats_.refused;
    h.stored.doc["error"] = why;
    h.stored.doc["error_time"] = now;
    h.next_try = now + config_.retry_interval;
    save(h);
    const bool kept = h.profile.has_value();
    log_warn("MUD: {}: {}{}", h.stored.key, why, kept ? " (the last good copy stays in force)" : "");
    for (const auto& [mac, a] : devices_)
        if (a.key == h.stored.key)
            recorder_.note("mud_fetch_failed", now, mac, "",
                           {{"url", h.stored.key}, {"reason", why}, {"kept_last_good", kept}});
}

void MudManager::on_fetched(Fetched f, double now) {
    const auto it = profiles_.find(f.url);
    if (it == profiles_.end()) return;  // forgotten meanwhile
    Held& h = it->second;
    if (!f.file.ok) {
        ++stats_.fetch_failures;
        return refuse(h, "fetch failed: " + f.file.error, now);
    }
    const auto parsed = mud::parse(f.file.body);
    if (!parsed.valid()) return refuse(h, "the file is not a valid MUD file: " + first_errors(parsed), now);
    if (parsed.profile->mud_url != f.url)
        return refuse(h, fmt::format("the file says its URL is {}, not {}", parsed.profile->mud_url, f.url), now);

    const std::string pinned = h.stored.doc.value("pinned_signer", "");
    json signature;
    if (f.signature.ok) {
        const auto check = mud::verify_signature(f.file.body, f.signature.body, anchors_);
        if (!check.ok)
            return refuse(h, fmt::format("the signature ({}) does not verify: {}", f.signature_url, check.reason), now);
        if (!pinned.empty() && pinned != check.signer_sha256)
            return refuse(h,
                          fmt::format("signed by {} (certificate {}), not by the signer this URL is pinned to "
                                      "(certificate {})",
                                      check.signer, check.signer_sha256, pinned),
                          now);
        signature = {{"state", "valid"},
                     {"url", f.signature_url},
                     {"signer", check.signer},
                     {"issuer", check.signer_issuer},
                     {"sha256", check.signer_sha256}};
        h.stored.doc["pinned_signer"] = check.signer_sha256;
    } else {
        if (!pinned.empty())
            return refuse(h,
                          "no signature (" + f.signature.error +
                              "), but this URL was signed before: an unsigned "
                              "version is refused",
                          now);
        if (config_.unsigned_files == UnsignedPolicy::refuse)
            return refuse(h, "no signature (" + f.signature.error + ") and mud.unsigned is refuse", now);
        signature = {{"state", "unsigned"}, {"url", f.signature_url}, {"reason", f.signature.error}};
    }
    const bool changed = h.stored.text != f.file.body;
    h.stored.text = f.file.body;
    h.stored.signature = f.signature.ok ? f.signature.body : std::string();
    h.stored.doc["signature"] = signature;
    h.stored.doc["fetched"] = now;
    h.stored.doc["expires"] = now + 3600.0 * parsed.profile->cache_validity;
    h.stored.doc["final_url"] = f.file.final_url;
    h.stored.doc["warnings"] = parsed.warnings.size();
    h.stored.doc.erase("error");
    h.stored.doc.erase("error_time");
    h.profile = *parsed.profile;
    save(h);
    log_info("MUD: {} fetched ({}, {} ACEs)", f.url, signature["state"].get<std::string>(),
             parsed.profile->ace_count());
    for (auto& [mac, a] : devices_)
        if (a.key == f.url) {
            recorder_.note("mud_profile", now, mac, "",
                           {{"url", f.url}, {"signature", signature}, {"changed", changed}});
            if (changed) a.ordered.reset();
            compile(mac, a, now);
        }
}

void MudManager::watch_announced(double now) {
    for (const auto& [mac, d] : recorder_.model().devices()) {
        if (d.mud_url.empty()) continue;
        const auto it = devices_.find(mac);
        if (it == devices_.end()) {
            if (!config_.fetch && local_.count(d.mud_url) == 0) continue;
            std::string error;
            HttpsUrl parsed;
            if (!parse_https_url(d.mud_url, &parsed, &error)) continue;  // only https:// is fetched
            Assigned& a = devices_[mac];
            a.mode = config_.default_mode;
            a.source = "announced";
            assign_url(mac, a, d.mud_url, now);
            recorder_.note("mud_assigned", now, mac, "",
                           {{"url", a.url}, {"source", a.source}, {"mode", to_string(a.mode)}});
            continue;
        }
        Assigned& a = it->second;
        if (d.mud_url == a.url || d.mud_url == a.pending_url) continue;
        // Another URL from a device that has a profile: recorded, never taken by itself.
        ++stats_.url_changes;
        a.pending_url = d.mud_url;
        save(mac, a);
        recorder_.note("mud_url_changed", now, mac, "", {{"url", a.url}, {"announced", d.mud_url}});
        log_warn("MUD: {} announces {} but is held to {}; accept it to change", mac, d.mud_url, a.url);
    }
}

void MudManager::refetch_due(double now) {
    for (auto& [key, h] : profiles_) {
        if (h.stored.doc.value("source", "") != "fetched" || now < h.next_try) continue;
        // A structured binding is captured by name only from C++20 on, which clang 14 (the fuzz build) lacks.
        const bool used = std::any_of(devices_.begin(), devices_.end(),
                                      [&profile = key](const auto& kv) { return kv.second.key == profile; });
        if (!used) continue;
        if (!h.profile || now >= h.stored.doc.value("expires", 0.0)) request_fetch(h, now);
    }
}

// --- compiling and ordering --------------------------------------------------

MudMode MudManager::effective_mode(const Assigned& a, const Held* h, std::string* why) const {
    if (a.mode == MudMode::monitor || h == nullptr) return a.mode;
    const std::string state = h->stored.doc.contains("signature") && h->stored.doc["signature"].is_object()
                                  ? h->stored.doc["signature"].value("state", "")
                                  : "";
    if (state == "unsigned" && config_.unsigned_files == UnsignedPolicy::monitor_only) {
        *why = "the file is unsigned and mud.unsigned is monitor-only: monitored, not enforced";
        return MudMode::monitor;
    }
    return a.mode;
}

void MudManager::compile(const std::string& mac, Assigned& a, double now) {
    const Held* h = held(a);
    if (h == nullptr || !h->profile) return;
    const auto device_mac = MacAddress::parse(mac);
    if (!device_mac) return;
    mud::Device device;
    device.mac = *device_mac;
    device.mud_url = h->profile->mud_url;
    const mud::Home home = home_for(mac);
    a.effective_note.clear();
    const MudMode mode = effective_mode(a, h, &a.effective_note);
    auto compiled = mud::compile(*h->profile, device, home,
                                 mode == MudMode::enforce ? proto::PolicyMode::enforce : proto::PolicyMode::monitor);
    ++stats_.compiles;
    a.notes = std::move(compiled.notes);
    if (a.ordered && *a.ordered == compiled.policy) return;
    proto::Rule rule;
    rule.kind = proto::RuleKind::device_policy;
    rule.mac = *device_mac;
    rule.policy = compiled.policy;
    const bool fresh = !a.ordered.has_value() && !recorder_.conformance().has(mac);
    a.policy_block = blocks_.set_policy(rule, "MUD profile " + h->profile->mud_url, now);
    recorder_.conformance().set_policy(compiled.policy, fresh);
    a.ordered = std::move(compiled.policy);
    ++stats_.orders;
}

mud::Home MudManager::home_for(const std::string& mac) const {
    mud::Home home;
    home.local_networks = config_.local_networks;
    home.controllers = config_.controllers;
    home.my_controllers = config_.my_controllers;
    for (const auto& [other, d] : recorder_.model().devices()) {
        const auto o = devices_.find(other);
        const std::string url = o != devices_.end() ? o->second.url : d.mud_url;
        const auto m = MacAddress::parse(other);
        if (other == mac || url.empty() || !m) continue;
        home.devices.push_back({*m, url, addresses_of(d)});
    }
    return home;
}

std::vector<mud::Observation> MudManager::observed(const std::string& mac, double from, double to) {
    const nmf::MudStore::Behaviour b = store_.behaviour(mac, from, to);
    std::vector<mud::Observation> out;
    for (const nmf::BehaviourRow& row : b.shapes) {
        mud::Observation o;
        const auto remote = IpPrefix::parse(row.remote_ip);
        if (!remote || !remote->is_host()) continue;  // rows hold addresses; a store edited by hand may not
        o.remote = *remote;
        if (const auto names = b.names.find(row.remote_ip); names != b.names.end())
            for (const std::string& n : names->second)
                if (auto name = DnsName::parse(n)) o.names.push_back(*name);
        o.proto = static_cast<uint8_t>(row.proto);
        o.opener = row.opener == "remote" ? proto::Opener::remote : proto::Opener::device;
        o.port = static_cast<uint16_t>(row.port);
        o.flows = row.counters.flows;
        o.pkts_out = row.counters.pkts_out, o.bytes_out = row.counters.bytes_out;
        o.pkts_in = row.counters.pkts_in, o.bytes_in = row.counters.bytes_in;
        o.first = row.first_seen, o.last = row.last_seen;
        out.push_back(std::move(o));
    }
    return out;
}

ControlResult MudManager::learn(const std::string& mac, double from, double to, double now) {
    const std::vector<mud::Observation> seen = observed(mac, from, to);
    if (seen.empty())
        return {Outcome::not_found,
                {{"error", "the store holds no traffic of " + mac + " in that time to learn from"}}};
    mud::LearnContext context;
    std::string dashed = mac;
    std::replace(dashed.begin(), dashed.end(), ':', '-');
    context.mud_url = "https://spin.home.arpa/mud/learnt/" + dashed + ".json";
    // RFC 8520 allows systeminfo 60 characters: the window is in the request, the time in last-update.
    context.systeminfo = "Learnt by SPIN from the traffic of " + mac;
    context.last_update = utc_text(now, "%Y-%m-%dT%H:%M:%SZ");  // RFC 3339
    if (const nmf::Device* d = recorder_.model().find(mac)) context.mfg_name = d->vendor.name;
    context.home = home_for(mac);
    return {Outcome::done, mud::to_mud_json(mud::learn(seen, context))};
}

ControlResult MudManager::diff(const std::string& mac, double from, double to) {
    const auto it = devices_.find(mac);
    const Held* h = it == devices_.end() ? nullptr : held(it->second);
    if (h == nullptr || !h->profile)
        return {Outcome::not_found, {{"error", mac + " has no MUD profile to compare with ('spinctl mud assign')"}}};
    const auto device_mac = MacAddress::parse(mac);
    mud::Device device;
    device.mac = *device_mac;
    device.mud_url = h->profile->mud_url;
    const mud::Compiled compiled = mud::compile(*h->profile, device, home_for(mac), proto::PolicyMode::monitor);
    const mud::ProfileDiff d = mud::diff(compiled.policy, observed(mac, from, to));
    json undeclared = json::array();
    for (const auto& u : d.undeclared) {
        json names = json::array();
        for (const DnsName& n : u.seen.names) names.push_back(n.to_string());
        const bool in = u.seen.opener == proto::Opener::remote;
        undeclared.push_back({{"remote_ip", u.seen.remote.address_text()},
                              {"names", std::move(names)},
                              {"proto", u.seen.proto},
                              {u.seen.icmp() ? "icmp_type"
                               : in          ? "device_port"
                                             : "remote_port",
                               u.seen.port},
                              {"opened_by", in ? "remote" : "device"},
                              {"refused", u.direction},
                              {"flows", u.seen.flows},
                              {"pkts_out", u.seen.pkts_out},
                              {"pkts_in", u.seen.pkts_in},
                              {"first", u.seen.first},
                              {"last", u.seen.last}});
    }
    json unused = json::array();
    for (const auto& e : d.unused) unused.push_back({{"acl", e.acl}, {"ace", e.ace}});
    return {Outcome::done,
            {{"device", mac},
             {"url", h->profile->mud_url},
             {"declared", d.declared},
             {"network_services", d.network_services},
             {"undeclared", std::move(undeclared)},
             {"unused", std::move(unused)},
             {"notes", compiled.notes}}};
}

void MudManager::compile_all(double now) {
    for (auto& [mac, a] : devices_) compile(mac, a, now);
}

void MudManager::on_violations(double now) {
    for (const nmf::MudViolation& v : recorder_.conformance().take_new()) {
        const auto it = devices_.find(v.mac);
        if (it == devices_.end()) continue;
        Assigned& a = it->second;
        std::string why;
        if (effective_mode(a, held(a), &why) != MudMode::quarantine_on_violation || a.quarantine_block != 0) continue;
        nmf::BlockRequest request;
        request.rule.kind = proto::RuleKind::quarantine;
        request.rule.mac = *MacAddress::parse(v.mac);
        request.reason =
            fmt::format("MUD violation: {} {} {}:{} ({}), outside {}", v.direction == "out" ? "to" : "from", v.proto,
                        v.remote_ip, v.direction == "out" ? v.remote_port : v.device_port, v.direction, a.url);
        ++stats_.quarantines;
        a.quarantine_block = -1;  // asked; the block's id comes with the answer
        const std::string mac = v.mac;
        blocks_.create(request, now, [this, mac](ControlResult out) {
            const auto d = devices_.find(mac);
            if (d == devices_.end()) return;
            d->second.quarantine_block = out.body.is_object() ? out.body.value("id", int64_t{0}) : 0;
            if (out.outcome == Outcome::conflict && out.body.contains("block"))
                d->second.quarantine_block = out.body["block"].value("id", int64_t{0});
            save(mac, d->second);
        });
        recorder_.note("mud_quarantine", now, mac, "", {{"url", a.url}, {"reason", request.reason}});
    }
}

void MudManager::tick(double now) {
    for (Fetched& f : fetcher_->take()) on_fetched(std::move(f), now);
    if (now - last_watch_ >= kWatchInterval) {
        last_watch_ = now;
        watch_announced(now);
        refetch_due(now);
    }
    if (now - last_compile_ >= kCompileInterval) {
        last_compile_ = now;
        compile_all(now);
    }
    on_violations(now);
}

// --- what the API shows ------------------------------------------------------

std::string MudManager::verdict(const std::string& mac, const Assigned& a) const {
    const Held* h = held(a);
    if (h == nullptr || !h->profile || !a.ordered) return "no-profile";
    return recorder_.conformance().violating(mac) ? "violating" : "conforming";
}

json MudManager::summary(const std::string& mac, const Assigned& a) const {
    const Held* h = held(a);
    std::string why;
    json j = {{"device", mac},
              {"url", a.url.empty() ? json(nullptr) : json(a.url)},
              {"source", a.source},
              {"mode", to_string(a.mode)},
              {"effective_mode", to_string(effective_mode(a, h, &why))},
              {"verdict", verdict(mac, a)},
              {"assigned", a.assigned},
              {"pending_url", a.pending_url.empty() ? json(nullptr) : json(a.pending_url)}};
    if (!a.effective_note.empty()) j["mode_note"] = a.effective_note;
    const json& doc = h != nullptr ? h->stored.doc : json::object();
    j["signature"] = doc.contains("signature") ? doc["signature"] : json{{"state", "none"}};
    for (const char* key : {"fetched", "expires", "last_attempt", "error", "error_time"})
        j[key] = doc.contains(key) ? doc[key] : json(nullptr);
    if (h != nullptr && fetcher_->busy(h->stored.key)) j["fetching"] = true;
    if (h != nullptr && h->profile) {
        const mud::Profile& p = *h->profile;
        j["profile"] = {
            {"mud_url", p.mud_url},       {"last_update", p.last_update}, {"cache_validity", p.cache_validity},
            {"systeminfo", p.systeminfo}, {"mfg_name", p.mfg_name},       {"model_name", p.model_name},
            {"acls", p.acls.size()},      {"aces", p.ace_count()}};
    } else {
        j["profile"] = nullptr;
    }
    j["quarantine_block"] = a.quarantine_block > 0 ? json(a.quarantine_block) : json(nullptr);
    return j;
}

ControlResult MudManager::conformance(const std::string& mac) const {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) {
        const nmf::Device* d = recorder_.model().find(mac);
        if (d == nullptr) return {Outcome::not_found, {{"error", "no device " + mac + " and no MUD profile for it"}}};
        return {Outcome::done,
                {{"device", mac},
                 {"url", nullptr},
                 {"announced", d->mud_url.empty() ? json(nullptr) : json(d->mud_url)},
                 {"verdict", "no-profile"},
                 {"violations", json::array()},
                 {"aces", json::array()}}};
    }
    const Assigned& a = it->second;
    json j = summary(mac, a);
    json c = recorder_.conformance().to_json(mac);
    for (json& v : c["violations"]) v["names"] = recorder_.resolved_names(mac, v["remote_ip"].get<std::string>());
    for (auto& [key, value] : c.items()) j[key] = value;
    j["notes"] = a.notes;
    if (a.policy_block != 0)
        if (const auto block = blocks_.find(a.policy_block)) {
            j["policy"] = {{"block", a.policy_block},
                           {"entries", a.ordered ? a.ordered->entries.size() : 0},
                           {"agents", (*block)["agents"]}};
        }
    return {Outcome::done, std::move(j)};
}

ControlResult MudManager::devices() const {
    json list = json::array();
    for (const auto& [mac, a] : devices_) list.push_back(summary(mac, a));
    return {Outcome::done, std::move(list)};
}

json MudManager::stats() const {
    const auto& c = recorder_.conformance().stats();
    return {{"devices", devices_.size()},        {"profiles", profiles_.size()},
            {"fetches", stats_.fetches},         {"fetch_failures", stats_.fetch_failures},
            {"refused", stats_.refused},         {"url_changes", stats_.url_changes},
            {"compiles", stats_.compiles},       {"orders", stats_.orders},
            {"quarantines", stats_.quarantines}, {"records", c.records},
            {"violations", c.violations},        {"violations_dropped", c.violations_dropped}};
}

}  // namespace spin::controller
