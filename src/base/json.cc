#include "zkcc/base/json.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zkcc {
namespace {

// The events of a JSON text that matter for its keys: every value is accepted, objects and arrays
// are tracked by depth, and each key goes to on_key. A parse error ends the pass.
class KeyEvents : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    ++depth_;
    on_object_start();
    return true;
  }
  bool key(string_t& k) override { return on_key(k); }
  bool end_object() override {
    on_object_end();
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
    malformed_ = true;
    return false;
  }
  bool malformed() const { return malformed_; }

 protected:
  int depth() const { return depth_; }
  virtual void on_object_start() {}
  virtual void on_object_end() {}
  virtual bool on_key(const std::string& key) = 0;  // false stops the pass

 private:
  int depth_ = 0;
  bool malformed_ = false;
};

// The first key repeated in an object, at any depth. Only the open objects' keys are kept.
class RepeatedKeys final : public KeyEvents {
 public:
  const std::optional<std::string>& repeated() const { return repeated_; }

 private:
  void on_object_start() override { open_.emplace_back(); }
  void on_object_end() override { open_.pop_back(); }
  bool on_key(const std::string& key) override {
    if (!open_.back().insert(key).second && !repeated_) repeated_ = key;
    return true;  // on to the end: text that does not parse is reported as such first
  }

  std::vector<std::set<std::string>> open_;
  std::optional<std::string> repeated_;
};

// The top level's keys in order (a list: there are few, at most max_members).
class MemberKeys final : public KeyEvents {
 public:
  explicit MemberKeys(size_t max_members) : max_members_(max_members) {}

  enum class Problem { kNone, kDuplicate, kTooMany };
  Problem problem() const { return problem_; }
  const std::string& duplicate() const { return duplicate_; }
  std::vector<std::string> take_keys() && { return std::move(keys_); }

 private:
  bool on_key(const std::string& key) override {
    if (depth() != 1) return true;
    if (keys_.size() == max_members_) return stop(Problem::kTooMany);
    if (std::find(keys_.begin(), keys_.end(), key) != keys_.end()) {
      duplicate_ = key;
      return stop(Problem::kDuplicate);
    }
    keys_.push_back(key);
    return true;
  }
  bool stop(Problem p) {
    problem_ = p;
    return false;
  }

  const size_t max_members_;
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

StatusOr<nlohmann::json> parse_strict_object(std::string_view text, std::string_view what) {
  // Two linear passes: the keys as events, then the document. (nlohmann's parser callback, which
  // could do both at once, rescans a container's elements each time one of them closes: quadratic
  // in an array of many objects.)
  RepeatedKeys keys;
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &keys) || keys.malformed()) {
    return invalid_argument(std::string(what) + " JSON does not parse");
  }
  if (keys.repeated()) return invalid_argument(std::string(what) + " JSON has the key \"" + *keys.repeated() + "\" twice");
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid_argument(std::string(what) + " JSON does not parse");
  if (!doc.is_object()) return invalid_argument(std::string(what) + " JSON is not an object");
  return doc;
}

StatusOr<std::vector<JsonMember>> object_members(std::string_view text, std::string_view what, size_t max_members) {
  const std::string w(what);
  MemberKeys reader(max_members);
  const bool parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &reader);
  if (reader.malformed()) return invalid_argument(w + " JSON does not parse");
  switch (reader.problem()) {
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
