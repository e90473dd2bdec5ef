// libFuzzer harness: what the controller reads from an agent's stream as an
// event (docs/protocol.md, "Events"), bytes that claim to be JSON: parsed,
// read as a typed event (its bounds, a `stats` event's lists and names), and
// an event that reads must write back as what it read.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "proto/events.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded()) return 0;
    std::string error;
    const auto e = spin::proto::parse_event(j, &error);
    if (!e) return 0;
    if (const auto* s = e->as<spin::proto::StatsEvent>()) {
        if (s->workers.size() > spin::proto::StatsEvent::kMaxWorkers || s->ports.size() > 2 ||
            s->rules.size() > spin::proto::StatsEvent::kMaxRules) {
            std::fprintf(stderr, "fuzz-agent-event: a stats event past its bounds was read\n");
            std::abort();
        }
    }
    const nlohmann::json written = *e;
    const auto again = spin::proto::parse_event(written, &error);
    if (!again || nlohmann::json(*again) != written) {
        std::fprintf(stderr, "fuzz-agent-event: %s does not read back: %s\n", written.dump().c_str(), error.c_str());
        std::abort();
    }
    return 0;
}
