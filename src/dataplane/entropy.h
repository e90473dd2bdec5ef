// Secrets from the kernel's random source, for keyed hashes a device on the
// LAN must not predict (the flow index, the reflex's device table).
#pragma once

#include <cstddef>

namespace spin::dp {

// Fills `n` bytes at `p` with getrandom(); throws std::runtime_error if the kernel gives none.
void fill_random(void* p, size_t n);

}  // namespace spin::dp
