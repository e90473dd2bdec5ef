// The topics of the agent's stream socket (docs/protocol.md, "The stream"):
// the first frame of every message.  A subscriber to kStreamPrefix gets both.
#pragma once

namespace spin::proto {

inline constexpr char kStreamPrefix[] = "spin.";
inline constexpr char kDigestTopic[] = "spin.digest";
inline constexpr char kEventTopic[] = "spin.event";

}  // namespace spin::proto
