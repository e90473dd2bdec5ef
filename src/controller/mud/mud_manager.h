// The MUD engine (SPEC 5; docs/mud.md): which profile each device is held
// to, where it came from and whether it may be believed, and its policy in
// force at the agents.
//
// A device gets a profile from the URL it announced (DHCP, DHCPv6, LLDP),
// from the user (a URL, or a file given directly) or from mud.local_dir.
// A device that announces another URL later keeps its profile until the
// user accepts the new one (a compromised device must not talk its way
// into a wider profile).  Fetched files are held to their signatures and
// their signers pinned per URL; refetched after cache-validity, a failure
// keeping the last good copy.  Profiles are compiled against the home
// (mud/compiler.h) and ordered as device_policy rules through the block
// manager; compiled again when the home changes.  Runs on the controller's
// ingest thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/block_manager.h"
#include "controller/mud/mud_config.h"
#include "controller/mud/mud_fetcher.h"
#include "mud/compiler.h"
#include "mud/observation.h"
#include "mud/profile.h"
#include "nmf/api/controls.h"
#include "nmf/ingest/recorder.h"
#include "nmf/store/mud_store.h"

namespace spin::controller {

class MudManager {
public:
    // `db_path`: the store (already migrated); profiles and assignments are reloaded.
    MudManager(const MudConfig& config, const std::string& db_path, BlockManager& blocks, nmf::Recorder& recorder);
    ~MudManager();

    nmf::ControlResult assign(const nmf::MudRequest& request, double now);
    nmf::ControlResult conformance(const std::string& mac) const;
    nmf::ControlResult set_mode(const std::string& mac, const std::string& mode, double now);
    nmf::ControlResult accept(const std::string& mac, double now);
    nmf::ControlResult remove(const std::string& mac, double now);
    nmf::ControlResult devices() const;
    // A profile learnt from what the store saw the device do in [from, to)
    // (mud/learner.h): the MUD file as JSON.
    nmf::ControlResult learn(const std::string& mac, double from, double to, double now);
    // What the device did in [from, to) against the profile it is held to (mud/diff.h).
    nmf::ControlResult diff(const std::string& mac, double from, double to);

    // Fetch results, announced URLs, refetches, recompiles, violations; call every loop.
    void tick(double now);
    nlohmann::json stats() const;

private:
    // A profile as held: fetched (per URL), given by the user (per device) or from local_dir.
    struct Held {
        nmf::MudStore::Profile stored;        // text, signature, doc (source, times, signature state, errors)
        std::optional<mud::Profile> profile;  // the last good copy, parsed
        double next_try = 0;                  // a failed fetch is retried from then
    };
    // A device and its assignment.
    struct Assigned {
        std::string key;     // of its profile in profiles_
        std::string url;     // the URL it is held to ("" for a file without one)
        std::string source;  // announced, user-url, user-file, local
        MudMode mode = MudMode::monitor;
        bool mode_set = false;  // by the user (else the configured default)
        std::string pending_url;
        double assigned = 0;
        int64_t quarantine_block = 0;
        // What was last ordered, and why the policy is as it is.
        std::optional<proto::DevicePolicy> ordered;
        int64_t policy_block = 0;
        std::vector<std::string> notes;
        std::string effective_note;
    };

    void load();
    void load_local_dir();
    void save(const std::string& mac, const Assigned& a);
    void save(Held& h);
    // A new profile for the device: nothing pending, nothing ordered yet, its conformance anew.
    void start_over(const std::string& mac, Assigned& a, double now);
    // Takes a device to a URL: the profile held for it, or a fetch.
    void assign_url(const std::string& mac, Assigned& a, const std::string& url, double now);
    void request_fetch(Held& h, double now);
    void on_fetched(Fetched f, double now);
    // A fetch or a refetch that cannot be used: reported, the last good copy kept.
    void refuse(Held& h, const std::string& why, double now);
    void watch_announced(double now);
    void refetch_due(double now);
    void compile_all(double now);
    void compile(const std::string& mac, Assigned& a, double now);
    // The home as the compiler and the learner see it, for one device.
    mud::Home home_for(const std::string& mac) const;
    // What the store saw the device do in [from, to).
    std::vector<mud::Observation> observed(const std::string& mac, double from, double to);
    void on_violations(double now);
    // The mode the agents get: unsigned files may be held to monitor only.
    MudMode effective_mode(const Assigned& a, const Held* h, std::string* why) const;
    const Held* held(const Assigned& a) const;
    std::string verdict(const std::string& mac, const Assigned& a) const;
    nlohmann::json summary(const std::string& mac, const Assigned& a) const;

    const MudConfig& config_;
    std::vector<std::string> anchors_;  // PEM texts
    nmf::MudStore store_;
    BlockManager& blocks_;
    nmf::Recorder& recorder_;
    std::unique_ptr<MudFetcher> fetcher_;
    std::map<std::string, Held> profiles_;      // key -> profile
    std::map<std::string, Assigned> devices_;   // mac -> assignment
    std::map<std::string, std::string> local_;  // MUD URL -> key of the local_dir file that has it
    double last_watch_ = 0, last_compile_ = 0;
    struct Stats {
        uint64_t fetches = 0, fetch_failures = 0, refused = 0, url_changes = 0, compiles = 0, orders = 0,
                 quarantines = 0;
    } stats_;
};

}  // namespace spin::controller
