#include "zkcc/model/input_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zkcc::model {
namespace {

using nlohmann::json;

// Reads the document as events, so the numbers go straight into the tensor without a DOM, and
// every rule is checked as its event arrives. A handler that returns false stops the parse; the
// reason is kept in error_.
class InputHandler final : public nlohmann::json_sax<json> {
 public:
  // Reserves no more than the text could hold (a number and a separator take two bytes at least),
  // so a short text for a large shape costs nothing.
  InputHandler(size_t expected, size_t text_bytes) : expected_(expected) {
    data_.reserve(std::min(expected, text_bytes / 2 + 1));
  }

  bool null() override { return not_a_number("null"); }
  bool boolean(bool) override { return not_a_number("a boolean"); }
  bool string(string_t&) override { return not_a_number("a string"); }
  bool binary(binary_t&) override { return not_a_number("binary data"); }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t& text) override {
    if (!std::isfinite(v) && !open_.empty()) {  // parse_error catches these first; kept for safety
      return fail("input JSON element " + std::to_string(count_) + " (" + text + ") is not a finite double");
    }
    return number(v);
  }

  bool start_object(std::size_t) override {
    if (in_object_ || !open_.empty()) return not_a_number("an object");
    in_object_ = true;
    return true;
  }
  bool key(string_t& k) override {
    if (k != "input") return fail("input JSON has the key \"" + k + "\"; the only key allowed is \"input\"");
    if (seen_input_key_) return fail("input JSON has the key \"input\" twice");
    seen_input_key_ = true;
    return true;
  }
  bool end_object() override {
    in_object_ = false;
    if (!seen_input_key_) return fail("input JSON object has no \"input\" key");
    return true;
  }

  bool start_array(std::size_t) override {
    if (!open_.empty() && !item(kArrays)) return false;
    if (open_.size() == kMaxInputDepth) return fail("input JSON nests arrays more than " + std::to_string(kMaxInputDepth) + " deep");
    open_.push_back(0);
    return true;
  }
  bool end_array() override {
    const size_t level = open_.size() - 1;
    const size_t n = open_.back();
    open_.pop_back();
    if (length_.size() <= level) length_.resize(level + 1);
    if (!length_[level]) {
      length_[level] = n;
    } else if (*length_[level] != n) {
      return fail("input JSON is not rectangular: arrays at depth " + std::to_string(level) + " have " +
                  std::to_string(*length_[level]) + " and " + std::to_string(n) + " elements");
    }
    if (open_.empty()) done_ = true;
    return true;
  }

  bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& e) override {
    // The lexer refuses a number beyond the doubles (1e400) as a parse error; name the element.
    if (e.id == kNumberOverflow && !open_.empty()) {
      return fail("input JSON element " + std::to_string(count_) + " (" + token + ") is not a finite double");
    }
    if (e.id == kNumberOverflow) return not_an_array();
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 4: ..." without the id.
    if (const size_t end = what.find("] "); what.starts_with("[json.exception.") && end != std::string::npos) {
      what.erase(0, end + 2);
    }
    return fail("input JSON does not parse: " + what);
  }

  // After a successful parse: the tensor, or why the document is not one.
  StatusOr<std::vector<double>> result(const Shape& shape) && {
    if (!done_) return invalid_argument("input JSON is neither an array of numbers nor an object with an \"input\" array");
    if (count_ != expected_) {
      return invalid_argument("input JSON has " + std::to_string(count_) + " numbers; the model input " +
                              shape_string(shape) + " takes " + std::to_string(expected_));
    }
    return std::move(data_);
  }
  const std::optional<Status>& error() const { return error_; }
  // The lengths of the nested arrays, outermost first, once the parse is done.
  StatusOr<Shape> nesting() const {
    if (!done_) return invalid_argument("input JSON is neither an array of numbers nor an object with an \"input\" array");
    Shape s;
    for (const auto& n : length_) s.push_back(n.value_or(0));
    return s;
  }

 private:
  enum Kind : uint8_t { kNumbers = 1, kArrays = 2 };
  static constexpr int kNumberOverflow = 406;  // nlohmann's out_of_range.406

  bool fail(std::string message) {
    if (!error_) error_ = invalid_argument(std::move(message));
    return false;
  }
  // A value outside any array: the whole document, or the object's "input" value.
  bool not_an_array() {
    if (in_object_) return fail("input JSON's \"input\" value is not an array");
    return fail("input JSON is neither an array of numbers nor an object with an \"input\" array");
  }
  bool not_a_number(const char* what) {
    if (open_.empty()) return not_an_array();
    return fail("input JSON element " + std::to_string(count_) + " is " + what + ", not a number");
  }
  // One more item in the innermost open array: every item at a depth must be of one kind.
  bool item(Kind kind) {
    const size_t level = open_.size();
    if (kind_.size() <= level) kind_.resize(level + 1);
    if (kind_[level] == 0) {
      kind_[level] = kind;
    } else if (kind_[level] != kind) {
      return fail("input JSON is not rectangular: depth " + std::to_string(level) + " mixes numbers and arrays");
    }
    ++open_.back();
    return true;
  }
  bool number(double v) {
    if (open_.empty()) return not_an_array();
    if (!item(kNumbers)) return false;
    if (count_ == kMaxInputElements) return fail("input JSON has more than " + std::to_string(kMaxInputElements) + " numbers");
    if (count_ < expected_) data_.push_back(v);  // beyond that only counted, for the error
    ++count_;
    return true;
  }

  const size_t expected_;
  std::vector<double> data_;
  size_t count_ = 0;
  std::vector<size_t> open_;                 // items so far in each open array, outermost first
  std::vector<std::optional<size_t>> length_;  // the length of every array at each depth
  std::vector<uint8_t> kind_;                // what the items at each depth are (0: none yet)
  bool in_object_ = false;
  bool seen_input_key_ = false;
  bool done_ = false;  // the tensor's outermost array has closed
  std::optional<Status> error_;
};

}  // namespace

StatusOr<FloatTensor> parse_input_json(std::string_view text, const Shape& shape) {
  auto expected = checked_element_count(shape, kMaxInputElements);
  if (!expected.ok()) return expected.status().with_context("the model input");
  InputHandler handler(*expected, text.size());
  if (!json::sax_parse(text.begin(), text.end(), &handler)) {
    if (handler.error()) return *handler.error();
    return invalid_argument("input JSON does not parse");
  }
  ZKCC_ASSIGN_OR_RETURN(std::vector<double> data, std::move(handler).result(shape));
  return FloatTensor{shape, std::move(data)};
}

StatusOr<Shape> input_json_shape(std::string_view text) {
  InputHandler handler(0, 0);  // expects nothing: the numbers are only counted
  if (!json::sax_parse(text.begin(), text.end(), &handler)) {
    if (handler.error()) return *handler.error();
    return invalid_argument("input JSON does not parse");
  }
  return handler.nesting();
}

}  // namespace zkcc::model
