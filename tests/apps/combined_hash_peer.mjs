// Recomputes a bundle's cpu_hash, gpu_hash and combined_hash from its raw evidence with
// @scure/starknet's Poseidon, following DESIGN.md's formulas, and compares with the bundle.
// Usage: node combined_hash_peer.mjs NPM_DIR BUNDLE.json   (exit 0 when all three match)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [npmDir, bundlePath] = process.argv.slice(2);
const require = createRequire(npmDir + '/');
const { poseidonHashMany, poseidonHash } = require('@scure/starknet');

const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
const hex = (x) => '0x' + x.toString(16);

// report_hash_felt: 31-byte chunks, each a big-endian integer of its own length; empty -> 0.
function reportHashFelt(bytes) {
  if (bytes.length === 0) return 0n;
  const felts = [];
  for (let i = 0; i < bytes.length; i += 31) {
    felts.push(BigInt('0x' + Buffer.from(bytes.subarray(i, i + 31)).toString('hex')));
  }
  return poseidonHashMany(felts);
}

// A DCAP quote's declared length: header, body (v5: type and size first), signature data.
function quoteLength(q) {
  const version = q.readUInt16LE(0);
  let off = 48;
  if (version === 5) off += 6 + q.readUInt32LE(50);
  else off += 584;
  return off + 4 + q.readUInt32LE(off);
}

function cpuHash(cpu) {
  const report = Buffer.from(cpu.report, 'base64');
  if (cpu.platform === 'sev-snp') return reportHashFelt(report);
  if (cpu.platform === 'tdx') return reportHashFelt(report.subarray(0, quoteLength(report)));
  throw new Error('no independent hash for platform ' + cpu.platform);
}

const gpuHashes = (bundle.gpus || []).map((g) => reportHashFelt(Buffer.from(g.report, 'base64')));
const gpu = gpuHashes.length === 0 ? null : gpuHashes.length === 1 ? gpuHashes[0] : poseidonHashMany(gpuHashes);
const cpu = bundle.cpu ? cpuHash(bundle.cpu) : null;
let combined;
if (cpu !== null && gpu !== null) combined = poseidonHash(cpu, gpu);
else if (cpu !== null) combined = poseidonHash(0n, cpu);
else if (gpu !== null) combined = gpu;
else combined = 0n;

const want = { cpu_hash: hex(cpu ?? 0n), gpu_hash: hex(gpu ?? 0n), combined_hash: hex(combined) };
let ok = true;
for (const [k, v] of Object.entries(want)) {
  if (bundle[k] !== v) {
    console.log(`${k}: bundle ${bundle[k]}, @scure/starknet ${v}`);
    ok = false;
  }
}
console.log(ok ? 'match' : 'MISMATCH');
process.exit(ok ? 0 : 1);
