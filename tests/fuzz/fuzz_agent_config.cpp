// libFuzzer harness: the agent's YAML configuration loader on broken files.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/agent_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto c = spin::agent::parse_agent_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
        spin::agent::validate(c);
    } catch (const spin::agent::ConfigError&) {}
    return 0;
}
