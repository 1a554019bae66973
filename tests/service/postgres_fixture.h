// A throwaway PostgreSQL server for tests: Debian's initdb and postgres binaries, a cluster in a new
// temporary directory, listening only on a Unix socket inside it, stopped and removed on
// destruction. PostgreSQL refuses to run as root, so under root the server runs as "nobody".
#ifndef ZKCC_TESTS_SERVICE_POSTGRES_FIXTURE_H_
#define ZKCC_TESTS_SERVICE_POSTGRES_FIXTURE_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "zkcc/base/status.h"

namespace zkcc::service::testing {

// True under continuous integration (CI=true) or ZKCC_REQUIRE_POSTGRES=1: a machine that cannot
// run PostgreSQL then fails the PostgreSQL tests instead of skipping them.
bool postgres_required();

class PostgresServer {
 public:
  // kFailedPrecondition when this machine cannot run one (no binaries, or root without an
  // unprivileged user to run as): callers skip, unless postgres_required(). Any other error is a
  // real failure.
  static StatusOr<std::unique_ptr<PostgresServer>> start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates an empty database and returns a libpq URI for it.
  StatusOr<std::string> create_database(const std::string& name);
  // Runs one statement as the superuser in `database`, ignoring any rows.
  Status execute(const std::string& database, const std::string& sql);
  // Stops the server (its files stay until destruction): clients see the database go away.
  void stop();
  // The directory holding the cluster and its socket.
  const std::string& dir() const { return dir_; }

 private:
  PostgresServer() = default;
  std::string conninfo(const std::string& database) const;

  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace zkcc::service::testing

#endif  // ZKCC_TESTS_SERVICE_POSTGRES_FIXTURE_H_
