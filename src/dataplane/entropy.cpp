#include "dataplane/entropy.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace spin::dp {

void fill_random(void* p, size_t n) {
    auto* out = static_cast<uint8_t*>(p);
    for (size_t got = 0; got < n;) {
        const ssize_t r = getrandom(out + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
        got += static_cast<size_t>(r);
    }
}

}  // namespace spin::dp
