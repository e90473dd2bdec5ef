// One alert (docs/detection.md): what a detector saw in a device's traffic,
// from an agent's reflex or a controller detector.  Stored and streamed as
// an event of type `alert` (to_event_doc); the response (controller/
// response) reads it to decide what to do.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace spin::nmf {

struct Alert {
    std::string device;          // MAC
    std::string agent;           // the agent whose reflex raised it; "" for the controller's detectors
    std::string detector;        // mirai_scan, scan, syn_flood, ...
    std::string stage;           // alert, restrict, quarantine: how strong the detector thinks it is
    double first = 0, time = 0;  // packet time: the first and the last thing seen
    nlohmann::json evidence = nlohmann::json::object();
    std::string message;  // the sentence for a person

    // The event's fields besides type, time, device and agent.
    nlohmann::json fields() const {
        return {
            {"detector", detector}, {"stage", stage}, {"first", first}, {"evidence", evidence}, {"message", message}};
    }
};

}  // namespace spin::nmf
