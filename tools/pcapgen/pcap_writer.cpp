#include "pcap_writer.h"

#include <pcap/pcap.h>

#include <stdexcept>

namespace spin::gen {

PcapWriter::PcapWriter(const std::string& path) {
    pcap_ = pcap_open_dead(DLT_EN10MB, 65535);
    dumper_ = pcap_ != nullptr ? pcap_dump_open(pcap_, path.c_str()) : nullptr;
    if (dumper_ == nullptr) {
        const std::string err = pcap_ != nullptr ? pcap_geterr(pcap_) : "pcap_open_dead failed";
        if (pcap_ != nullptr) pcap_close(pcap_);
        throw std::runtime_error("cannot write " + path + ": " + err);
    }
}

PcapWriter::~PcapWriter() {
    pcap_dump_close(dumper_);
    pcap_close(pcap_);
}

void PcapWriter::write(uint64_t time_us, const std::vector<uint8_t>& frame) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(time_us / 1'000'000);
    h.ts.tv_usec = static_cast<suseconds_t>(time_us % 1'000'000);
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, frame.data());
    ++frames_;
}

}  // namespace spin::gen
