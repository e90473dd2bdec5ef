#include "proto/flow_record.h"

namespace spin::proto {

const char* to_string(FlowEvent e) {
    switch (e) {
    case FlowEvent::start: return "start";
    case FlowEvent::update: return "update";
    case FlowEvent::end: return "end";
    case FlowEvent::blocked: return "blocked";
    }
    return "unknown";
}

const char* to_string(EndReason r) {
    switch (r) {
    case EndReason::none: return "";
    case EndReason::idle: return "idle";
    case EndReason::fin: return "fin";
    case EndReason::rst: return "rst";
    case EndReason::evict: return "evict";
    case EndReason::exit: return "exit";
    }
    return "unknown";
}

const char* to_string(Initiator i) {
    switch (i) {
    case Initiator::unknown: return "unknown";
    case Initiator::lan: return "lan";
    case Initiator::remote: return "remote";
    }
    return "unknown";
}

}  // namespace spin::proto
