// The production Fetcher, over cpp-httplib with OpenSSL.
#include <httplib.h>

#include <algorithm>
#include <cctype>

#include "zkcc/tee/collateral/fetch.h"

namespace zkcc::tee::collateral {
namespace {

struct Url {
  std::string scheme_host_port;
  std::string path;
  bool tls = false;
  std::string host;
};

StatusOr<Url> split_url(const std::string& url) {
  Url u;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return invalid_argument("'" + url + "' is not an absolute URL");
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") return invalid_argument("'" + url + "': only https is fetched");
  u.tls = scheme == "https";
  size_t path_start = url.find('/', scheme_end + 3);
  u.scheme_host_port = url.substr(0, path_start);
  u.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  std::string authority = url.substr(scheme_end + 3, path_start == std::string::npos ? std::string::npos : path_start - scheme_end - 3);
  u.host = authority.substr(0, authority.rfind(':') == std::string::npos ? authority.size() : authority.rfind(':'));
  if (!u.tls && u.host != "127.0.0.1" && u.host != "localhost" && u.host != "[::1]") {
    return invalid_argument("'" + url + "': plain http is only allowed to loopback addresses");
  }
  return u;
}

class HttpsFetcher final : public Fetcher {
 public:
  explicit HttpsFetcher(const HttpsOptions& o) : options_(o) {}

  StatusOr<HttpResponse> get(const std::string& url) override {
    ZKCC_ASSIGN_OR_RETURN(Url u, split_url(url));
    httplib::Client client(u.scheme_host_port);
    client.set_connection_timeout(options_.timeout_seconds, 0);
    client.set_read_timeout(options_.timeout_seconds, 0);
    client.set_follow_location(false);
    if (u.tls) client.enable_server_certificate_verification(true);
    HttpResponse out;
    bool too_big = false;
    auto res = client.Get(
        u.path, httplib::Headers{},
        [&](const httplib::Response& r) {
          out.status = r.status;
          for (const auto& [name, value] : r.headers) {
            std::string lower = name;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            out.headers[lower] = value;
          }
          return true;
        },
        [&](const char* data, size_t n) {
          if (out.body.size() + n > options_.max_body_bytes) {
            too_big = true;
            return false;
          }
          out.body.insert(out.body.end(), data, data + n);
          return true;
        });
    if (too_big) return out_of_range(url + " answered with more than " + std::to_string(options_.max_body_bytes) + " bytes");
    if (!res) return unavailable("cannot fetch " + url + ": " + httplib::to_string(res.error()));
    return out;
  }

 private:
  HttpsOptions options_;
};

}  // namespace

std::unique_ptr<Fetcher> https_fetcher(const HttpsOptions& options) { return std::make_unique<HttpsFetcher>(options); }

}  // namespace zkcc::tee::collateral
