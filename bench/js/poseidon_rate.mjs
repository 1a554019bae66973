// Peer for bench/compare_poseidon.sh: hashes the same pairs with @scure/starknet's poseidonHash
// for at least MIN_SECONDS and prints JSON with the rate and a digest of all outputs (the same
// digest rule as bench/poseidon_rate.cc), so the two implementations are checked to agree.
// Usage: node poseidon_rate.mjs PAIRS_FILE MIN_SECONDS   (run with NODE_PATH at the npm folder)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.ZKCC_NPM_DIR + '/');
const { poseidonHash, poseidonHashMany } = require('@scure/starknet');
const [pairsFile, minSecondsArg] = process.argv.slice(2);
const lines = readFileSync(pairsFile, 'utf8').trim().split('\n');
const xs = [], ys = [];
for (const line of lines) {
  const [a, b] = line.trim().split(/\s+/);
  xs.push(BigInt(a));
  ys.push(BigInt(b));
}
const minSeconds = Number(minSecondsArg);
const out = new Array(xs.length);
let hashes = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
do {
  for (let i = 0; i < xs.length; i++) out[i] = poseidonHash(xs[i], ys[i]);
  hashes += xs.length;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
} while (elapsed < minSeconds);
const digest = '0x' + poseidonHashMany(out).toString(16);
console.log(JSON.stringify({ impl: '@scure/starknet', hashes, seconds: elapsed, per_second: hashes / elapsed, digest }));
