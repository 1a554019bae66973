#include "zkcc/base/json.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zkcc {

StatusOr<nlohmann::json> parse_strict_object(std::string_view text, std::string_view what) {
  using nlohmann::json;
  std::vector<std::set<std::string>> seen;
  std::optional<std::string> duplicate;
  json::parser_callback_t cb = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      seen.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!seen.empty()) seen.pop_back();
    } else if (event == json::parse_event_t::key && !seen.empty() && parsed.is_string()) {
      if (!seen.back().insert(parsed.get<std::string>()).second && !duplicate) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json doc = json::parse(text, cb, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid_argument(std::string(what) + " JSON does not parse");
  if (duplicate) return invalid_argument(std::string(what) + " JSON has the key \"" + *duplicate + "\" twice");
  if (!doc.is_object()) return invalid_argument(std::string(what) + " JSON is not an object");
  return doc;
}

}  // namespace zkcc
