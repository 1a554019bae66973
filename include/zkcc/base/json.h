// Strict JSON for documents we accept from outside (receipts, calldata arguments): nlohmann keeps
// the last of two equal keys silently, so a document could say two things at once.
#ifndef ZKCC_BASE_JSON_H_
#define ZKCC_BASE_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"

namespace zkcc {

// Parses a JSON object, refusing malformed text, a non-object and any object (at any depth) with a
// repeated key; errors start with `what`.
StatusOr<nlohmann::json> parse_strict_object(std::string_view text, std::string_view what);

// One member of a JSON object: its key, decoded, and its value as the text that spells it (a view
// into the object's text, without surrounding white space).
struct JsonMember {
  std::string key;
  std::string_view value;
};

// The members of a JSON object in their order, read without building a document, so the memory
// used does not grow with the values (a large array costs nothing beyond its text). Refuses, with
// errors starting with `what`: malformed text, a non-object, a repeated key and more than
// `max_members` members. The values are only known to be well-formed JSON: their own keys are the
// caller's to check.
StatusOr<std::vector<JsonMember>> object_members(std::string_view text, std::string_view what, size_t max_members);

}  // namespace zkcc

#endif  // ZKCC_BASE_JSON_H_
