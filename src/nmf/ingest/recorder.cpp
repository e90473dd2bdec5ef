#include "nmf/ingest/recorder.h"
#include "nmf/model/json_fields.h"

#include <algorithm>
#include <cstring>

#include "common/mac_address.h"
#include "nmf/model/device_json.h"
#include "proto/flow_record_json.h"

namespace spin::nmf {

using nlohmann::json;

namespace {

// "" for no device, as in flow records.
std::string mac_text(uint64_t mac) { return proto::format_mac(MacAddress::from_u64(mac).data()); }

}  // namespace

uint32_t Recorder::agent_index(const std::string& id) {
    auto [it, fresh] = agent_index_.try_emplace(id, static_cast<uint32_t>(agent_names_.size()));
    if (fresh) agent_names_.push_back(id);
    return it->second;
}

void Recorder::touch(uint32_t agent, const proto::FlowRecord& r) {
    Touch& t = touches_[MacAddress::to_u64(r.mac)];
    const double first = static_cast<double>(r.first_us) / 1e6, last = static_cast<double>(r.last_us) / 1e6;
    if (t.first == 0 || first < t.first) t.first = first;
    t.last = std::max(t.last, last);
    t.answered = t.answered || r.pkts_in != 0;
    std::array<uint8_t, 17> ip;
    ip[0] = r.ip_version;
    std::memcpy(ip.data() + 1, r.lan_ip, 16);
    if (std::find(t.lan_ips.begin(), t.lan_ips.end(), ip) == t.lan_ips.end()) t.lan_ips.push_back(ip);
    if (std::find(t.agents.begin(), t.agents.end(), agent) == t.agents.end()) t.agents.push_back(agent);
}

void Recorder::on_digest(const proto::DigestBatch& batch) {
    const uint32_t agent = agent_index(batch.header.agent);
    for (const proto::FlowRecord& r : batch.records) {
        ++stats_.digest_records;
        newest_ = std::max(newest_, static_cast<double>(r.last_us) / 1e6);
        TrafficCounters added;
        accounting_.account(agent, r, &added);
        if (flow_observer_ && !added.empty()) flow_observer_(batch.header.agent, r, added);
        if (const MudViolation* v = conformance_.on_record(r, added)) note_violation(*v, batch.header.agent);
        if (!MacAddress::is_group(r.mac) && MacAddress::to_u64(r.mac) != 0) {
            touch(agent, r);
            behaviours_.on_record(r, added);
            detection_.on_record(r, added);
        }
    }
}

json Recorder::resolved_names(const std::string& mac, const std::string& remote_ip) const {
    json names = json::array();
    if (const Device* d = model_.find(mac))
        if (const auto r = d->resolved.find(remote_ip); r != d->resolved.end())
            for (const auto& [name, record] : r->second) names.push_back(name);
    return names;
}

void Recorder::note_violation(const MudViolation& v, const std::string& agent) {
    json doc = to_json(v);
    doc["names"] = resolved_names(v.mac, v.remote_ip);
    detection_.on_violation(v.mac, doc, v.first);
    note("mud_violation", v.first, v.mac, agent, std::move(doc));
}

void Recorder::on_agent_event(const json& event) {
    if (const auto e = proto::parse_event(event, nullptr)) return on_agent_event(*e);
    ++stats_.agent_events;
    ++stats_.events_refused;  // not an event of docs/protocol.md: counted, not trusted
}

void Recorder::on_agent_event(const proto::Event& e) {
    ++stats_.agent_events;
    if (event_observer_) event_observer_(e);
    newest_ = std::max(newest_, e.time);
    if (const auto* m = e.as<proto::DhcpMismatchEvent>()) {
        const auto mac = MacAddress::parse(e.mac);
        note("dhcp_mismatch", e.time, mac ? mac->to_string() : "", e.agent,
             {{"chaddr", m->chaddr}, {"message", m->message}, {"reason", m->reason}});
        return;
    }
    if (const auto* a = e.as<proto::AlertEvent>()) {
        // An agent's alert may order a quarantine: only a well-formed one about a device is believed.
        const auto mac = MacAddress::parse(e.mac);
        const auto& names = detector_names();
        if (!mac || mac->is_group() || mac->is_zero() || !stage_from(a->stage) ||
            std::find(names.begin(), names.end(), a->detector) == names.end() || !a->evidence.is_object() ||
            a->evidence.dump().size() > kMaxAlertEvidence || a->message.size() > kMaxAlertMessage) {
            ++stats_.events_refused;
            return;
        }
        alert({mac->to_string(), e.agent, a->detector, a->stage, a->first, e.time, a->evidence, a->message});
        return;
    }
    if (const auto* dns = e.as<proto::DnsEvent>()) detection_.on_dns(e.mac, *dns, e.time);
    const auto change = model_.apply(e);
    if (!change) return;
    // Every binding the model holds is kept (times, expiry), not only those
    // that changed it: a second name for an address is news for the store.
    if (const auto* dns = e.as<proto::DnsEvent>()) {
        for (const auto& b : dns->bindings) {
            // What the model's caps left out is not stored either.
            if (b.name.empty() || b.address.empty() || !model_.resolved(change->mac, b.address, b.name)) continue;
            NameRow& row = names_[{change->mac, b.address, b.name}];
            if (row.mac.empty()) row = NameRow{change->mac, b.address, b.name, e.time, e.time, 0};
            row.first_seen = std::min(row.first_seen, e.time);
            row.last_seen = std::max(row.last_seen, e.time);
            row.expires = std::max(row.expires, b.expires);
        }
    }
    if (change->empty()) return;
    ++stats_.model_changes;
    if (change->new_device) note("device_new", e.time, change->mac, e.agent);
    std::vector<std::string> other;
    for (const std::string& c : change->changes)
        if (c.rfind("destination ", 0) != 0) other.push_back(c);
    if (!other.empty()) note("device_changed", e.time, change->mac, e.agent, {{"changes", other}});
}

void Recorder::alert(Alert a) {
    newest_ = std::max(newest_, a.time);
    note("alert", a.time, a.device, a.agent, a.fields());
    alerts_.push_back(std::move(a));
}

void Recorder::note(const std::string& type, double time, const std::string& device, const std::string& agent,
                    json doc) {
    if (!budget_.admit(type, time)) return;  // counted, and summed up when the minute ends
    if (!doc.is_object()) doc = json::object();
    doc["type"] = type;
    doc["time"] = time;
    if (!device.empty()) doc["device"] = device;
    if (!agent.empty()) doc["agent"] = agent;
    events_.push_back(EventRow{time, type, device, agent, std::move(doc)});
    ++stats_.nmf_events;
}

void Recorder::set_agent(const std::string& id, const json& doc) { agents_[id] = doc; }

size_t Recorder::restore(const StoredModel& stored) {
    size_t n = 0;
    // The volume detector's history, device by device (the rows come sorted by device, then hour).
    for (size_t i = 0; i < stored.hours.size();) {
        std::vector<std::pair<int64_t, uint64_t>> hours;
        size_t j = i;
        for (; j < stored.hours.size() && stored.hours[j].mac == stored.hours[i].mac; ++j)
            hours.emplace_back(stored.hours[j].hour, stored.hours[j].bytes_out);
        detection_.seed_volume(stored.hours[i].mac, hours);
        i = j;
    }
    for (const json& doc : stored.devices) {
        Device d = device_from_json(doc);
        if (d.mac.empty()) continue;
        model_.restore(std::move(d));
        ++n;
    }
    for (const NameRow& s : stored.names) {
        NameRecord r;
        r.seen.first = s.first_seen;
        r.seen.last = s.last_seen;
        r.expires = s.expires;
        model_.restore_name(s.mac, s.remote_ip, s.name, r);
    }
    for (const DestinationRow& d : stored.destinations) {
        bool fresh = false;
        remember({d.mac, d.remote_ip}, Destination{d.first_seen, d.last_seen}, fresh);
    }
    for (const OpenFlowRow& f : stored.open_flows)
        accounting_.restore(
            FlowSnapshot{f.tuple, FlowState{static_cast<const FlowProgress&>(f), agent_index(f.agent)}});
    return n;
}

void Recorder::forget(const std::string& mac) {
    auto it = destinations_.lower_bound({mac, ""});
    while (it != destinations_.end() && it->first.first == mac) it = destinations_.erase(it);
    destinations_per_device_.erase(mac);
    if (const auto m = MacAddress::parse(mac)) behaviours_.forget(m->to_u64());
    for (auto n = names_.lower_bound({mac, "", ""}); n != names_.end() && std::get<0>(n->first) == mac;)
        n = names_.erase(n);
}

Recorder::Destination& Recorder::remember(const std::pair<std::string, std::string>& key, const Destination& seen,
                                          bool& fresh) {
    auto found = destinations_.find(key);
    fresh = found == destinations_.end();
    if (!fresh) return found->second;
    size_t& count = destinations_per_device_[key.first];
    if (count >= kDestinationsPerDevice) {
        auto oldest = destinations_.end();
        for (auto it = destinations_.lower_bound({key.first, ""});
             it != destinations_.end() && it->first.first == key.first; ++it)
            if (oldest == destinations_.end() || it->second.last < oldest->second.last) oldest = it;
        destinations_.erase(oldest);
        --count;
        ++stats_.destinations_pruned;
    }
    ++count;
    return destinations_.emplace(key, seen).first->second;
}

void Recorder::traffic_rows(const FlowAccounting::Pending& pending, StoreBatch& batch) {
    batch.traffic.reserve(pending.size());
    std::map<std::pair<std::string, std::string>, Destination> touched;
    // A device's traffic this batch to remotes past its budget of new ones:
    // (mac, proto, minute) -> counters, written as remote "*".
    std::map<std::tuple<uint64_t, uint8_t, int64_t>, TrafficCounters> scanned;
    // Remotes the device already had are given rows first, so that a scan's
    // new remotes cannot take theirs.
    struct Candidate {
        const TrafficKey* key;
        const TrafficCounters* counters;
        TrafficRow row;
        bool known;
    };
    std::vector<Candidate> candidates;
    candidates.reserve(pending.size());
    for (const auto& [key, counters] : pending) {
        Candidate c{&key, &counters, {}, false};
        c.row.mac = mac_text(key.mac);
        c.row.remote_ip = proto::format_ip(key.remote_ip.data(), key.ip_version);
        c.known = destinations_.count({c.row.mac, c.row.remote_ip}) != 0;
        candidates.push_back(std::move(c));
    }
    std::stable_partition(candidates.begin(), candidates.end(), [](const Candidate& c) { return c.known; });
    for (Candidate& c : candidates) {
        const TrafficKey& key = *c.key;
        TrafficRow& row = c.row;
        std::pair<std::string, std::string> dest{row.mac, row.remote_ip};
        MinuteRows& given = minute_rows_[{key.mac, key.bucket}];
        const uint64_t h =
            hash_bytes16(hash_word(key.proto, uint64_t{key.remote_port} << 8 | key.ip_version), key.remote_ip.data());
        bool own = given.keys.count(h) != 0;  // a row already this minute
        if (!own && given.keys.size() < row_limits_.rows) {
            own = c.known || touched.count(dest);
            if (!own && given.new_remotes < row_limits_.new_remotes) {
                own = true;
                ++given.new_remotes;
            }
            if (own) given.keys.insert(h);
        }
        if (!own) {
            scanned[{key.mac, key.proto, key.bucket}] += *c.counters;
            ++stats_.remotes_aggregated;
            continue;
        }
        row.proto = key.proto;
        row.remote_port = key.remote_port;
        row.minute = key.bucket;
        row.counters = *c.counters;
        Destination& d = touched[std::move(dest)];
        const auto t = static_cast<double>(key.bucket);
        if (d.first == 0 || t < d.first) d.first = t;
        d.last = std::max(d.last, t + 59);
        batch.traffic.push_back(std::move(row));
    }
    for (const auto& [k, counters] : scanned) {
        TrafficRow row;
        row.mac = mac_text(std::get<0>(k));
        row.remote_ip = "*";
        row.proto = std::get<1>(k);
        row.minute = std::get<2>(k);
        row.counters = counters;
        batch.traffic.push_back(std::move(row));
    }
    // Minutes long past give no more traffic worth a budget.
    const auto newest_minute = static_cast<int64_t>(newest_) / 60 * 60;
    for (auto it = minute_rows_.begin(); it != minute_rows_.end();)
        it = it->first.second < newest_minute - 600 ? minute_rows_.erase(it) : std::next(it);
    for (const auto& [k, seen] : touched) {
        bool fresh = false;
        Destination& d = remember(k, seen, fresh);
        if (!fresh) {
            d.first = std::min(d.first, seen.first);
            d.last = std::max(d.last, seen.last);
        } else {
            note("destination_new", seen.first, k.first, "",
                 {{"remote_ip", k.second}, {"names", model_.names_of(k.first, k.second)}});
        }
        batch.destinations.push_back(DestinationRow{k.first, k.second, d.first, d.last});
    }
}

StoreBatch Recorder::take_batch(std::optional<double> wall_now) {
    StoreBatch batch;
    model_.set_clock(wall_now.value_or(newest_));
    for (const auto& [mac, t] : touches_) {
        const std::string mac_str = mac_text(mac);
        for (const auto& ip : t.lan_ips)
            for (uint32_t agent : t.agents) {
                const ModelChange change = model_.observe_traffic(mac_str, proto::format_ip(ip.data() + 1, ip[0]),
                                                                  t.first, t.last, agent_names_[agent], t.answered);
                if (change.new_device) note("device_new", t.first, mac_str, agent_names_[agent]);
                if (!change.changes.empty())
                    note("device_changed", t.first, mac_str, agent_names_[agent], {{"changes", change.changes}});
            }
    }
    touches_.clear();

    for (const std::string& mac : model_.take_removed()) {
        forget(mac);
        // One forgotten and made again (a record since) keeps its rows.
        if (model_.find(mac) == nullptr) batch.devices_removed.push_back(mac);
    }

    const FlowAccounting::Pending pending = accounting_.take_pending();
    // The flows' state as of exactly this traffic: the same transaction
    // holds both, so a restart resumes each flow where the store stands.
    FlowAccounting::Changes flows = accounting_.take_changes();
    batch.closed_flows = std::move(flows.forgotten);
    batch.open_flows.reserve(flows.changed.size());
    for (const FlowSnapshot& f : flows.changed) {
        const FlowState& s = f.state;
        batch.open_flows.push_back(OpenFlowRow{static_cast<const FlowProgress&>(s), f.tuple, agent_names_[s.agent]});
    }
    traffic_rows(pending, batch);

    for (const std::string& mac : model_.take_dirty()) {
        const Device* d = model_.find(mac);
        if (d == nullptr) continue;
        batch.devices.push_back(DeviceRow{mac, d->seen.first, d->seen.last, device_to_json(*d).dump()});
    }
    for (auto& [key, row] : names_) batch.names.push_back(std::move(row));
    names_.clear();
    budget_.advance(newest_);
    if (auto summary = budget_.take_summary()) {
        const double end = summary->value("window_end", newest_);
        note("events_suppressed", end, "", "", std::move(*summary));
    }
    batch.events.swap(events_);
    behaviours_.take(batch.behaviours);
    for (auto& [id, doc] : agents_) batch.agents.push_back(AgentRow{id, std::move(doc)});
    agents_.clear();
    if (++batches_ % 60 == 0) accounting_.sweep();
    return batch;
}

}  // namespace spin::nmf
