// libFuzzer harness: parsing the agent's orders (hostile JSON from the command channel).
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/order_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::agent::Order order;
    (void)spin::agent::parse_order(std::string(reinterpret_cast<const char*>(data), size), order);
    return 0;
}
