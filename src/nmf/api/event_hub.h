// The live stream behind GET /api/v1/stream: NMF events as the store commits
// them and, once a second, each device's traffic in that second.  Items are
// numbered; a stream client waits for items after the last it sent, so one
// slow client never holds up the store or another client (a client that
// falls more than `capacity` items behind is told how many it missed).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "nmf/store/store_batch.h"

namespace spin::nmf {

struct HubItem {
    uint64_t seq = 0;
    std::string type;    // the event type, or "traffic"
    std::string device;  // "" when about no single device
    std::string data;    // the JSON text sent
};

class EventHub {
public:
    explicit EventHub(size_t capacity = 4096) : capacity_(capacity) {}

    // From the store thread, after a commit.
    void publish(const StoreBatch& batch, const std::vector<int64_t>& event_ids, double wall_now);
    // Items with seq > after, waiting up to `timeout` for one; `missed` is
    // set to how many were dropped before the client could read them.
    std::vector<HubItem> wait(uint64_t after, std::chrono::milliseconds timeout, uint64_t& missed);
    uint64_t latest() const;
    // Wakes every waiting client for good (shutdown).
    void stop();
    bool stopped() const;

private:
    void push(HubItem item);  // mutex held

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<HubItem> items_;
    size_t capacity_;
    uint64_t next_seq_ = 1;
    bool stopped_ = false;
    // Traffic of the current second, per device.
    std::map<std::string, TrafficCounters> second_;
    double second_start_ = 0;
};

}  // namespace spin::nmf
