// Loads JSON files from the test data in tests/data.
#ifndef ZKCC_TESTS_HASH_TEST_DATA_H_
#define ZKCC_TESTS_HASH_TEST_DATA_H_

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace zkcc::testing {

inline std::string test_data_path(const std::string& rel) { return std::string(ZKCC_TEST_DATA) + "/" + rel; }

inline nlohmann::json load_test_json(const std::string& rel) {
  std::ifstream in(test_data_path(rel));
  EXPECT_TRUE(in.good()) << "missing test data " << test_data_path(rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace zkcc::testing

#endif  // ZKCC_TESTS_HASH_TEST_DATA_H_
