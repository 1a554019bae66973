// A job's result as one JSON document (GET /api/v1/jobs/ID/result), which POST /api/v1/verify
// takes back:
//   {"job_id", "model_id",
//    "summary": {"level", "statement", "combined_hash", "model_commitment", "proof_hash",
//                "receipt_hash", "proof_bytes", "prove_ms", "top1": [class per output]},
//    "files": {"model_commitment.bin": "<base64>", "output.json": {...}, "bundle.json": {...},
//              "receipt.json": {...}, "calldata.json": {...}, "proof.bin": "<base64>"}}
// "files" holds the proof directory of pipeline/job.h, the JSON files as JSON values
// (public_input.json only for a public input). The summary is for people: a verifier
// reads only "files" (and "model_id", which the model must then match).
#ifndef ZKCC_SERVICE_RESULT_H_
#define ZKCC_SERVICE_RESULT_H_

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/pipeline/job.h"

namespace zkcc::service {

nlohmann::json result_document(const std::string& job_id, const std::string& model_id, const pipeline::Package& p);


// A job's result: its summary and the proof directory's files (model_commitment.bin is the model commitment,
// which carries no weight; public_input.json only for a public input), so a third party can verify it
// offline with nothing else.
//
// The package files of a result document: its JSON files serialised, proof.bin and model_commitment.bin
// decoded. Without "model_commitment.bin" in the document, `model_commitment` (the encoded commitment of the
// model named by "model_id") supplies it; fails when neither has it. Refuses unknown file names, a
// file of the wrong kind and bad base64, naming the file.
StatusOr<std::map<std::string, Bytes>> result_files(const nlohmann::json& doc, const Bytes* model_commitment);

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_RESULT_H_
