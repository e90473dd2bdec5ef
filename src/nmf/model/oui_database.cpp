#include "nmf/model/oui_database.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "common/mac_address.h"

namespace spin::nmf {

namespace {

constexpr unsigned kBits[3] = {24, 28, 36};

// Splits one CSV line (RFC 4180 quoting); false when a quote is left open.
bool split_csv(const std::string& line, std::vector<std::string>& fields) {
    fields.assign(1, {});
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    return !quoted;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && s[b] == ' ') ++b;
    while (e > b && s[e - 1] == ' ') --e;
    return s.substr(b, e - b);
}

}  // namespace

const char* to_string(Vendor::Kind kind) {
    switch (kind) {
    case Vendor::Kind::registered: return "registered";
    case Vendor::Kind::unregistered: return "unregistered";
    case Vendor::Kind::locally_administered: return "locally administered";
    case Vendor::Kind::group: return "group";
    }
    return "?";
}

size_t OuiDatabase::add_csv(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> f;
    size_t taken = 0;
    std::getline(in, line);  // header: Registry,Assignment,Organization Name,Organization Address
    while (std::getline(in, line)) {
        if (line.empty() || line == "\r") continue;
        // Assignments are 6, 7 or 9 hex digits: 24, 28 or 36 bits.
        if (!split_csv(line, f) || f.size() < 3) {
            ++malformed_;
            continue;
        }
        const std::string& a = f[1];
        const int which = a.size() == 6 ? 0 : a.size() == 7 ? 1 : a.size() == 9 ? 2 : -1;
        uint64_t key = 0;
        bool ok = which >= 0;
        for (char c : a) {
            const int v = hex_value(c);
            ok = ok && v >= 0;
            key = key << 4 | static_cast<unsigned>(v < 0 ? 0 : v);
        }
        const std::string name = trim(f[2]);
        if (!ok || name.empty()) {
            ++malformed_;
            continue;
        }
        by_bits_[which][key] = name;
        ++taken;
    }
    return taken;
}

OuiDatabase OuiDatabase::load(const std::string& dir) {
    OuiDatabase db;
    size_t files = 0;
    for (const char* name : {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"}) {
        std::ifstream in(dir + "/" + name);
        if (!in) continue;
        std::stringstream ss;
        ss << in.rdbuf();
        db.add_csv(ss.str());
        ++files;
    }
    if (files == 0 || db.size() == 0)
        throw std::runtime_error("no IEEE registry found in " + dir + " (Debian package ieee-data)");
    return db;
}

Vendor OuiDatabase::lookup(const std::array<uint8_t, 6>& mac) const {
    if (MacAddress::is_group(mac.data())) return {Vendor::Kind::group, {}};
    // The U/L bit: set by whoever made the address up, not by a manufacturer.
    if (mac[0] & 0x02) return {Vendor::Kind::locally_administered, {}};
    const uint64_t bits = MacAddress::to_u64(mac.data());
    for (int i = 2; i >= 0; --i) {
        const auto it = by_bits_[i].find(bits >> (48 - kBits[i]));
        if (it != by_bits_[i].end()) return {Vendor::Kind::registered, it->second};
    }
    return {Vendor::Kind::unregistered, {}};
}

}  // namespace spin::nmf
