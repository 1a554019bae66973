// Parameters of the multilinear polynomial commitment (Basefold over a Reed-Solomon code on CM31).
//
// Both sides take the config (and the committed table's size) from their own public data, never
// from a proof. security_bits() is the proven bound written up in docs/soundness.md
// ("Polynomial commitment"): unique decoding only, no proximity conjecture.
#ifndef ZKCC_PROOF_PCS_CONFIG_H_
#define ZKCC_PROOF_PCS_CONFIG_H_

#include <cstddef>
#include <cstdint>

#include "zkcc/base/status.h"

namespace zkcc::proof {

// The largest committed table, 2^kMaxPcsLogSize values: the codeword must fit in CM31's subgroup
// of order 2^32, and the verifier refuses larger sizes before reading a proof.
inline constexpr size_t kMaxPcsLogSize = 28;
// The most claims one opening batches; the batching error term is counted for this many.
inline constexpr size_t kMaxPcsClaims = size_t{1} << 16;

struct PcsConfig {
  uint32_t log_blowup = 2;       // rate rho = 2^-log_blowup; at least 1
  uint32_t fold_arity_log = 4;   // variables folded per committed layer (leaf = coset of 2^this)
  uint32_t num_queries = 131;    // query repetitions
  uint32_t query_pow_bits = 16;  // grinding before the queries are drawn
  uint32_t fold_pow_bits = 10;   // grinding before each fold challenge
  uint32_t log_final_size = 8;   // the folded message is sent in the clear at 2^this values
  // A hiding commitment (hiding.h in pcs.h's terms): the committed table interleaves the data
  // with a random mask, and openings reveal nothing of the data beyond the claims. Both sides
  // take it from their own config: a proof never says whether it is hiding.
  bool hiding = false;

  // The proven soundness, in bits, of an opening of a table of 2^log_size values with up to
  // kMaxPcsClaims claims: -log2 of the sum of the error terms (docs/soundness.md).
  double security_bits(size_t log_size) const;
  // Refuses parameters outside the analysed ranges (rate 1, no queries, arity 0, ...).
  Status validate() const;

  // At least 100 proven bits for every table up to 2^26 values.
  static PcsConfig standard();
  // Rate 1/8 (delta = 7/16): 107 queries for the same proven bits, so smaller openings, for twice
  // the encoding work; for tables committed per proof, which are small.
  static PcsConfig compact();
  // Small and fast, for tests only (a few bits: never for real proofs).
  static PcsConfig for_tests();

  // The same parameters with hiding on.
  PcsConfig with_hiding() const {
    PcsConfig c = *this;
    c.hiding = true;
    return c;
  }
};

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_PCS_CONFIG_H_
