// Wall-clock microseconds from the TSC: one rdtsc and a multiply, no syscall,
// so a worker can read it every poll.
#pragma once

#include <cstdint>

#include <rte_cycles.h>

#include "common/wall_clock.h"

namespace spin::dp {

class EpochClock {
public:
    EpochClock() {
        tsc0_ = rte_get_tsc_cycles();
        epoch0_us_ = epoch_us_now();
        const uint64_t hz = rte_get_tsc_hz();
        us_per_tsc_ = hz != 0 ? 1e6 / static_cast<double>(hz) : 0.0;
    }
    uint64_t now_us() const {
        return epoch0_us_ + static_cast<uint64_t>(static_cast<double>(rte_get_tsc_cycles() - tsc0_) * us_per_tsc_);
    }

private:
    uint64_t tsc0_;
    uint64_t epoch0_us_;
    double us_per_tsc_;
};

}  // namespace spin::dp
