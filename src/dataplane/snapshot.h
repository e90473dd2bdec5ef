// An immutable table shared with the workers: the control side builds a new
// one, swaps the pointer and frees the old one only after a grace period of
// the datapath's RCU.  Readers load current() once per burst and never see a
// table change under them.
#pragma once

#include <atomic>
#include <memory>

#include "dataplane/rcu.h"

namespace spin::dp {

template <typename T>
class Snapshot {
public:
    Snapshot(Rcu& rcu, std::unique_ptr<T> initial) : rcu_(rcu), owned_(std::move(initial)) {
        current_.store(owned_.get(), std::memory_order_release);
    }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

    // Reader side: wait-free.
    const T* current() const { return current_.load(std::memory_order_acquire); }

    // Control side, one thread: swaps `next` in and returns once no worker
    // can still hold the previous table, which is then freed.
    void publish(std::unique_ptr<T> next) {
        current_.store(next.get(), std::memory_order_release);
        rcu_.synchronize();  // offline readers hold nothing; online ones finish their burst
        owned_ = std::move(next);
    }

private:
    Rcu& rcu_;
    std::atomic<const T*> current_;
    std::unique_ptr<T> owned_;
};

}  // namespace spin::dp
