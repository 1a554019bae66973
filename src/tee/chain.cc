#include "zkcc/tee/chain.h"

namespace zkcc::tee {

bool check_chain(std::span<const Certificate> chain, std::span<const Certificate> trusted, int64_t at, Verdict& v) {
  bool links = true;
  std::string detail;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!chain[i].signed_by(chain[i + 1])) {
      links = false;
      detail = chain[i].common_name() + " is not signed by " + chain[i + 1].common_name();
      break;
    }
  }
  const Certificate& last = chain.back();
  const Certificate* anchor = nullptr;
  for (const Certificate& t : trusted) {
    bool same = last.sha256_fingerprint() == t.sha256_fingerprint();
    if (same ? last.signed_by(last) : last.signed_by(t)) anchor = &t;
  }
  if (links && anchor == nullptr) detail = last.common_name() + " does not chain to a trusted root";
  bool chain_ok = links && anchor != nullptr;
  v.add("certificate chain", chain_ok, chain_ok ? chain.front().common_name() + " ... " + anchor->common_name() : detail);
  if (!chain_ok) return false;
  std::string expired;
  for (const Certificate& c : chain) {
    if (!c.valid_at(at)) expired += c.validity_problem(at) + "; ";
  }
  if (!anchor->valid_at(at)) expired += anchor->validity_problem(at) + "; ";
  v.add("certificates valid at the verification time", expired.empty(), expired);
  return expired.empty();
}

}  // namespace zkcc::tee
