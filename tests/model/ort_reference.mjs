// Runs a float ONNX model with ONNX Runtime (npm onnxruntime-node) on a set of inputs: the
// reference the quantized inference is compared with.
// Usage: node ort_reference.mjs NPM_DIR MODEL.onnx INPUTS.json
// INPUTS.json holds an array of inputs, each a JSON array of numbers flattened row-major in the
// model input's shape; a single input (an array of numbers, or {"input": [...]}) is accepted too.
// Prints {"output": NAME, "shape": [...], "outputs": [[...], ...], "top1": [...]}: the model's
// first output for each input, flattened, and the index of its largest element (first on ties).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
if (args.length !== 3) {
  console.error('usage: node ort_reference.mjs NPM_DIR MODEL.onnx INPUTS.json');
  process.exit(2);
}
const [npmDir, modelPath, inputsPath] = args;
const require = createRequire(resolve(npmDir) + '/');
const ort = require('onnxruntime-node');

function fail(msg) {
  console.error('ort_reference: ' + msg);
  process.exit(1);
}

function readInputs(path) {
  let v = JSON.parse(readFileSync(path, 'utf8'));
  if (v !== null && !Array.isArray(v) && typeof v === 'object') v = v.input;
  if (!Array.isArray(v) || v.length === 0) fail(path + ': expected a non-empty JSON array');
  const batch = Array.isArray(v[0]) ? v : [v];
  batch.forEach((x, i) => {
    if (!Array.isArray(x) || !x.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      fail(`${path}: input ${i} is not an array of finite numbers`);
    }
  });
  return batch;
}

const session = await ort.InferenceSession.create(modelPath);
if (session.inputNames.length !== 1) fail(`model has ${session.inputNames.length} inputs, expected 1`);
const meta = session.inputMetadata[0];
if (meta.type !== 'float32') fail(`model input ${meta.name} is ${meta.type}, expected float32`);
if (!meta.shape.every((d) => Number.isInteger(d) && d > 0)) {
  fail(`model input ${meta.name} has a dynamic shape ${JSON.stringify(meta.shape)}`);
}
const size = meta.shape.reduce((a, b) => a * b, 1);
const outputName = session.outputNames[0];

const outputs = [];
const top1 = [];
let shape = null;
for (const [i, x] of readInputs(inputsPath).entries()) {
  if (x.length !== size) fail(`input ${i} has ${x.length} numbers, the model takes ${size}`);
  const feeds = { [meta.name]: new ort.Tensor('float32', Float32Array.from(x), meta.shape) };
  const result = (await session.run(feeds))[outputName];
  shape = result.dims;
  const y = Array.from(result.data, Number);
  outputs.push(y);
  top1.push(y.reduce((best, v, j) => (v > y[best] ? j : best), 0));
}
console.log(JSON.stringify({ output: outputName, shape, outputs, top1 }));
