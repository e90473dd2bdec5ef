// RAII over a libpcap dump file (Ethernet link type, microsecond timestamps).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct pcap;
struct pcap_dumper;

namespace spin::gen {

class PcapWriter {
public:
    explicit PcapWriter(const std::string& path);  // throws std::runtime_error
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    void write(uint64_t time_us, const std::vector<uint8_t>& frame);
    uint64_t frames() const { return frames_; }

private:
    pcap* pcap_;
    pcap_dumper* dumper_;
    uint64_t frames_ = 0;
};

}  // namespace spin::gen
