// libFuzzer harness: a subscriber decoding whatever arrives on a digest socket.
#include <cstddef>
#include <cstdint>

#include "proto/digest_batch.h"
#include "proto/flow_record_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::proto::DigestBatch batch;
    if (spin::proto::decode_digest_batch({data, size}, batch).empty())
        for (const auto& r : batch.records)
            (void)spin::proto::flow_record_to_json(r, batch.header.agent, batch.rule_name(r.rule));
    return 0;
}
