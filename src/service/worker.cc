#include "zkcc/service/worker.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <exception>

#include "zkcc/service/log.h"
#include "zkcc/base/json.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/input_json.h"
#include "zkcc/pipeline/job.h"
#include "zkcc/service/result.h"
#include "zkcc/starknet/calldata.h"

namespace zkcc::service {
namespace {

using nlohmann::json;

// Thrown from the proof's progress callback to stop a proof whose job this worker no longer holds
// (cancelled, or its lease lost): the prover reports progress but offers no other way to stop it,
// and it holds its resources by RAII, so unwinding through it is safe.
struct JobAbandoned {};

std::string default_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "localhost") + ":" + std::to_string(getpid());
}

}  // namespace

struct WorkerPool::CachedModel {
  pipeline::LoadedModel loaded;
};

struct WorkerPool::Slot {
  std::string id;  // the worker's name in the store
  std::mutex store_mu;  // the worker and its heartbeat thread share the connection
  std::unique_ptr<JobStore> store;
  std::optional<Attesters> attesters;  // made at the first job that attests
  std::thread thread;
  std::string job;                     // the job being proved (pool mu_), empty when idle
  std::atomic<bool> given_back{false};  // the pool gave the job back to the queue
  std::atomic<bool> abandoned{false};   // the store refused a heartbeat: the job is no longer ours
  std::atomic<int64_t> done{0}, total{0};
};

StatusOr<ProveRequest> parse_prove_request(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json j, parse_strict_object(text, "job request"));
  ProveRequest r;
  for (const auto& [key, value] : j.items()) {
    if (key == "input") {
      r.input = value;
    } else if (key == "level" || key == "worker" || key == "sage_amount") {
      if (!value.is_string()) return invalid_argument("job request: '" + key + "' must be a string");
      (key == "level" ? r.level : key == "worker" ? r.worker : r.sage_amount) = value.get<std::string>();
    } else {
      return invalid_argument("job request: unknown key '" + key + "'");
    }
  }
  if (r.input.is_null()) return invalid_argument("job request: 'input' is missing");
  return r;
}

std::string prove_request_json(const ProveRequest& r) {
  return json{{"input", r.input}, {"level", r.level}, {"worker", r.worker}, {"sage_amount", r.sage_amount}}.dump();
}

WorkerPool::WorkerPool(WorkerOptions options, Metrics* metrics) : options_(std::move(options)), metrics_(metrics) {}

StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::start(WorkerOptions options, Metrics* metrics) {
  if (options.threads < 0 || options.threads > 256) return invalid_argument("workers: 0 to 256 threads");
  if (options.lease_ms < 1000) return invalid_argument("the lease must last at least a second");
  if (options.heartbeat_ms <= 0 || options.heartbeat_ms * 2 > options.lease_ms) {
    return invalid_argument("heartbeats must come at least twice a lease");
  }
  if (options.max_attempts < 1) return invalid_argument("a job needs at least one attempt");
  if (options.poll_ms <= 0) return invalid_argument("the poll interval must be positive");
  ZKCC_RETURN_IF_ERROR(check_platform_options(options.platform));
  if (options.name.empty()) options.name = default_name();
  std::unique_ptr<WorkerPool> pool(new WorkerPool(std::move(options), metrics));
  for (int i = 0; i < pool->options_.threads; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->id = pool->options_.name + "/" + std::to_string(i);
    ZKCC_ASSIGN_OR_RETURN(slot->store, open_store(pool->options_.store, pool->options_.data_dir));
    pool->slots_.push_back(std::move(slot));
  }
  for (auto& slot : pool->slots_) {
    Slot* s = slot.get();
    s->thread = std::thread([p = pool.get(), s] { p->run(*s); });
  }
  return pool;
}

WorkerPool::~WorkerPool() {
  stopping_ = true;
  notify();
  for (auto& slot : slots_) {
    if (slot->thread.joinable()) slot->thread.join();
  }
}

void WorkerPool::notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wake_generation_;
  }
  wake_.notify_all();
}

int WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const auto& s) { return !s->job.empty(); }));
}

int WorkerPool::stop(std::chrono::milliseconds grace) {
  stopping_ = true;
  notify();
  std::vector<std::pair<Slot*, std::string>> running;
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait_for(lock, grace, [&] {
      return std::all_of(slots_.begin(), slots_.end(), [](const auto& s) { return s->job.empty(); });
    });
    for (auto& s : slots_) {
      if (!s->job.empty() && !s->given_back.exchange(true)) running.emplace_back(s.get(), s->job);
    }
  }
  int given = 0;
  for (auto& [slot, job] : running) {
    std::lock_guard<std::mutex> lock(slot->store_mu);
    Status s = slot->store->release(job, slot->id);
    if (s.ok()) {
      ++given;
      log_line("job " + job + ": given back to the queue by " + slot->id + " (shutting down)");
    } else {
      log_line("job " + job + ": could not give it back: " + s.to_string());
    }
  }
  return given;
}

void WorkerPool::run(Slot& slot) {
  std::string last_error;
  while (!stopping_) {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation = wake_generation_;
    }
    StatusOr<std::optional<JobRecord>> claimed = [&] {
      std::lock_guard<std::mutex> lock(slot.store_mu);
      return slot.store->claim(slot.id, now_ms(), options_.lease_ms, options_.max_attempts);
    }();
    if (claimed.ok() && claimed->has_value()) {
      last_error.clear();
      process(slot, **claimed);
      continue;
    }
    if (!claimed.ok() && claimed.status().to_string() != last_error) {
      last_error = claimed.status().to_string();
      log_line(slot.id + ": cannot claim jobs: " + last_error);
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [&] { return stopping_.load() || wake_generation_ != generation; });
  }
}

void WorkerPool::process(Slot& slot, const JobRecord& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    slot.job = job.id;
    slot.given_back = false;
  }
  slot.abandoned = false;
  slot.done = 0;
  slot.total = 0;
  log_line("job " + job.id + ": claimed by " + slot.id + " (attempt " + std::to_string(job.attempts) + ")");
  const auto started = std::chrono::steady_clock::now();

  // Heartbeats: renew the lease and publish progress while the proof runs.
  std::mutex hb_mu;
  std::condition_variable hb_cv;
  bool finished = false;
  std::thread heartbeat([&] {
    std::unique_lock<std::mutex> lock(hb_mu);
    while (!hb_cv.wait_for(lock, std::chrono::milliseconds(options_.heartbeat_ms), [&] { return finished; })) {
      lock.unlock();
      if (!slot.given_back && !slot.abandoned) {
        std::lock_guard<std::mutex> store_lock(slot.store_mu);
        Status s = slot.store->heartbeat(job.id, slot.id, now_ms(), options_.lease_ms, slot.done, slot.total);
        if (s.code() == StatusCode::kFailedPrecondition) {
          // Cancelled, or the lease ran out and another worker took the job: either way no result
          // of ours would be accepted, so the proof stops at its next progress report.
          slot.abandoned = true;
          log_line("job " + job.id + ": abandoned by " + slot.id + ": " + s.message());
        } else if (!s.ok()) {
          log_line("job " + job.id + ": heartbeat failed: " + s.to_string());
        }
      }
      lock.lock();
    }
  });

  bool attesting = false;
  StatusOr<std::string> result = internal_error("not proved");
  try {
    result = prove(slot, job, &attesting);
  } catch (const JobAbandoned&) {
    result = failed_precondition("abandoned");
  } catch (const std::exception& e) {
    // The library reports failures as Status; this is only a last line (memory exhausted, say),
    // so one job's failure does not take the worker down.
    result = internal_error(std::string("internal error: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(hb_mu);
    finished = true;
  }
  hb_cv.notify_all();
  heartbeat.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!slot.given_back && !slot.abandoned) {
    // Record the outcome; a store that is briefly unreachable gets a few more tries (after which
    // the lease runs out and the job is proved again elsewhere).
    Status s;
    for (int attempt = 0; attempt < 5; ++attempt) {
      {
        std::lock_guard<std::mutex> lock(slot.store_mu);
        // The last progress first, which the heartbeats may not have carried yet.
        if (result.ok() && attempt == 0) {
          (void)slot.store->heartbeat(job.id, slot.id, now_ms(), options_.lease_ms, slot.done, slot.total);
        }
        s = result.ok() ? slot.store->complete(job.id, slot.id, now_ms(), Bytes(result->begin(), result->end()))
                        : slot.store->fail(job.id, slot.id, now_ms(), result.status().message());
      }
      if (s.ok() || s.code() == StatusCode::kFailedPrecondition || slot.given_back) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (s.ok()) {
      if (metrics_ != nullptr) {
        metrics_->job_finished(result.ok());
        if (result.ok()) metrics_->observe_prove_seconds(secs);
        if (!result.ok() && attesting) metrics_->attestation_failure();
      }
      log_line("job " + job.id + ": " +
               (result.ok() ? "done in " + std::to_string(secs) + " s" : "failed: " + result.status().message()));
    } else {
      log_line("job " + job.id + ": outcome not recorded: " + s.to_string());
    }
  } else if (slot.abandoned) {
    log_line("job " + job.id + ": " + slot.id + " stopped after " + std::to_string(secs) + " s; nothing recorded");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    slot.job.clear();
  }
  idle_.notify_all();
}

StatusOr<std::shared_ptr<const WorkerPool::CachedModel>> WorkerPool::model(Slot& slot, const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(models_.begin(), models_.end(), [&](const auto& m) { return m.first == id; });
    if (it != models_.end()) {
      auto hit = *it;
      models_.erase(it);
      models_.push_back(hit);
      return hit.second;
    }
  }
  StatusOr<std::optional<ModelRecord>> record = [&] {
    std::lock_guard<std::mutex> lock(slot.store_mu);
    return slot.store->get_model(id);
  }();
  if (!record.ok()) return record.status();
  if (!record->has_value()) return not_found("model " + id + " is not registered");
  ZKCC_ASSIGN_OR_RETURN(model::QuantizedGraph graph, model::decode_graph((*record)->graph));
  ZKCC_ASSIGN_OR_RETURN(pipeline::LoadedModel loaded, pipeline::prepare_model(std::move(graph)));
  if (loaded.commitment.to_hex() != id) return data_loss("model " + id + ": the stored graph has another commitment");
  auto cached = std::make_shared<const CachedModel>(CachedModel{std::move(loaded)});
  std::lock_guard<std::mutex> lock(mu_);
  models_.emplace_back(id, cached);
  while (models_.size() > std::max<size_t>(options_.model_cache, 1)) models_.erase(models_.begin());
  return cached;
}

StatusOr<std::string> WorkerPool::prove(Slot& slot, const JobRecord& job, bool* attesting) {
  ZKCC_ASSIGN_OR_RETURN(ProveRequest request, parse_prove_request(job.request_json));
  ZKCC_ASSIGN_OR_RETURN(tee::SecurityLevel level, tee::parse_security_level(request.level));
  ZKCC_ASSIGN_OR_RETURN(std::shared_ptr<const CachedModel> m, model(slot, job.model_id));
  auto input = model::parse_input_json(request.input.dump(), m->loaded.graph->values[0].shape);
  if (!input.ok()) return input.status().with_context("input");
  auto worker = Felt252::parse(request.worker);
  if (!worker.ok()) return worker.status().with_context("worker");
  ZKCC_RETURN_IF_ERROR(starknet::check_contract_address(*worker, "worker"));
  auto sage = starknet::parse_u256(request.sage_amount);
  if (!sage.ok()) return sage.status().with_context("sage_amount");
  ZKCC_ASSIGN_OR_RETURN(Felt252 job_felt, Felt252::parse("0x" + job.id));

  pipeline::JobOptions o;
  o.level = level;
  if (level != tee::SecurityLevel::kZkOnly) {
    if (!slot.attesters) {
      *attesting = true;
      auto a = make_attesters(options_.platform);
      if (!a.ok()) return a.status().with_context("attestation");
      slot.attesters = std::move(*a);
      *attesting = false;
    }
    o.cpu = slot.attesters->cpu.get();
    o.gpu = slot.attesters->gpu.get();
  }
  o.job_id = job_felt;
  o.worker = *worker;
  o.sage_amount = *sage;
  o.now = static_cast<uint64_t>(std::time(nullptr));
  o.progress = [&](std::string_view stage, size_t done, size_t total) {
    *attesting = stage == "attest";
    if (stage == "prove") {
      slot.done = static_cast<int64_t>(done);
      slot.total = static_cast<int64_t>(total);
    } else if (stage == "witness") {
      slot.total = static_cast<int64_t>(total);
    }
    if (options_.step_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.step_delay_ms));
    if (slot.abandoned) throw JobAbandoned{};
  };
  ZKCC_ASSIGN_OR_RETURN(pipeline::Package package, pipeline::prove_job(m->loaded, *input, o));
  return result_document(job.id, job.model_id, package).dump();
}

}  // namespace zkcc::service
