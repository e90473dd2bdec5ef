#include "agent/slowpath/slow_path_reader.h"

#include <rte_mbuf.h>

namespace spin::slowpath {

SlowPathReader::SlowPathReader(std::vector<dp::SlowQueue*> queues, EventBuilder& builder, Sink sink)
    : queues_(std::move(queues)),
      handled_hold_(queues_.size(), 0),
      builder_(builder),
      sink_(std::move(sink)),
      linear_(65536) {}

void SlowPathReader::release_held() {
    if (!holding_) return;
    for (size_t q = 0; q < queues_.size(); ++q) queues_[q]->release(handled_hold_[q]);
    holding_ = false;
}

unsigned SlowPathReader::poll(unsigned budget) {
    unsigned done = 0;
    rte_mbuf* copies[32];
    for (size_t qi = 0; qi < queues_.size(); ++qi) {
        dp::SlowQueue* q = queues_[qi];
        while (done < budget) {
            const unsigned n = q->pop(copies, 32);
            if (n == 0) break;
            for (unsigned i = 0; i < n; ++i) {
                rte_mbuf* m = copies[i];
                const uint32_t len = std::min<uint32_t>(rte_pktmbuf_pkt_len(m), linear_.size());
                // Contiguous copies are read in place; chained ones are gathered.
                const auto* data = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, linear_.data()));
                const dp::SlowMeta& meta = dp::slow_meta(m);
                const FrameInfo info{meta.time_us, meta.kind, meta.side, meta.src_is_lan};
                events_.clear();
                if (data != nullptr) builder_.build(data, len, info, events_);
                for (auto& e : events_) sink_(std::move(e));
                if (meta.hold_seq != 0) {
                    handled_hold_[qi] = meta.hold_seq;
                    holding_ = true;
                }
                rte_pktmbuf_free(m);
            }
            done += n;
        }
    }
    return done;
}

}  // namespace spin::slowpath
