#include "zkcc/base/json.h"

#include <algorithm>
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

namespace {

// Checks the text as events, keeping only the top level's keys (a list: there are few, at most
// max_members).
class MemberKeys final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit MemberKeys(size_t max_members) : max_members_(max_members) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override {
    ++depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ != 1) return true;
    if (keys_.size() == max_members_) return stop(Problem::kTooMany);
    if (std::find(keys_.begin(), keys_.end(), k) != keys_.end()) {
      duplicate_ = k;
      return stop(Problem::kDuplicate);
    }
    keys_.push_back(k);
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return stop(Problem::kMalformed);
  }

  enum class Problem { kNone, kMalformed, kDuplicate, kTooMany };
  Problem problem() const { return problem_; }
  const std::string& duplicate() const { return duplicate_; }
  std::vector<std::string> take_keys() && { return std::move(keys_); }

 private:
  static bool value() { return true; }
  bool stop(Problem p) {
    problem_ = p;
    return false;
  }

  const size_t max_members_;
  int depth_ = 0;
  Problem problem_ = Problem::kNone;
  std::string duplicate_;
  std::vector<std::string> keys_;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skip_space(std::string_view t, size_t i) {
  while (i < t.size() && is_space(t[i])) ++i;
  return i;
}

// Where the JSON string opening at `i` ends (one past its closing quote).
size_t string_end(std::string_view t, size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return t.size();
}

// Where the JSON value starting at `i` ends, in text already known to be well-formed.
size_t value_end(std::string_view t, size_t i) {
  if (t[i] == '"') return string_end(t, i);
  if (t[i] != '[' && t[i] != '{') {
    while (i < t.size() && !is_space(t[i]) && t[i] != ',' && t[i] != '}' && t[i] != ']') ++i;
    return i;
  }
  size_t depth = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '"') {
      i = string_end(t, i);
      continue;
    }
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && --depth == 0) return i + 1;
    ++i;
  }
  return t.size();
}

}  // namespace

StatusOr<std::vector<JsonMember>> object_members(std::string_view text, std::string_view what, size_t max_members) {
  const std::string w(what);
  MemberKeys reader(max_members);
  const bool parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &reader);
  switch (reader.problem()) {
    case MemberKeys::Problem::kMalformed:
      return invalid_argument(w + " JSON does not parse");
    case MemberKeys::Problem::kDuplicate:
      return invalid_argument(w + " JSON has the key \"" + reader.duplicate() + "\" twice");
    case MemberKeys::Problem::kTooMany:
      return invalid_argument(w + " JSON has more than " + std::to_string(max_members) + " members");
    default:
      break;
  }
  if (!parsed) return invalid_argument(w + " JSON does not parse");
  size_t i = skip_space(text, 0);
  if (i == text.size() || text[i] != '{') return invalid_argument(w + " JSON is not an object");
  // Well-formed, so the members follow one another as `"key" : value ,` up to the closing brace.
  std::vector<std::string> keys = std::move(reader).take_keys();
  std::vector<JsonMember> members;
  members.reserve(keys.size());
  for (std::string& key : keys) {
    i = skip_space(text, string_end(text, skip_space(text, i + 1)));  // past '{' or ',', then the key
    const size_t start = skip_space(text, i + 1);                      // past ':'
    i = value_end(text, start);
    members.push_back({std::move(key), text.substr(start, i - start)});
    i = skip_space(text, i);  // at ',' or '}'
  }
  return members;
}

}  // namespace zkcc
