// Who made a device, from its MAC address: the IEEE registries as Debian's
// ieee-data package ships them (MA-L 24-bit, MA-M 28-bit, MA-S and IAB 36-bit
// assignments), longest match first.  Locally administered addresses
// (randomised MACs of phones and laptops) and group addresses carry no vendor
// and are reported as such.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace spin::nmf {

inline constexpr char kIeeeDataDir[] = "/usr/share/ieee-data";

struct Vendor {
    enum class Kind { registered, unregistered, locally_administered, group };
    Kind kind = Kind::unregistered;
    std::string name;  // registered only: the organisation, as the IEEE lists it
};

const char* to_string(Vendor::Kind kind);

class OuiDatabase {
public:
    // Reads oui.csv, mam.csv, oui36.csv and iab.csv from `dir` (files that are
    // missing are skipped).  Throws std::runtime_error when none could be read.
    static OuiDatabase load(const std::string& dir = kIeeeDataDir);
    // Adds the assignments of one registry CSV text (header line first);
    // returns how many were taken.  Malformed lines are skipped and counted.
    size_t add_csv(const std::string& text);

    Vendor lookup(const std::array<uint8_t, 6>& mac) const;
    size_t size() const { return by_bits_[0].size() + by_bits_[1].size() + by_bits_[2].size(); }
    size_t malformed_lines() const { return malformed_; }

private:
    // Index 0: 24-bit prefixes, 1: 28-bit, 2: 36-bit; key: the prefix bits.
    std::unordered_map<uint64_t, std::string> by_bits_[3];
    size_t malformed_ = 0;
};

}  // namespace spin::nmf
