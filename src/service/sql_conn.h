// The little of a SQL database the job store needs, so that one implementation of the store's logic
// (job_store.cc) runs on SQLite and PostgreSQL alike.
//
// Statements name their parameters $1..$N, which both databases accept (SQLite binds "$N" by
// name). Values always travel as bound parameters, never inside the statement text.
#ifndef ZKCC_SRC_SERVICE_SQL_CONN_H_
#define ZKCC_SRC_SERVICE_SQL_CONN_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/service/job_store.h"

namespace zkcc::service {

// A statement parameter: a 64-bit integer, text, or bytes (a BLOB / BYTEA).
using SqlParam = std::variant<int64_t, std::string_view, std::span<const uint8_t>>;

// One row of a result; a NULL column reads as 0 or empty.
struct SqlRow {
  std::vector<std::variant<std::monostate, int64_t, std::string, Bytes>> cells;

  int64_t integer(size_t i) const;
  std::string text(size_t i) const;
  Bytes blob(size_t i) const;
};

struct SqlResult {
  std::vector<SqlRow> rows;  // of a SELECT, or of an INSERT/UPDATE ... RETURNING
  int64_t changed = 0;       // rows an INSERT/UPDATE/DELETE changed
};

// One connection. Not thread-safe: the store serialises calls with its own mutex.
class SqlConn {
 public:
  virtual ~SqlConn() = default;

  // Starts a transaction that will write. SQLite takes the database's write lock here (BEGIN
  // IMMEDIATE), so two writers never deadlock upgrading a read lock; PostgreSQL starts a READ
  // COMMITTED transaction and relies on row locks.
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;  // best effort: the transaction is abandoned either way

  virtual StatusOr<SqlResult> query(const std::string& sql, std::span<const SqlParam> params) = 0;

  // PostgreSQL: " FOR UPDATE SKIP LOCKED", appended to the SELECTs that pick rows to update, so
  // concurrent claimers pass over each other's rows instead of queueing on them. SQLite: "" (its
  // write transactions already exclude each other).
  virtual std::string_view row_lock_clause() const = 0;
  // Serialises the enqueues of every process (count-then-insert must not interleave): PostgreSQL
  // takes a transaction-scoped advisory lock; SQLite already holds the write lock.
  virtual Status lock_queue() = 0;
};

// Open (creating the file if missing) and create the schema if missing.
StatusOr<std::unique_ptr<SqlConn>> open_sqlite(const std::string& path);
StatusOr<std::unique_ptr<SqlConn>> open_postgres(const std::string& uri);

std::unique_ptr<JobStore> make_sql_job_store(std::unique_ptr<SqlConn> conn);

}  // namespace zkcc::service

#endif  // ZKCC_SRC_SERVICE_SQL_CONN_H_
