// Strict JSON for documents we accept from outside (receipts, calldata arguments): nlohmann keeps
// the last of two equal keys silently, so a document could say two things at once.
#ifndef ZKCC_BASE_JSON_H_
#define ZKCC_BASE_JSON_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"

namespace zkcc {

// Parses a JSON object, refusing malformed text, a non-object and any object (at any depth) with a
// repeated key; errors start with `what`.
StatusOr<nlohmann::json> parse_strict_object(std::string_view text, std::string_view what);

}  // namespace zkcc

#endif  // ZKCC_BASE_JSON_H_
