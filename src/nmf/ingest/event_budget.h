// How many events of each kind of novelty the NMF writes per minute: what a
// hostile device can make new (MACs, addresses, destinations, DHCP in
// another's name) it can make new by the thousand a second, and every event
// is kept for the store's retention.  Within budget an event is written as
// ever; past it, it is counted, and when the minute is over one
// `events_suppressed` event says how many of each kind were left out.
// Minutes are of packet time (the events' own), so a replay is budgeted as
// the capture's real time was.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace spin::nmf {

class EventBudget {
public:
    // type -> events per minute; types not listed are never budgeted.
    explicit EventBudget(std::map<std::string, uint32_t> per_minute) : per_minute_(std::move(per_minute)) {}
    // The defaults: generous for a home (a TV opening its apps, a house
    // full of guests), far below what a flood makes.
    static EventBudget home();

    // Whether an event of `type` at `time` (seconds since the epoch) is written.
    bool admit(const std::string& type, double time);
    // Moves the clock (a batch with no budgeted event still ends a minute).
    void advance(double time);
    // The summary of a minute that suppressed events, once: {window_start,
    // window_end, suppressed: {type: count}}; nullopt when there is none.
    std::optional<nlohmann::json> take_summary();
    uint64_t suppressed() const { return suppressed_total_; }

private:
    std::map<std::string, uint32_t> per_minute_;
    int64_t minute_ = INT64_MIN;  // the window, in minutes since the epoch
    std::map<std::string, uint32_t> admitted_, suppressed_;
    std::optional<nlohmann::json> summary_;
    uint64_t suppressed_total_ = 0;
};

}  // namespace spin::nmf
