#!/usr/bin/env bash
# Packs model_bench with its shared libraries, its loader and the three benchmark models into
# build/devicebench, so the same binary can be measured on another x86-64 Linux machine that lacks
# those libraries; build/devicebench/run.sh THREADS... runs it there once per thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/devicebench
test -x build/release/bench/model_bench || { echo "build the release preset's model_bench first" >&2; exit 1; }
test -f build/models/bench/dense_4m.onnx || python3 models/bench/make_models.py build/models/bench
rm -rf "$out" && mkdir -p "$out/lib" "$out/models"
cp build/release/bench/model_bench "$out/"
for lib in $(ldd build/release/bench/model_bench | awk '/=>/ {print $3}'); do cp -L "$lib" "$out/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$out/lib/"
cp models/digits/mlp.onnx models/digits/calibration.json build/models/bench/*.onnx build/models/bench/*_calibration.json \
  "$out/models/"
cat >"$out/run.sh" <<'RUN'
#!/usr/bin/env bash
cd "$(dirname "$0")"
nproc; lscpu | grep -E "Model name|^CPU\(s\)"; date -u
for t in "$@"; do
  echo "== ZKCC_THREADS=$t"
  ZKCC_THREADS=$t ./lib/ld-linux-x86-64.so.2 --library-path ./lib ./model_bench models/mlp.onnx models/calibration.json \
    models/dense_4m.onnx models/dense_4m_calibration.json models/cnn_264k.onnx models/cnn_264k_calibration.json
done
RUN
chmod +x "$out/run.sh"
du -sh "$out"
