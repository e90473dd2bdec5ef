#include "nmf/store/mud_store.h"

#include <span>

namespace spin::nmf {

using nlohmann::json;

namespace {

MudStore::Profile read_profile(Statement& s) {
    MudStore::Profile p;
    p.key = s.column_text(0);
    p.text = s.column_text(1);
    if (!s.column_is_null(2)) {
        const std::vector<uint8_t> der = s.column_blob(2);
        p.signature.assign(der.begin(), der.end());
    }
    p.doc = json::parse(s.column_text(3), nullptr, false);
    if (!p.doc.is_object()) p.doc = json::object();
    return p;
}

}  // namespace

MudStore::MudStore(const std::string& db_path) : db_(db_path, Database::Mode::existing) {}

std::vector<MudStore::Profile> MudStore::profiles() {
    std::vector<Profile> out;
    Statement s(db_, "SELECT key, text, signature, doc FROM mud_profiles ORDER BY key");
    while (s.step()) out.push_back(read_profile(s));
    return out;
}

std::optional<MudStore::Profile> MudStore::profile(const std::string& key) {
    Statement s(db_, "SELECT key, text, signature, doc FROM mud_profiles WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return read_profile(s);
}

void MudStore::save_profile(const Profile& p) {
    Statement s(
        db_,
        "INSERT INTO mud_profiles (key, text, signature, doc) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (key) DO UPDATE SET text = excluded.text, signature = excluded.signature, doc = excluded.doc");
    s.bind(1, p.key).bind(2, p.text);
    if (!p.signature.empty())
        s.bind_blob(3, std::span(reinterpret_cast<const uint8_t*>(p.signature.data()), p.signature.size()));
    s.bind(4, p.doc.dump());
    s.run();
}

void MudStore::remove_profile(const std::string& key) {
    Statement s(db_, "DELETE FROM mud_profiles WHERE key = ?1");
    s.bind(1, key);
    s.run();
}

std::vector<MudStore::Device> MudStore::devices() {
    std::vector<Device> out;
    Statement s(db_, "SELECT mac, doc FROM mud_devices ORDER BY mac");
    while (s.step()) {
        Device d{s.column_text(0), json::parse(s.column_text(1), nullptr, false)};
        if (!d.doc.is_object()) d.doc = json::object();
        out.push_back(std::move(d));
    }
    return out;
}

void MudStore::save_device(const Device& d) {
    Statement s(db_,
                "INSERT INTO mud_devices (mac, doc) VALUES (?1, ?2) "
                "ON CONFLICT (mac) DO UPDATE SET doc = excluded.doc");
    s.bind(1, d.mac).bind(2, d.doc.dump());
    s.run();
}

void MudStore::remove_device(const std::string& mac) {
    Statement s(db_, "DELETE FROM mud_devices WHERE mac = ?1");
    s.bind(1, mac);
    s.run();
}

MudStore::Behaviour MudStore::behaviour(const std::string& mac, double from, double to) {
    Behaviour out;
    Statement s(db_,
                "SELECT remote_ip, proto, opener, port, first_seen, last_seen, flows, pkts_out, bytes_out, pkts_in, "
                "bytes_in FROM behaviours WHERE mac = ?1 AND last_seen >= ?2 AND first_seen < ?3 "
                "ORDER BY remote_ip, proto, opener, port");
    s.bind(1, mac).bind(2, from).bind(3, to);
    while (s.step()) {
        BehaviourRow b;
        b.mac = mac;
        b.remote_ip = s.column_text(0);
        b.proto = static_cast<int>(s.column_int(1));
        b.opener = s.column_text(2);
        b.port = static_cast<int>(s.column_int(3));
        b.first_seen = s.column_double(4);
        b.last_seen = s.column_double(5);
        b.counters.flows = static_cast<uint64_t>(s.column_int(6));
        b.counters.pkts_out = static_cast<uint64_t>(s.column_int(7));
        b.counters.bytes_out = static_cast<uint64_t>(s.column_int(8));
        b.counters.pkts_in = static_cast<uint64_t>(s.column_int(9));
        b.counters.bytes_in = static_cast<uint64_t>(s.column_int(10));
        out.shapes.push_back(std::move(b));
    }
    Statement n(db_, "SELECT remote_ip, name FROM names WHERE mac = ?1 AND first_seen < ?2 ORDER BY remote_ip, name");
    n.bind(1, mac).bind(2, to);
    while (n.step()) out.names[n.column_text(0)].push_back(n.column_text(1));
    return out;
}

}  // namespace spin::nmf
