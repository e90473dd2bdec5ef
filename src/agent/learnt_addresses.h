// The addresses one DNS-name rule or allow-list learnt from answers, each
// with the packet time it lapses at.  Indexed both ways so that a flood of
// answers costs a logarithm per address, not a scan of the rule: learning
// at the cap evicts the soonest to lapse, and expiry walks only what lapsed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace spin::agent {

class LearntAddresses {
public:
    using Address = std::pair<uint8_t, std::array<uint8_t, 16>>;  // IP version, bytes

    // Keeps `a` until at least `until`.  A new address beyond `cap` pushes
    // out the one that lapses soonest (counted in `evicted`).  True when
    // the set of addresses changed.
    bool learn(const Address& a, uint64_t until, size_t cap, uint64_t& evicted) {
        const auto [it, fresh] = until_.try_emplace(a, until);
        if (!fresh) {
            extend(it, until);
            return false;
        }
        by_time_.emplace(until, a);
        if (until_.size() > cap) {
            const auto soonest = by_time_.begin();
            until_.erase(soonest->second);
            by_time_.erase(soonest);
            ++evicted;
        }
        return true;
    }
    // Moves the lapse of a known address later (a flow still uses it).
    void extend(const Address& a, uint64_t until) {
        if (const auto it = until_.find(a); it != until_.end()) extend(it, until);
    }
    // Drops what lapsed before `now`; returns how many.
    size_t expire(uint64_t now) {
        size_t n = 0;
        while (!by_time_.empty() && by_time_.begin()->first < now) {
            until_.erase(by_time_.begin()->second);
            by_time_.erase(by_time_.begin());
            ++n;
        }
        return n;
    }

    size_t size() const { return until_.size(); }
    bool empty() const { return until_.empty(); }
    // address -> until, in address order
    std::map<Address, uint64_t>::const_iterator begin() const { return until_.begin(); }
    std::map<Address, uint64_t>::const_iterator end() const { return until_.end(); }

private:
    void extend(std::map<Address, uint64_t>::iterator it, uint64_t until) {
        if (until <= it->second) return;
        by_time_.erase({it->second, it->first});
        it->second = until;
        by_time_.emplace(until, it->first);
    }

    std::map<Address, uint64_t> until_;
    std::set<std::pair<uint64_t, Address>> by_time_;
};

}  // namespace spin::agent
