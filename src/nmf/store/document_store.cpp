#include "nmf/store/document_store.h"

namespace spin::nmf {

using nlohmann::json;

DocumentStore::DocumentStore(const std::string& db_path, std::string table)
    : db_(db_path, Database::Mode::existing), table_(std::move(table)) {}

std::vector<DocumentStore::Stored> DocumentStore::in_force() {
    std::vector<Stored> out;
    Statement s(db_, "SELECT id, created, expires, doc FROM " + table_ + " WHERE removed IS NULL ORDER BY id");
    while (s.step()) {
        Stored b;
        b.id = s.column_int(0);
        b.created = s.column_double(1);
        b.expires = s.column_is_null(2) ? 0 : s.column_double(2);
        b.doc = json::parse(s.column_text(3), nullptr, false);
        out.push_back(std::move(b));
    }
    return out;
}

int64_t DocumentStore::insert(double created, double expires) {
    Statement s(db_, "INSERT INTO " + table_ + " (created, expires, doc) VALUES (?1, ?2, '{}')");
    s.bind(1, created);
    if (expires != 0) s.bind(2, expires);
    s.run();
    return db_.last_insert_rowid();
}

void DocumentStore::save(int64_t id, const json& doc, double removed) {
    Statement s(db_, "UPDATE " + table_ + " SET doc = ?2, removed = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, doc.dump());
    if (removed != 0) s.bind(3, removed);
    s.run();
}

std::optional<json> DocumentStore::find(int64_t id) {
    Statement s(db_, "SELECT doc FROM " + table_ + " WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return json::parse(s.column_text(0), nullptr, false);
}

std::vector<json> DocumentStore::removed(int limit) {
    std::vector<json> out;
    Statement s(db_, "SELECT doc FROM " + table_ + " WHERE removed IS NOT NULL ORDER BY id DESC LIMIT ?1");
    s.bind(1, int64_t{limit});
    while (s.step()) out.push_back(json::parse(s.column_text(0), nullptr, false));
    return out;
}

}  // namespace spin::nmf
