// RAII over the SQLite C API: a connection, a prepared statement, a
// transaction.  Every failure becomes a SqliteError carrying SQLite's own
// message and the statement that failed, so a broken store says why.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace spin::nmf {

class SqliteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Database {
public:
    enum class Mode { create, existing };
    // Opens the file (`create`: creating it if needed); WAL mode, NORMAL
    // sync, a busy timeout so that connections wait for each other briefly
    // instead of failing.
    explicit Database(const std::string& path, Mode mode = Mode::create);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    int64_t changes() const;
    int64_t last_insert_rowid() const;
    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds by 1-based index; returns *this so calls chain.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::span<const uint8_t> bytes);
    Statement& bind_null(int index);

    // true while a row is available; false once done.  Throws on errors.
    bool step();
    // Runs to completion (for statements without rows) and resets.
    void run();
    void reset();

    int64_t column_int(int index) const;
    double column_double(int index) const;
    std::string column_text(int index) const;
    std::vector<uint8_t> column_blob(int index) const;
    bool column_is_null(int index) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
    Database& db_;
};

// BEGIN IMMEDIATE on construction, ROLLBACK unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace spin::nmf
