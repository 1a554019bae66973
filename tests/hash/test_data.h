// Loads JSON files from the shared test data beside the checkout.
#ifndef ZKCC_TESTS_HASH_TEST_DATA_H_
#define ZKCC_TESTS_HASH_TEST_DATA_H_

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace zkcc::testing {

inline std::string shared_path(const std::string& rel) { return std::string(ZKCC_SHARED_DIR) + "/" + rel; }

inline nlohmann::json load_shared_json(const std::string& rel) {
  std::ifstream in(shared_path(rel));
  EXPECT_TRUE(in.good()) << "missing shared test data " << shared_path(rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace zkcc::testing

#endif  // ZKCC_TESTS_HASH_TEST_DATA_H_
