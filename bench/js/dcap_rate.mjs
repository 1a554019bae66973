// Peer for bench/compare_dcap.sh: verifies the TDX sample with @phala/dcap-qvl for at least
// MIN_SECONDS and prints JSON with the rate and the TCB status it reached.
// Usage: ZKCC_NPM_DIR=... node dcap_rate.mjs QUOTE COLLATERAL_JSON UNIX_TIME MIN_SECONDS
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.ZKCC_NPM_DIR + '/');
const { verify } = require('@phala/dcap-qvl');
const [quoteFile, collateralFile, timeArg, minSecondsArg] = process.argv.slice(2);
const quote = readFileSync(quoteFile);
const collateral = JSON.parse(readFileSync(collateralFile, 'utf8'));
const now = Number(timeArg);
const minSeconds = Number(minSecondsArg);
let status = '';
let runs = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
do {
  status = verify(quote, collateral, now).status;
  runs += 1;
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
} while (elapsed < minSeconds);
console.log(JSON.stringify({ impl: '@phala/dcap-qvl', runs, seconds: elapsed, per_second: runs / elapsed, status }));
