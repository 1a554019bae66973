// The SQLite connection: one database file in WAL mode (readers never wait for the writer), shared
// by any number of processes on one machine through SQLite's file locks, with a busy timeout so
// that a writer waits its turn instead of failing.
#include <sqlite3.h>

#include <memory>
#include <string>
#include <utility>

#include "sql_conn.h"

namespace zkcc::service {
namespace {

// How long a writer waits for another process's write transaction before giving up.
constexpr int kBusyTimeoutMs = 10000;

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS models ("
    " id TEXT PRIMARY KEY, graph BLOB NOT NULL, info_json TEXT NOT NULL, created_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id TEXT PRIMARY KEY, model_id TEXT NOT NULL REFERENCES models (id), request_json TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL, worker TEXT NOT NULL, lease_until_ms INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL,"
    " progress_done INTEGER NOT NULL, progress_total INTEGER NOT NULL, error TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_ms, id)",
    // The job listing's order (newest first), so a page reads only its rows.
    "CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_ms, id)",
    "CREATE TABLE IF NOT EXISTS results ("
    " job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE, result BLOB NOT NULL)",
};

// Finalizes a statement however the call that prepared it returns.
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtCloser>;

class SqliteConn final : public SqlConn {
 public:
  SqliteConn(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteConn() override { sqlite3_close_v2(db_); }
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  Status begin() override { return exec_plain("BEGIN IMMEDIATE"); }
  Status commit() override { return exec_plain("COMMIT"); }
  void rollback() override {
    // Some errors (SQLITE_FULL, SQLITE_IOERR...) already rolled the transaction back.
    if (!sqlite3_get_autocommit(db_)) (void)exec_plain("ROLLBACK");
  }

  StatusOr<SqlResult> query(const std::string& sql, std::span<const SqlParam> params) override {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) return error(rc, "cannot prepare a statement");
    if (sqlite3_bind_parameter_count(raw) != static_cast<int>(params.size())) {
      return internal_error("statement has " + std::to_string(sqlite3_bind_parameter_count(raw)) +
                            " parameters, given " + std::to_string(params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      std::string name = "$" + std::to_string(i + 1);
      int index = sqlite3_bind_parameter_index(raw, name.c_str());
      if (index == 0) return internal_error("statement does not use parameter " + name);
      rc = bind(raw, index, params[i]);
      if (rc != SQLITE_OK) return error(rc, "cannot bind parameter " + name);
    }
    SqlResult out;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) out.rows.push_back(read_row(raw));
    if (rc != SQLITE_DONE) return error(rc, "statement failed");
    out.changed = sqlite3_changes64(db_);
    return out;
  }

  std::string_view row_lock_clause() const override { return ""; }
  Status lock_queue() override { return ok_status(); }  // BEGIN IMMEDIATE holds the write lock

  Status exec_plain(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? ok_status() : error(rc, std::string(sql) + " failed");
  }

  // Busy (another process held the write lock past the timeout) and a file that cannot be read,
  // written or opened (a failing or full disk, a lost mount) are outages worth retrying; the rest
  // is not.
  Status error(int rc, const std::string& what) const {
    std::string message = "SQLite database " + path_ + ": " + what + ": " + sqlite3_errmsg(db_);
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
        primary == SQLITE_CANTOPEN) {
      return unavailable(message);
    }
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return data_loss(message);
    return internal_error(message);
  }

 private:
  static int bind(sqlite3_stmt* stmt, int index, const SqlParam& p) {
    if (const auto* v = std::get_if<int64_t>(&p)) return sqlite3_bind_int64(stmt, index, *v);
    if (const auto* s = std::get_if<std::string_view>(&p)) {
      // An empty view may have a null data pointer, which SQLite would bind as NULL.
      return sqlite3_bind_text64(stmt, index, s->empty() ? "" : s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    const auto& b = std::get<std::span<const uint8_t>>(p);
    if (b.empty()) return sqlite3_bind_zeroblob(stmt, index, 0);
    return sqlite3_bind_blob64(stmt, index, b.data(), b.size(), SQLITE_TRANSIENT);
  }

  static SqlRow read_row(sqlite3_stmt* stmt) {
    SqlRow row;
    int n = sqlite3_column_count(stmt);
    row.cells.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto& cell = row.cells[static_cast<size_t>(i)];
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
        case SQLITE_FLOAT:
          cell = static_cast<int64_t>(sqlite3_column_int64(stmt, i));
          break;
        case SQLITE_TEXT: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          cell = std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
          break;
        }
        case SQLITE_BLOB: {
          const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, i));
          size_t len = static_cast<size_t>(sqlite3_column_bytes(stmt, i));
          cell = p == nullptr ? Bytes() : Bytes(p, p + len);
          break;
        }
        default:
          break;  // NULL
      }
    }
    return row;
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

StatusOr<std::unique_ptr<SqlConn>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return unavailable("cannot open SQLite database " + path + ": " + message);
  }
  auto conn = std::make_unique<SqliteConn>(db, path);
  sqlite3_extended_result_codes(db, 1);
  // Before anything else: even switching to WAL needs a lock another opener may hold.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  ZKCC_ASSIGN_OR_RETURN(SqlResult mode, conn->query("PRAGMA journal_mode = WAL", {}));
  std::string journal = mode.rows.empty() ? "" : mode.rows[0].text(0);
  if (journal != "wal") {
    return failed_precondition("SQLite database " + path + " cannot use WAL mode (journal mode is \"" + journal +
                               "\")");
  }
  ZKCC_RETURN_IF_ERROR(conn->exec_plain("PRAGMA foreign_keys = ON"));
  // One transaction, so two processes starting at once create the schema once.
  ZKCC_RETURN_IF_ERROR(conn->begin());
  for (const char* sql : kSchema) {
    Status s = conn->exec_plain(sql);
    if (!s.ok()) {
      conn->rollback();
      return s.with_context("creating the schema");
    }
  }
  ZKCC_RETURN_IF_ERROR(conn->commit());
  return std::unique_ptr<SqlConn>(std::move(conn));
}

}  // namespace zkcc::service
