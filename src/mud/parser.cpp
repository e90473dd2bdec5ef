#include "mud/parser.h"

#include <set>
#include <vector>

#include <fmt/format.h>

#include "mud/acl_parser.h"
#include "mud/json_reader.h"

namespace spin::mud {

std::string_view to_string(Dialect d) {
    switch (d) {
    case Dialect::rfc8520: return "rfc8520";
    case Dialect::pre_rfc: return "pre-rfc";
    case Dialect::draft: return "draft";
    }
    return "?";
}

namespace {

using detail::child;
using detail::json;
using detail::JsonReader;

constexpr std::string_view kMud = "ietf-mud:mud";
constexpr std::string_view kAcls = "ietf-access-control-list:acls";
constexpr std::string_view kAccessLists = "ietf-access-control-list:access-lists";

// Parses JSON and reports keys that appear twice in one object: readers
// disagree on which of the two counts, and a signed file must mean one thing.
class DuplicateKeys {
public:
    bool operator()(int, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start: open_.emplace_back(); break;
        case json::parse_event_t::object_end:
            if (!open_.empty()) open_.pop_back();
            break;
        case json::parse_event_t::key:
            if (!open_.empty() && parsed.is_string() && !open_.back().insert(parsed.get<std::string>()).second &&
                duplicates.size() < 16)
                duplicates.push_back(parsed.get<std::string>());
            break;
        default: break;
        }
        return true;
    }
    std::vector<std::string> duplicates;

private:
    std::vector<std::set<std::string>> open_;
};

void read_policy(JsonReader& r, const json& v, const std::string& path, std::vector<std::string>& out) {
    if (!r.object(v, path)) return;
    r.unknown_keys(v, path, {"access-lists"}, "a policy leaf SPIN does not know, ignored");
    const json* lists = r.member(v, path, "access-lists", true);
    const std::string at = child(path, "access-lists");
    if (lists == nullptr || !r.object(*lists, at)) return;
    const json* list = r.list(*lists, at, "access-list", true);
    if (list == nullptr) return;
    for (size_t i = 0; i < list->size(); ++i) {
        const std::string item = child(child(at, "access-list"), i);
        const json& e = (*list)[i];
        if (!r.object(e, item)) continue;
        if (const json* n = r.member(e, item, "name", true))
            if (auto name = r.string(*n, child(item, "name"))) out.push_back(*name);
    }
}

void read_container(JsonReader& r, const json& v, const std::string& path, Profile& p) {
    if (!r.object(v, path)) return;
    r.unknown_keys(v, path,
                   {"mud-version", "mud-url", "last-update", "mud-signature", "cache-validity", "is-supported",
                    "systeminfo", "mfg-name", "model-name", "firmware-rev", "software-rev", "documentation",
                    "extensions", "from-device-policy", "to-device-policy"},
                   "a leaf SPIN does not know (an extension it does not implement), ignored");
    const auto text = [&](std::string_view key, std::string& out, bool required) {
        if (const json* s = r.member(v, path, key, required)) out = r.string(*s, child(path, key)).value_or("");
    };
    if (const json* n = r.member(v, path, "mud-version", true))
        p.mud_version = static_cast<int>(r.integer(*n, child(path, "mud-version"), 1, 1).value_or(1));
    text("mud-url", p.mud_url, true);
    if (!p.mud_url.empty() && !p.mud_url.starts_with("https://"))
        r.error(child(path, "mud-url"),
                fmt::format("\"{}\" is not an https:// URL (RFC 8520 section 1.8)", p.mud_url.substr(0, 80)));
    text("last-update", p.last_update, true);
    text("mud-signature", p.mud_signature, false);
    if (const json* c = r.member(v, path, "cache-validity"))
        p.cache_validity = static_cast<int>(r.integer(*c, child(path, "cache-validity"), 1, 168).value_or(48));
    if (const json* s = r.member(v, path, "is-supported", true))
        p.is_supported = r.boolean(*s, child(path, "is-supported")).value_or(true);
    text("systeminfo", p.systeminfo, false);
    if (p.systeminfo.size() > 60)
        r.tolerate(child(path, "systeminfo"), "longer than the 60 characters RFC 8520 allows");
    text("mfg-name", p.mfg_name, false);
    text("model-name", p.model_name, false);
    text("firmware-rev", p.firmware_rev, false);
    text("software-rev", p.software_rev, false);
    text("documentation", p.documentation, false);
    if (const json* e = r.list(v, path, "extensions", false))
        for (size_t i = 0; i < e->size(); ++i)
            if (auto s = r.string((*e)[i], child(child(path, "extensions"), i))) p.extensions.push_back(*s);
    if (const json* f = r.member(v, path, "from-device-policy"))
        read_policy(r, *f, child(path, "from-device-policy"), p.from_device);
    if (const json* t = r.member(v, path, "to-device-policy"))
        read_policy(r, *t, child(path, "to-device-policy"), p.to_device);
}

// Each policy names ACLs that exist; each ACL is in a policy.
void check_references(JsonReader& r, const Profile& p, const std::string& acls_path) {
    std::set<std::string> used;
    for (const auto& [key, names] :
         {std::pair<std::string_view, const std::vector<std::string>*>{"from-device-policy", &p.from_device},
          {"to-device-policy", &p.to_device}}) {
        const std::string at = child(child(child(std::string(), kMud), key), "access-lists");
        for (size_t i = 0; i < names->size(); ++i) {
            const std::string& name = (*names)[i];
            used.insert(name);
            if (p.acl(name) == nullptr)
                r.error(child(child(at, "access-list"), i),
                        fmt::format("names ACL \"{}\", which the file does not have", name));
        }
    }
    for (size_t i = 0; i < p.acls.size(); ++i)
        if (!p.acls[i].name.empty() && used.count(p.acls[i].name) == 0)
            r.tolerate(child(child(acls_path, "acl"), i), fmt::format("ACL \"{}\" is in no policy", p.acls[i].name));
}

}  // namespace

ParseResult parse(std::string_view text, const ParseOptions& options) {
    ParseResult result;
    JsonReader r(options, result);
    json doc;
    DuplicateKeys dup;
    try {
        doc = json::parse(text.begin(), text.end(), std::ref(dup));
    } catch (const json::exception& e) {
        r.error("", fmt::format("not JSON: {}", e.what()));
        return result;
    }
    for (const auto& key : dup.duplicates)
        r.error("", fmt::format("the key \"{}\" appears twice in one object", key.substr(0, 80)));
    if (!r.object(doc, "")) return result;
    r.unknown_keys(doc, "", {kMud, kAcls, kAccessLists}, "a module SPIN does not know, ignored");
    const json* mud = r.member(doc, "", kMud, true);
    if (mud == nullptr) return result;

    const json* acls = r.member(doc, "", kAcls);
    const json* access_lists = r.member(doc, "", kAccessLists);
    std::string acls_path = child(std::string(), kAcls);
    if (acls != nullptr && access_lists != nullptr) {
        r.error("", fmt::format("both {} and {}: which is the device's?", kAcls, kAccessLists));
    } else if (access_lists != nullptr) {
        acls = access_lists;
        acls_path = child(std::string(), kAccessLists);
        const json* list = acls->is_object() ? r.member(*acls, acls_path, "acl") : nullptr;
        const bool draft =
            list != nullptr && list->is_array() &&
            std::any_of(list->begin(), list->end(), [](const json& a) { return detail::is_draft_acl(a); });
        result.dialect = draft ? Dialect::draft : Dialect::pre_rfc;
        r.tolerate(acls_path, draft ? "the early drafts' ACL layout (acl-type, access-list-entries, rule-name, "
                                      "ipv4-acl / ipv6-acl), read as RFC 8519's"
                                    : "the pre-RFC container name; RFC 8520 calls it ietf-access-control-list:acls");
    }

    Profile p;
    read_container(r, *mud, child(std::string(), kMud), p);
    if (acls != nullptr)
        p.acls = detail::read_acls(r, *acls, acls_path, result.dialect);
    else if (!p.from_device.empty() || !p.to_device.empty())
        r.error("", "policies name ACLs, and there are none");
    check_references(r, p, acls_path);
    result.profile = std::move(p);
    return result;
}

}  // namespace spin::mud
