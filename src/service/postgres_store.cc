// The PostgreSQL connection (libpq): one connection per store, statements sent with PQexecParams and
// every value a binary parameter, results read in binary. Claims use row locks with SKIP LOCKED, so
// any number of workers on any number of machines can share one database.
#include <libpq-fe.h>

#include <array>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sql_conn.h"

namespace zkcc::service {
namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across releases.
constexpr Oid kBoolOid = 16, kByteaOid = 17, kNameOid = 19, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kTextOid = 25, kVarcharOid = 1043;

// Keys of the transaction-scoped advisory locks ("zkcc" in the high half).
constexpr int64_t kSchemaLockKey = 0x7a6b636300000001;
constexpr int64_t kQueueLockKey = 0x7a6b636300000002;

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS models ("
    " id TEXT PRIMARY KEY, graph BYTEA NOT NULL, info_json TEXT NOT NULL, created_ms BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id TEXT PRIMARY KEY, model_id TEXT NOT NULL REFERENCES models (id), request_json TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts BIGINT NOT NULL, worker TEXT NOT NULL, lease_until_ms BIGINT NOT NULL,"
    " created_ms BIGINT NOT NULL, started_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL,"
    " progress_done BIGINT NOT NULL, progress_total BIGINT NOT NULL, error TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created_ms, id)",
    // The job listing's order (newest first), so a page reads only its rows.
    "CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_ms, id)",
    "CREATE TABLE IF NOT EXISTS results ("
    " job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE, result BYTEA NOT NULL)",
};

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultCloser>;

// libpq prints NOTICEs ("relation already exists, skipping") on stderr by default; they are not errors.
void ignore_notice(void*, const char*) {}

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "unknown error" : m;
}

// Binary wire formats are big-endian.
int64_t read_be(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  if (n < 8 && (v >> (8 * n - 1)) != 0) v |= ~uint64_t{0} << (8 * n);  // sign-extend
  return static_cast<int64_t>(v);
}

std::array<char, 8> write_be(int64_t value) {
  std::array<char, 8> out{};
  auto v = static_cast<uint64_t>(value);
  for (size_t i = 0; i < 8; ++i) out[7 - i] = static_cast<char>(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

class PostgresConn final : public SqlConn {
 public:
  explicit PostgresConn(PGconn* conn) : conn_(conn) {}
  ~PostgresConn() override { PQfinish(conn_); }
  PostgresConn(const PostgresConn&) = delete;
  PostgresConn& operator=(const PostgresConn&) = delete;

  Status begin() override {
    // Outside a transaction, so query() may reconnect a connection the server dropped while idle.
    ZKCC_RETURN_IF_ERROR(query("BEGIN", {}).status());
    in_transaction_ = true;
    return ok_status();
  }

  Status commit() override {
    Status s = query("COMMIT", {}).status();
    in_transaction_ = false;
    return s;
  }

  void rollback() override {
    if (PQstatus(conn_) == CONNECTION_OK) (void)query("ROLLBACK", {});
    in_transaction_ = false;
  }

  StatusOr<SqlResult> query(const std::string& sql, std::span<const SqlParam> params) override {
    // Inside a transaction a lost connection lost the transaction too: only the caller can retry.
    bool may_reconnect = !in_transaction_;
    if (may_reconnect && PQstatus(conn_) != CONNECTION_OK) {
      ZKCC_RETURN_IF_ERROR(reconnect());
      may_reconnect = false;
    }
    StatusOr<SqlResult> r = exec(sql, params);
    if (!r.ok() && may_reconnect && PQstatus(conn_) == CONNECTION_BAD) {
      ZKCC_RETURN_IF_ERROR(reconnect());
      r = exec(sql, params);
    }
    return r;
  }

  std::string_view row_lock_clause() const override { return " FOR UPDATE SKIP LOCKED"; }

  Status lock_queue() override { return lock(kQueueLockKey); }

  Status lock(int64_t key) {
    const SqlParam param = key;
    return query("SELECT pg_advisory_xact_lock($1)", std::span<const SqlParam>(&param, 1)).status();
  }

 private:
  Status reconnect() {
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return unavailable("lost the PostgreSQL connection and could not reconnect: " + trimmed(PQerrorMessage(conn_)));
    }
    return ok_status();
  }

  StatusOr<SqlResult> exec(const std::string& sql, std::span<const SqlParam> params) {
    size_t n = params.size();
    std::vector<Oid> types(n);
    std::vector<const char*> values(n);
    std::vector<int> lengths(n), formats(n, 1);
    std::vector<std::array<char, 8>> integers(n);
    for (size_t i = 0; i < n; ++i) {
      const SqlParam& p = params[i];
      size_t length = 0;
      if (const auto* v = std::get_if<int64_t>(&p)) {
        types[i] = kInt8Oid;
        integers[i] = write_be(*v);
        values[i] = integers[i].data();
        length = 8;
      } else if (const auto* s = std::get_if<std::string_view>(&p)) {
        types[i] = kTextOid;  // binary text is the bytes themselves: no terminator, no escaping
        values[i] = s->empty() ? "" : s->data();
        length = s->size();
      } else {
        const auto& b = std::get<std::span<const uint8_t>>(p);
        types[i] = kByteaOid;
        values[i] = b.empty() ? "" : reinterpret_cast<const char*>(b.data());
        length = b.size();
      }
      if (length > static_cast<size_t>(std::numeric_limits<int>::max())) {
        return invalid_argument("parameter $" + std::to_string(i + 1) + " is too large for PostgreSQL (" +
                                std::to_string(length) + " bytes)");
      }
      lengths[i] = static_cast<int>(length);
    }
    ResultPtr res(PQexecParams(conn_, sql.c_str(), static_cast<int>(n), types.data(), values.data(), lengths.data(),
                               formats.data(), /*resultFormat=*/1));
    ExecStatusType status = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(res.get(), sql);
    SqlResult out;
    int rows = PQntuples(res.get()), cols = PQnfields(res.get());
    out.rows.resize(static_cast<size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      SqlRow& row = out.rows[static_cast<size_t>(r)];
      row.cells.resize(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res.get(), r, c)) continue;
        const char* p = PQgetvalue(res.get(), r, c);
        auto len = static_cast<size_t>(PQgetlength(res.get(), r, c));
        auto& cell = row.cells[static_cast<size_t>(c)];
        Oid type = PQftype(res.get(), c);
        if ((type == kInt8Oid && len == 8) || (type == kInt4Oid && len == 4) || (type == kInt2Oid && len == 2) ||
            (type == kBoolOid && len == 1)) {
          cell = read_be(p, len);
        } else if (type == kTextOid || type == kVarcharOid || type == kNameOid) {
          cell = std::string(p, len);
        } else {
          cell = Bytes(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(p) + len);
        }
      }
    }
    const char* changed = PQcmdTuples(res.get());
    out.changed = changed != nullptr && *changed != '\0' ? std::strtoll(changed, nullptr, 10) : 0;
    return out;
  }

  // Connection trouble, lock conflicts and shutdowns are worth retrying later; the rest is not.
  Status error(const PGresult* res, const std::string& sql) const {
    std::string message = trimmed(res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
    const char* field = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = field != nullptr ? field : "";
    std::string head = sql.size() > 60 ? sql.substr(0, 60) + "..." : sql;
    std::string full = "PostgreSQL statement \"" + head + "\" failed: " + message;
    bool transient = PQstatus(conn_) == CONNECTION_BAD || sqlstate.starts_with("08") || sqlstate.starts_with("57P") ||
                     sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "53300";
    return transient ? unavailable(full) : internal_error(full);
  }

  PGconn* conn_;
  bool in_transaction_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<SqlConn>> open_postgres(const std::string& uri) {
  PGconn* raw = PQconnectdb(uri.c_str());
  if (raw == nullptr) return internal_error("libpq could not allocate a connection");
  auto conn = std::make_unique<PostgresConn>(raw);
  // The message names host, port, user and database, never the password.
  if (PQstatus(raw) != CONNECTION_OK) {
    return unavailable("cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(raw)));
  }
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  // CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin (both may try to create the
  // table's type and one fails): a lock makes stores starting at once take turns.
  ZKCC_RETURN_IF_ERROR(conn->begin());
  Status s = conn->lock(kSchemaLockKey);
  for (size_t i = 0; s.ok() && i < std::size(kSchema); ++i) s = conn->query(kSchema[i], {}).status();
  if (s.ok()) s = conn->commit();
  if (!s.ok()) {
    conn->rollback();
    return s.with_context("creating the schema");
  }
  return std::unique_ptr<SqlConn>(std::move(conn));
}

}  // namespace zkcc::service
