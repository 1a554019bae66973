#include "postgres_fixture.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "../child_process.h"
#include "zkcc/base/bytes.h"

namespace zkcc::service::testing {

bool postgres_required() {
  auto is = [](const char* name, std::string_view want) {
    const char* v = std::getenv(name);
    return v != nullptr && std::string_view(v) == want;
  };
  return is("CI", "true") || is("ZKCC_REQUIRE_POSTGRES", "1");
}

namespace {

namespace fs = std::filesystem;

// Any port will do: the socket lives in our own directory, so it cannot collide with another server.
constexpr int kPort = 5432;

// The directory of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout), or
// ZKCC_POSTGRES_BIN when set.
std::string find_bin_dir() {
  if (const char* dir = std::getenv("ZKCC_POSTGRES_BIN"); dir != nullptr && *dir != '\0') return dir;
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path bin = entry.path() / "bin";
    if (!fs::exists(bin / "initdb", ec) || !fs::exists(bin / "postgres", ec)) continue;
    int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin.string();
    }
  }
  return best;
}

// Who runs the server: ourselves, or "nobody" when we are root (postgres and initdb refuse root).
struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

std::string log_tail(const std::string& path) {
  auto b = read_file(path, 1 << 20);
  if (!b.ok()) return "(no log)";
  std::string s(b->begin(), b->end());
  return s.size() > 800 ? s.substr(s.size() - 800) : s;
}

// Starts `args` with stdout and stderr to `log`, in `cwd`, as `as`.
StatusOr<pid_t> spawn(std::vector<std::string> args, const std::string& log, const std::string& cwd, const RunAs& as) {
  return zkcc::testing::spawn_logged(std::move(args), log, {cwd, false, as.drop, as.uid, as.gid});
}

}  // namespace

StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  std::string bin = find_bin_dir();
  if (bin.empty()) {
    return failed_precondition("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                               "run scripts/install-deps.sh");
  }
  RunAs as;
  if (::geteuid() == 0) {
    const struct passwd* nobody = ::getpwnam("nobody");
    if (nobody == nullptr) {
      return failed_precondition("running as root and there is no user \"nobody\" to run PostgreSQL as");
    }
    as = RunAs{true, nobody->pw_uid, nobody->pw_gid};
  }
  auto server = std::unique_ptr<PostgresServer>(new PostgresServer);
  // Under /tmp rather than $TMPDIR: a Unix socket's path must fit in 107 bytes.
  char pattern[] = "/tmp/zkcc-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return internal_error("mkdtemp failed for /tmp/zkcc-pg-XXXXXX");
  server->dir_ = pattern;
  if (as.drop && ::chown(pattern, as.uid, as.gid) != 0) return internal_error(std::string("cannot chown ") + pattern);
  std::string data = server->dir_ + "/data";
  std::string log = server->dir_ + "/server.log";

  ZKCC_ASSIGN_OR_RETURN(pid_t initdb,
                        spawn({bin + "/initdb", "-D", data, "-U", "zkcc", "--auth=trust", "--no-sync",
                               "--encoding=UTF8", "--locale=C"},
                              log, server->dir_, as));
  int status = 0;
  if (::waitpid(initdb, &status, 0) != initdb || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return internal_error("initdb failed (status " + std::to_string(status) + "): " + log_tail(log));
  }
  // Durability is not under test: no fsyncs keeps creating databases quick.
  ZKCC_ASSIGN_OR_RETURN(server->pid_,
                        spawn({bin + "/postgres", "-D", data, "-k", server->dir_, "-p", std::to_string(kPort), "-c",
                               "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                               "full_page_writes=off", "-c", "shared_buffers=32MB"},
                              log, server->dir_, as));
  std::string info = server->conninfo("postgres") + " connect_timeout=2";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;
      return internal_error("postgres exited at start: " + log_tail(log));
    }
    if (PQping(info.c_str()) == PQPING_OK) return server;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return internal_error("postgres did not accept connections within 30 s: " + log_tail(log));
}

PostgresServer::~PostgresServer() {
  // SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, stop without waiting for them.
  zkcc::testing::stop_child(pid_, SIGINT, std::chrono::seconds(10), dir_);
}

void PostgresServer::stop() {
  zkcc::testing::stop_child(pid_, SIGINT, std::chrono::seconds(10), "");
  pid_ = -1;
}

std::string PostgresServer::conninfo(const std::string& database) const {
  return "host=" + dir_ + " port=" + std::to_string(kPort) + " user=zkcc dbname=" + database;
}

Status PostgresServer::execute(const std::string& database, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo(database).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return unavailable("cannot connect to the test server: " + message);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(res);
  std::string message = PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return internal_error(sql + " failed: " + message);
  return ok_status();
}

StatusOr<std::string> PostgresServer::create_database(const std::string& name) {
  // An identifier cannot be a parameter; test names are plain [a-z0-9_].
  ZKCC_RETURN_IF_ERROR(execute("postgres", "CREATE DATABASE \"" + name + "\""));
  // The socket directory goes in the host parameter: libpq takes an absolute path as a socket directory.
  return "postgresql:///" + name + "?host=" + dir_ + "&port=" + std::to_string(kPort) + "&user=zkcc";
}

}  // namespace zkcc::service::testing
