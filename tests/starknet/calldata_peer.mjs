// Checks zkcc's Starknet calldata and receipt hashes against independent implementations:
// verify_and_pay calldata against npm starknet's CallData (with the ABI in starknet/abi), the full
// proof calldata against CallData.compile, and proof_id and the v1/v2 receipt hashes against
// @scure/starknet's Poseidon, with the field orders written out here from receipt.h's comment.
// Usage: node calldata_peer.mjs NPM_DIR CALLDATA_TOOL ABI_JSON   (exit 0 when every check holds)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [npmDir, tool, abiPath] = process.argv.slice(2);
const require = createRequire(resolve(npmDir) + '/');
const { CallData, cairo } = require('starknet');
const { poseidonHashMany, poseidonHash } = require('@scure/starknet');

const abi = JSON.parse(readFileSync(abiPath, 'utf8'));
const verifier = new CallData(abi);
const P = (1n << 251n) + 17n * (1n << 192n) + 1n;
const hex = (x) => '0x' + BigInt(x).toString(16);

let pass = 0;
let fail = 0;
function check(name, ok, detail = '') {
  if (ok) pass++;
  else {
    fail++;
    console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
  }
}
const sameFelts = (a, b) => a.length === b.length && a.every((x, i) => BigInt(x) === BigInt(b[i]));

// Runs the tool; returns {ok, out, err}. Arguments go straight to execve, never through a shell.
function run(...args) {
  try {
    return { ok: true, out: execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    return { ok: false, out: e.stdout, err: String(e.stderr) };
  }
}

// A fixed xorshift stream, so failures reproduce.
let state = 0x9e3779b97f4a7c15n;
function rand64() {
  state ^= (state << 13n) & 0xffffffffffffffffn;
  state ^= state >> 7n;
  state ^= (state << 17n) & 0xffffffffffffffffn;
  return state;
}
function randBits(bits) {
  let v = 0n;
  for (let i = 0; i < bits; i += 64) v = (v << 64n) | rand64();
  return v & ((1n << BigInt(bits)) - 1n);
}
const randFelt = () => randBits(252) % P;

// ---- verify_and_pay ----
const argNames = ['model_id', 'proof_hash', 'io_commitment', 'weight_commitment', 'num_layers', 'job_id', 'worker',
                  'sage_amount', 'tee_attestation_hash'];
const sets = [
  [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n + (9n << 128n), 10n],
  [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
  [P - 1n, P - 1n, P - 1n, P - 1n, 0xffffffffn, P - 1n, (1n << 251n) - 1n, (1n << 256n) - 1n, P - 1n],
  [P - 2n, 1n << 250n, 3n, 4n, 12n, 5n, 0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7n,
   1n << 128n, 0n],
  [11n, 22n, 33n, 44n, 1n, 55n, 66n, (1n << 200n) + 12345n, 77n],
  [11n, 22n, 33n, 44n, 1n, 55n, 66n, 1n << 255n, 77n],
];
for (let i = 0; i < 20; i++) {
  sets.push([randFelt(), randFelt(), randFelt(), randFelt(), randBits(32), randFelt(), randBits(251), randBits(256),
             randFelt()]);
}
sets.forEach((values, n) => {
  // Our side gets hex and decimal spellings; num_layers as a JSON number.
  const ours = {};
  argNames.forEach((k, i) => {
    ours[k] = k === 'num_layers' ? Number(values[i]) : (n + i) % 3 === 0 ? values[i].toString() : hex(values[i]);
  });
  const r = run('verify-and-pay', JSON.stringify(ours));
  check(`set ${n}: calldata_tool accepts`, r.ok, r.err);
  if (!r.ok) return;
  const got = JSON.parse(r.out);
  const theirs = Object.fromEntries(argNames.map((k, i) => [k, values[i]]));
  const withAbi = verifier.compile('verify_and_pay', theirs);
  check(`set ${n}: matches CallData(abi).compile`, sameFelts(got.calldata, withAbi),
        `ours ${JSON.stringify(got.calldata)} starknet ${JSON.stringify(withAbi)}`);
  const plain = CallData.compile([values[0], values[1], values[2], values[3], values[4], values[5], values[6],
                                  cairo.uint256(values[7]), values[8]]);
  check(`set ${n}: matches CallData.compile`, sameFelts(got.calldata, plain));
  check(`set ${n}: ten felts in lowercase 0x hex`, got.calldata.length === 10 &&
        got.calldata.every((s) => /^0x(0|[1-9a-f][0-9a-f]*)$/.test(s)));
  const pid = poseidonHashMany([values[0], values[2], values[3], values[1]]);
  check(`set ${n}: proof_id matches @scure/starknet`, BigInt(got.proof_id) === pid);
});
check('proof_id vector', hex(poseidonHashMany([1n, 2n, 3n, 4n])) ===
      '0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d');

// Out-of-range arguments: ours refuses all of them; starknet.js refuses the u32 and u256 ones too.
const good = Object.fromEntries(argNames.map((k, i) => [k, k === 'num_layers' ? 5 : hex(sets[0][i])]));
const rejections = [
  ['num_layers', 4294967296, 'does not fit in u32', true],
  ['num_layers', -1, 'unsigned integer', true],
  ['sage_amount', hex(1n << 256n), 'does not fit in 256 bits', true],
  ['model_id', hex(P), 'not a canonical felt252', false],
  ['tee_attestation_hash', hex(P + 5n), 'not a canonical felt252', false],
  ['worker', hex(1n << 251n), 'is not a ContractAddress', false],
];
for (const [k, v, msg, starknetRefuses] of rejections) {
  const r = run('verify-and-pay', JSON.stringify({ ...good, [k]: v }));
  check(`${k}=${v}: refused`, !r.ok && r.err.includes(msg) && r.err.includes(k), r.ok ? 'accepted' : r.err);
  if (starknetRefuses) {
    let threw = false;
    try {
      verifier.compile('verify_and_pay', { ...good, [k]: typeof v === 'string' ? BigInt(v) : v });
    } catch {
      threw = true;
    }
    check(`${k}=${v}: starknet.js refuses too`, threw);
  }
}

// ---- full proof calldata: (statement, combined_hash, Array<felt252>) ----
const proofs = [[], [P - 1n], [1n, 2n, 3n, 4n, 5n], Array.from({ length: 40 }, randFelt)];
proofs.forEach((proof, n) => {
  const statement = randFelt();
  const combined = n === 0 ? 0n : randFelt();
  const r = run('proof-calldata', hex(statement), hex(combined), ...proof.map(hex));
  check(`proof ${n}: calldata_tool accepts`, r.ok, r.err);
  if (!r.ok) return;
  const theirs = CallData.compile([statement, combined, proof]);
  check(`proof ${n}: matches CallData.compile`, sameFelts(JSON.parse(r.out), theirs));
});

// ---- receipts ----
const v1Fields = ['job_id', 'worker_pubkey', 'input_commitment', 'output_commitment', 'model_commitment',
                  'prev_receipt_hash', 'gpu_time_ms', 'token_count', 'billing_amount_sage', 'billing_rate_per_sec',
                  'billing_rate_per_token', 'tee_report_hash', 'tee_timestamp', 'timestamp', 'sequence_number'];
const v2Fields = ['cpu_tee_report_hash', 'gpu_tee_report_hash', 'tee_attestation_hash', 'statement', 'proof_digest'];
const integers = new Set(['gpu_time_ms', 'token_count', 'billing_amount_sage', 'billing_rate_per_sec',
                          'billing_rate_per_token', 'tee_timestamp', 'timestamp', 'sequence_number']);
const tag = BigInt('0x' + Buffer.from('zkcc-receipt-v2').toString('hex'));

// JSON for the tool: felts as hex strings, integers as numbers (all below 2^53 here).
const fieldsJson = (f) => JSON.stringify(Object.fromEntries(
  Object.entries(f).map(([k, v]) => [k, integers.has(k) ? Number(v) : hex(v)])));
function combinedHash(cpu, gpu) {
  if (cpu !== 0n && gpu !== 0n) return poseidonHash(cpu, gpu);
  if (cpu !== 0n) return poseidonHash(0n, cpu);
  return gpu;
}

const reference = [1n, 42n, 100n, 200n, 300n, 0n, 5000n, 512n, 5620n, 100n, 10n, 500n, 1700000000n, 1700000010n, 0n];
const v1 = Object.fromEntries(v1Fields.map((k, i) => [k, reference[i]]));
{
  const r = run('receipt-v1', fieldsJson(v1));
  check('receipt v1: calldata_tool accepts', r.ok, r.err);
  const want = poseidonHashMany(reference);
  check('receipt v1: reference vector', hex(want) === '0x11b2dde2251b5a27d9393438bac7a9b78cb221f51821140d7423c3dff823089');
  if (r.ok) check('receipt v1: hash matches @scure/starknet', BigInt(JSON.parse(r.out).receipt_hash) === want);
}

function v2Check(name, fields, pinned) {
  const r = run('receipt-v2', fieldsJson(fields));
  check(`${name}: calldata_tool accepts`, r.ok, r.err);
  if (!r.ok) return;
  const doc = JSON.parse(r.out);
  const want = poseidonHashMany([tag, ...v1Fields.map((k) => fields[k]), ...v2Fields.map((k) => fields[k])]);
  check(`${name}: hash matches @scure/starknet`, BigInt(doc.receipt_hash) === want, `${doc.receipt_hash} vs ${hex(want)}`);
  if (pinned) check(`${name}: pinned vector`, hex(want) === pinned);
  check(`${name}: fields echoed`, [...v1Fields, ...v2Fields].every((k) => BigInt(doc[k]) === BigInt(fields[k])));
}

// The pinned vector of receipt_test.cc.
const cpu0 = 0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdn;
const gpu0 = 0x7fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432n;
const c0 = combinedHash(cpu0, gpu0);
v2Check('receipt v2 vector', { ...v1, tee_report_hash: c0, cpu_tee_report_hash: cpu0, gpu_tee_report_hash: gpu0,
                               tee_attestation_hash: c0, statement: P - 1n, proof_digest: 0x5eedn },
        '0x2542418710f929fd6eb8664fdb1a8d7ce83d75e3791543db37145cc3ee131f');
for (let n = 0; n < 8; n++) {
  const cpu = n % 2 ? randFelt() : 0n;
  const gpu = n & 2 ? randFelt() : 0n;
  const c = combinedHash(cpu, gpu);
  const fields = {};
  for (const k of v1Fields) {
    // u32 fields get 32 bits; u64 ones 52, to stay exact in JavaScript numbers.
    fields[k] = integers.has(k) ? randBits(k === 'token_count' || k === 'sequence_number' ? 32 : 52) : randFelt();
  }
  Object.assign(fields, { tee_report_hash: c, cpu_tee_report_hash: cpu, gpu_tee_report_hash: gpu,
                          tee_attestation_hash: c, statement: randFelt(), proof_digest: randFelt() });
  v2Check(`receipt v2 random ${n} (cpu ${cpu !== 0n}, gpu ${gpu !== 0n})`, fields);
}
{
  // A combined hash that skips the CPU hash: refused.
  const f = { ...v1, tee_report_hash: gpu0, cpu_tee_report_hash: cpu0, gpu_tee_report_hash: gpu0,
              tee_attestation_hash: gpu0, statement: 1n, proof_digest: 2n };
  const r = run('receipt-v2', fieldsJson(f));
  check('receipt v2 with a wrong combined hash: refused', !r.ok && r.err.includes('not the combined hash'), r.err);
}

console.log(`${pass} passed, ${fail} failed`);
process.exit(fail === 0 ? 0 : 1);
