// prove-model's exit codes and how failures are printed: the one mapping from a StatusCode to an
// exit code, and the JSON object --json promises on standard output, failures included.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.h"

namespace zkcc::cli {
namespace {

// Set once by main after parsing the command line; the commands only call fail().
ErrorOutput g_error_output = ErrorOutput::kText;

}  // namespace

int exit_code(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return kExitOk;
    // What the user gave: a flag's value, a file that is missing or does not parse, an output
    // that would overwrite something, a model zkcc cannot take.
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kDataLoss:
    case StatusCode::kUnimplemented:
      return kExitUsage;
    // What the machine lacks: CC hardware or a device for the level asked, access to it, a
    // service that did not answer. kInternal is never returned by the library; it would be a
    // fault of this build or machine rather than of the input.
    case StatusCode::kFailedPrecondition:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnavailable:
    case StatusCode::kInternal:
      return kExitEnvironment;
  }
  return kExitEnvironment;
}

void set_error_output(ErrorOutput output) { g_error_output = output; }

void print_error_json(const std::string& message, int code) {
  if (g_error_output == ErrorOutput::kText) return;
  nlohmann::json j = nlohmann::json::object();
  if (g_error_output == ErrorOutput::kVerdictJson) {
    j["verified"] = false;
    j["failed"] = nlohmann::json::array();  // no check ran
  }
  j["error"] = message;
  j["exit_code"] = code;
  std::cout << j.dump(2) << "\n";
}

int fail(const Status& s) {
  const int code = exit_code(s.code());
  std::cerr << "prove-model: " << s.message() << "\n";
  print_error_json(s.message(), code);
  return code;
}

int usage_error(const std::string& message) { return fail(invalid_argument(message)); }

nlohmann::json verdict_json(const tee::Verdict& v) {
  nlohmann::json j = v.to_json();
  nlohmann::json failed = nlohmann::json::array();
  for (const tee::Check& c : v.checks) {
    if (!c.ok) failed.push_back(c.name + (c.detail.empty() ? "" : ": " + c.detail));
  }
  j["verified"] = v.ok();
  j["failed"] = std::move(failed);
  return j;
}

int verdict_exit(const tee::Verdict& v) { return v.ok() ? kExitOk : kExitRejected; }

}  // namespace zkcc::cli
