// A downstream program that only knows the installed headers and zkcc::zkcc.
#include <iostream>
#include <vector>

#include "zkcc/hash/poseidon.h"

int main() {
  std::vector<zkcc::Felt252> xs = {zkcc::Felt252::from_u64(1), zkcc::Felt252::from_u64(2),
                                   zkcc::Felt252::from_u64(3), zkcc::Felt252::from_u64(4)};
  std::string got = zkcc::hash::poseidon_hash_many(xs).to_hex();
  std::cout << got << "\n";
  return got == "0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d" ? 0 : 1;
}
