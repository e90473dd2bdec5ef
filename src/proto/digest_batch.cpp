#include "proto/digest_batch.h"

#include <cstring>

#include <fmt/format.h>

namespace spin::proto {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "records are copied verbatim: the wire format is little-endian");

namespace {

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof v);
}

template <typename T>
T get(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

size_t pad8(size_t n) { return (n + 7) & ~size_t{7}; }

}  // namespace

std::string_view DigestBatch::rule_name(uint32_t id) const {
    for (const auto& r : rules)
        if (r.id == id) return r.name;
    return {};
}

void encode_digest_batch(const DigestBatchHeader& header, std::span<const FlowRecord> records,
                         std::span<const RuleName> rules, std::vector<uint8_t>& out) {
    out.clear();
    const size_t agent_len = std::min<size_t>(header.agent.size(), UINT16_MAX);
    out.reserve(kDigestHeaderSize + pad8(agent_len) + records.size() * sizeof(FlowRecord) + 64);
    out.insert(out.end(), kDigestMagic, kDigestMagic + 4);
    put<uint16_t>(out, kDigestVersion);
    put<uint16_t>(out, static_cast<uint16_t>(kDigestHeaderSize + pad8(agent_len)));
    put<uint64_t>(out, header.seq);
    put<uint64_t>(out, header.boot_us);
    put<uint64_t>(out, header.sent_us);
    put<uint32_t>(out, static_cast<uint32_t>(records.size()));
    put<uint16_t>(out, sizeof(FlowRecord));
    put<uint16_t>(out, static_cast<uint16_t>(agent_len));
    out.insert(out.end(), header.agent.begin(), header.agent.begin() + agent_len);
    out.resize(kDigestHeaderSize + pad8(agent_len), 0);
    const auto* rec = reinterpret_cast<const uint8_t*>(records.data());
    out.insert(out.end(), rec, rec + records.size_bytes());
    put<uint32_t>(out, static_cast<uint32_t>(rules.size()));
    for (const auto& r : rules) {
        const size_t n = std::min<size_t>(r.name.size(), UINT16_MAX);
        put<uint32_t>(out, r.id);
        put<uint16_t>(out, static_cast<uint16_t>(n));
        out.insert(out.end(), r.name.begin(), r.name.begin() + n);
    }
}

std::string decode_digest_batch(std::span<const uint8_t> bytes, DigestBatch& batch) {
    const uint8_t* p = bytes.data();
    const size_t size = bytes.size();
    if (size < kDigestHeaderSize)
        return fmt::format("batch of {} bytes is shorter than the {}-byte header", size, kDigestHeaderSize);
    if (std::memcmp(p, kDigestMagic, 4) != 0) return "bad magic: not a SPIN digest batch";
    const auto version = get<uint16_t>(p + 4);
    if (version != kDigestVersion)
        return fmt::format("unsupported digest version {} (this reader knows {})", version, kDigestVersion);
    const size_t header_len = get<uint16_t>(p + 6);
    batch.header.seq = get<uint64_t>(p + 8);
    batch.header.boot_us = get<uint64_t>(p + 16);
    batch.header.sent_us = get<uint64_t>(p + 24);
    const size_t count = get<uint32_t>(p + 32);
    const size_t rec_len = get<uint16_t>(p + 36);
    const size_t agent_len = get<uint16_t>(p + 38);
    if (header_len < kDigestHeaderSize + agent_len || header_len > size)
        return fmt::format("header length {} does not fit agent id of {} bytes in a {}-byte batch", header_len,
                           agent_len, size);
    if (rec_len < sizeof(FlowRecord))
        return fmt::format("record length {} is shorter than {}", rec_len, sizeof(FlowRecord));
    if (count > (size - header_len) / rec_len)
        return fmt::format("{} records of {} bytes do not fit in {} bytes", count, rec_len, size - header_len);
    batch.header.agent.assign(reinterpret_cast<const char*>(p + kDigestHeaderSize), agent_len);
    batch.records.resize(count);
    // Newer writers may append fields to a record: take the ones we know.
    for (size_t i = 0; i < count; ++i) std::memcpy(&batch.records[i], p + header_len + i * rec_len, sizeof(FlowRecord));
    size_t off = header_len + count * rec_len;
    batch.rules.clear();
    if (size - off < 4) return "batch ends before its rule-name table";
    const size_t nrules = get<uint32_t>(p + off);
    off += 4;
    for (size_t i = 0; i < nrules; ++i) {
        if (size - off < 6) return fmt::format("rule-name entry {} is truncated", i);
        const uint32_t id = get<uint32_t>(p + off);
        const size_t len = get<uint16_t>(p + off + 4);
        off += 6;
        if (size - off < len) return fmt::format("rule name {} is truncated", i);
        batch.rules.push_back({id, std::string(reinterpret_cast<const char*>(p + off), len)});
        off += len;
    }
    if (off != size) return fmt::format("{} trailing bytes after the rule-name table", size - off);
    return {};
}

}  // namespace spin::proto
