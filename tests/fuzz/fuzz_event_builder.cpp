// libFuzzer harness: whole slow-path frames through the event builder, as the
// agent's control side sees them: classified by the worker's rule, payload
// located, parsed by the parser of its kind, turned into JSON text.
// First byte: side of arrival and which end is the LAN device.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/event_publisher.h"
#include "agent/slowpath/event_builder.h"
#include "dataplane/packet_parser.h"
#include "dataplane/slow_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    static spin::slowpath::EventBuilder builder;  // kept across inputs: the binding cache is exercised too
    spin::dp::ParsedPacket p{};
    spin::dp::parse_packet(data + 1, static_cast<uint32_t>(size - 1), p);
    const auto kind = spin::dp::classify_slow(p);
    if (kind == spin::dp::SlowKind::none) return 0;
    const spin::slowpath::FrameInfo info{size * 1000, kind, static_cast<uint8_t>(data[0] & 1), (data[0] & 2) != 0};
    std::vector<spin::proto::Event> events;
    (void)builder.build(data + 1, size - 1, info, events);
    // What the agent publishes reads back as the same event (the controller's side of the wire).
    for (const auto& e : events) {
        const nlohmann::json j = e;
        std::string error;
        const auto again = spin::proto::parse_event(j, &error);
        if (!again || nlohmann::json(*again) != j) {
            std::fprintf(stderr, "fuzz-event-builder: %s does not read back: %s\n", j.dump().c_str(), error.c_str());
            std::abort();
        }
        (void)spin::agent::event_text(j);
    }
    return 0;
}
