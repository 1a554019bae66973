// A vendor collateral service for tests: answers each URL from a map (404 otherwise) and records
// what was asked, so fetch tests need no network.
#ifndef ZKCC_TESTS_TEE_FAKE_VENDOR_H_
#define ZKCC_TESTS_TEE_FAKE_VENDOR_H_

#include <map>
#include <string>
#include <vector>

#include "zkcc/tee/collateral/fetch.h"

namespace zkcc::tee::collateral {

class FakeVendor : public Fetcher {
 public:
  std::map<std::string, HttpResponse> answers;
  std::vector<std::string> asked;
  StatusOr<HttpResponse> get(const std::string& url) override {
    asked.push_back(url);
    auto it = answers.find(url);
    if (it == answers.end()) return HttpResponse{404, {}, {}};
    return it->second;
  }
};

}  // namespace zkcc::tee::collateral

#endif  // ZKCC_TESTS_TEE_FAKE_VENDOR_H_
