// Writes COUNT deterministic pairs of canonical felts ("0x.. 0x.." per line): SHA-256 of a tag and
// a counter, reduced below the Stark prime.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [file, countArg] = process.argv.slice(2);
const P = 2n ** 251n + 17n * 2n ** 192n + 1n;
const felt = (i) => BigInt('0x' + createHash('sha256').update(`zkcc-poseidon-bench-${i}`).digest('hex')) % P;
const lines = [];
for (let i = 0; i < Number(countArg); i++) lines.push(`0x${felt(2 * i).toString(16)} 0x${felt(2 * i + 1).toString(16)}`);
writeFileSync(file, lines.join('\n') + '\n');
