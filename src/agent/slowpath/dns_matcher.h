// Name bindings come only from answers a device really received from the
// network: an answer counts when it came from the network side (the WAN
// port; in monitor mode a sender not classified as LAN, or a configured
// resolver) and answers an outstanding query of that device: the same
// client address and port, server address, id and question.  A device that
// forges an answer to itself on the LAN, or a host on the internet that
// sprays unsolicited answers, teaches nothing.
//
// Matching is in packet time, not arrival order: a replay reads the LAN and
// WAN captures burst by burst, so an answer may reach the slow path before
// its query, and one half of a capture may run minutes of packet time ahead
// of the other.  An answer waits for its query; queries wait for answers.
// Both are forgotten by arrival time (window_us after they reached the slow
// path, on the caller's steady clock), never by packet time, which the
// faster half of a replay would push ahead.  Everything is bounded: queries
// per device and in all, held answers, and what falls out is counted.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "agent/slowpath/dns_message.h"

namespace spin::slowpath {

struct DnsExchange {  // one query and its answer share this
    std::array<uint8_t, 6> device{};
    uint8_t ip_version = 0;
    std::array<uint8_t, 16> client{}, server{};
    uint16_t client_port = 0;
    uint16_t id = 0;
    std::string question;  // lower-cased, as the parser gives it
    auto operator<=>(const DnsExchange&) const = default;
};

template <typename Answer>
class DnsMatcher {
public:
    struct Limits {
        size_t per_device = 64;  // outstanding queries of one device
        size_t total = 8192;     // outstanding queries in all
        size_t held = 1024;      // answers waiting for their query
        uint64_t window_us = 10'000'000;
    };
    struct Counters {
        uint64_t queries = 0;          // queries seen from devices
        uint64_t matched = 0;          // answers that met their query
        uint64_t queries_dropped = 0;  // outstanding queries pushed out by the caps
        uint64_t unsolicited = 0;      // answers no query explained within the window
    };

    DnsMatcher() = default;
    explicit DnsMatcher(Limits limits) : limits_(limits) {}

    // A query of a LAN device at packet time t_us.  Answers already held for
    // it are appended to `released` (the caller handles them now).
    // arrived_us: the caller's steady clock.
    void query(const DnsExchange& q, uint64_t t_us, uint64_t arrived_us, std::vector<Answer>& released) {
        ++counters_.queries;
        for (auto [it, end] = held_index_.equal_range(q); it != end; ++it) {
            auto h = held_.find(it->second);
            if (h->second.t_us >= t_us && h->second.t_us - t_us <= limits_.window_us) {
                ++counters_.matched;
                released.push_back(std::move(h->second.answer));
                held_.erase(h);
                held_index_.erase(it);
                return;  // one answer per query
            }
        }
        if (auto dev = per_device_.find(q.device); dev != per_device_.end() && dev->second.size() >= limits_.per_device)
            drop_oldest(q.device);
        if (outstanding_.size() >= limits_.total) drop_any();
        outstanding_.emplace(q, Times{t_us, arrived_us});
        per_device_[q.device].push_back(q);
    }

    // An answer from the network side at packet time t_us.  Returns true when
    // an outstanding query explains it (the caller handles it now); else it
    // is held (and `answer` moved from) until a query comes or it expires.
    bool answer(const DnsExchange& a, uint64_t t_us, uint64_t arrived_us, Answer& answer) {
        for (auto [it, end] = outstanding_.equal_range(a); it != end; ++it) {
            if (t_us >= it->second.t_us && t_us - it->second.t_us <= limits_.window_us) {
                ++counters_.matched;
                forget(it);
                return true;
            }
        }
        if (held_.size() >= limits_.held) drop_held(held_.begin());
        held_.emplace(next_held_, Held{a, t_us, arrived_us, std::move(answer)});
        held_index_.emplace(a, next_held_++);
        return false;
    }

    // Forgets queries and held answers that arrived more than the window
    // before now_us (the caller's steady clock).
    void expire(uint64_t now_us) {
        while (!held_.empty() && held_.begin()->second.arrived_us + limits_.window_us < now_us)
            drop_held(held_.begin());
        for (auto it = outstanding_.begin(); it != outstanding_.end();)
            it = it->second.arrived_us + limits_.window_us < now_us ? forget(it) : std::next(it);
    }

    const Counters& counters() const { return counters_; }
    size_t outstanding() const { return outstanding_.size(); }
    size_t held() const { return held_.size(); }

private:
    struct Held {
        DnsExchange key;
        uint64_t t_us, arrived_us;
        Answer answer;
    };
    struct Times {
        uint64_t t_us, arrived_us;  // packet time, steady clock
    };
    using Outstanding = std::multimap<DnsExchange, Times>;

    void drop_held(typename std::map<uint64_t, Held>::iterator h) {
        for (auto [it, end] = held_index_.equal_range(h->second.key); it != end; ++it)
            if (it->second == h->first) {
                held_index_.erase(it);
                break;
            }
        held_.erase(h);
        ++counters_.unsolicited;
    }

    typename Outstanding::iterator forget(typename Outstanding::iterator it) {
        auto dev = per_device_.find(it->first.device);
        if (dev != per_device_.end()) {
            auto& v = dev->second;
            for (auto q = v.begin(); q != v.end(); ++q)
                if (*q == it->first) {
                    v.erase(q);
                    break;
                }
            if (v.empty()) per_device_.erase(dev);
        }
        return outstanding_.erase(it);
    }
    void drop_oldest(const std::array<uint8_t, 6>& device) {
        const DnsExchange oldest = per_device_[device].front();
        ++counters_.queries_dropped;
        if (auto it = outstanding_.find(oldest); it != outstanding_.end())
            forget(it);
        else
            per_device_[device].pop_front();
    }
    void drop_any() {
        ++counters_.queries_dropped;
        forget(outstanding_.begin());
    }

    Limits limits_;
    Counters counters_;
    Outstanding outstanding_;
    std::map<std::array<uint8_t, 6>, std::deque<DnsExchange>> per_device_;  // in arrival order
    std::map<uint64_t, Held> held_;                                         // by arrival
    std::multimap<DnsExchange, uint64_t> held_index_;
    uint64_t next_held_ = 0;
};

}  // namespace spin::slowpath
