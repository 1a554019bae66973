// Verifies a TDX quote against its collateral for at least MIN_SECONDS and prints JSON: the rate
// and the TCB status reached. Used by bench/compare_dcap.sh.
// Usage: tdx_rate QUOTE COLLATERAL_JSON UNIX_TIME MIN_SECONDS
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/tdx/collateral.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: tdx_rate QUOTE COLLATERAL_JSON UNIX_TIME MIN_SECONDS\n";
    return 2;
  }
  auto quote = zkcc::read_file(argv[1]);
  auto json = zkcc::read_file(argv[2]);
  if (!quote.ok() || !json.ok()) {
    std::cerr << "cannot read the inputs\n";
    return 1;
  }
  auto collateral = zkcc::tee::tdx::parse_collateral_json(std::string(json->begin(), json->end()));
  if (!collateral.ok()) {
    std::cerr << collateral.status().to_string() << "\n";
    return 1;
  }
  int64_t at = std::stoll(argv[3]);
  double min_seconds = std::stod(argv[4]);
  std::string status;
  uint64_t runs = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    auto v = zkcc::tee::tdx::verify_quote(*quote, *collateral, zkcc::tee::tdx::TrustRoots{}, at);
    status = v.claims.value("tcb_status", std::string("?"));
    ++runs;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < min_seconds);
  std::printf("{\"impl\":\"zkcc\",\"runs\":%llu,\"seconds\":%.6f,\"per_second\":%.1f,\"status\":\"%s\"}\n",
              static_cast<unsigned long long>(runs), elapsed, static_cast<double>(runs) / elapsed, status.c_str());
  return 0;
}
