#!/usr/bin/env bash
# prove-model selfcheck: every check named and passing (human output and --json), the field answers
# recomputed here in Python from the moduli, and a copy of the binary with one compiled-in root
# certificate altered failing with that root named and exit code 1.
# Usage: selfcheck_cli_test.sh PROVE_MODEL SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
source "$(dirname "$0")/lib.sh"

check_rc "selfcheck" 0 "$bin" selfcheck
for group in hash field proof root; do
  grep -q "^ok    $group: " "$tmp/out"; check "human output has $group checks" 0 $?
done
grep -q "^FAIL" "$tmp/out"; check "no check fails" 1 $?
grep -q "^ok    proof: the product's proof with A~(r, s) changed is rejected = rejected" "$tmp/out"
check "the tampered proof is rejected" 0 $?

check_rc "selfcheck --json" 0 "$bin" selfcheck --json
python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = {c["name"]: c["got"] for c in d["self_check"]}
assert d["ok"] is True and all(c["ok"] for c in d["self_check"]), d
# The answers, from the moduli alone.
p31 = 2**31 - 1
p = 2**251 + 17 * 2**192 + 1
assert got["field: M31 inverse of 2"] == str(pow(2, p31 - 2, p31))
assert got["field: M31 inverse of 3"] == str(pow(3, p31 - 2, p31))
assert got["field: M31 2^16 * 2^16"] == str(2**32 % p31)
assert got["field: M31 (p - 1) * (p - 1)"] == str((p31 - 1) ** 2 % p31)
assert got["field: Felt252 inverse of 2"] == hex(pow(2, p - 2, p))
assert got["field: Felt252 inverse of 7 ((6p + 1) / 7)"] == hex(pow(7, p - 2, p))
assert got["field: Felt252 2^128 * 2^128"] == hex(2**256 % p)
# QM31 = CM31[u]/(u^2 - (2 + i)), CM31 = M31[i]/(i^2 + 1): the inverse the binary names, times x, is 1.
def cmul(a, b): return ((a[0]*b[0] - a[1]*b[1]) % p31, (a[0]*b[1] + a[1]*b[0]) % p31)
def cadd(a, b): return ((a[0] + b[0]) % p31, (a[1] + b[1]) % p31)
def qmul(x, y):
    a, b, c, e = (x[0], x[1]), (x[2], x[3]), (y[0], y[1]), (y[2], y[3])
    lo = cadd(cmul(a, c), cmul((2, 1), cmul(b, e)))
    hi = cadd(cmul(a, e), cmul(b, c))
    return [lo[0], lo[1], hi[0], hi[1]]
[name] = [n for n in got if n.startswith("field: QM31 [1, 2, 3, 4] * ")]
inv = json.loads(name[len("field: QM31 [1, 2, 3, 4] * "):].split(" (")[0])
assert qmul([1, 2, 3, 4], inv) == [1, 0, 0, 0], inv
assert got["field: QM31 u * u"] == "[2, 1, 0, 0]" and got["field: QM31 i * i"] == f"[{p31 - 1}, 0, 0, 0]"
roots = [n for n in got if n.startswith("root: ")]
for want in ["AMD ARK (Milan)", "AMD ASK (Genoa)", "AMD ASVK (Milan)", "Intel SGX Root CA", "NVIDIA Device Identity CA", "NVIDIA CoRIM Root CA"]:
    assert f"root: {want} SHA-256" in got, (want, roots)
assert got["root: Intel SGX Root CA is self-signed"] == "signed by Intel SGX Root CA"
assert got["root: AMD ASK (Milan) is signed by its ARK"] == "signed by AMD ARK (Milan)"
PY
check "JSON: every check passes and the field answers are the moduli's" 0 $?

# A build whose compiled-in Intel root has one character of its serial number changed.
line=$(sed -n '/kIntelSgxRootCaPem = /{n;p;q}' "$src/src/tee/tdx/intel_roots.cc")
python3 - "$bin" "$tmp/bad-prove-model" "$line" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
line = sys.argv[3].encode()
assert data.count(line) == 1, data.count(line)
i = data.index(line) + 30
data = data[:i] + (b"A" if data[i:i+1] != b"A" else b"B") + data[i+1:]
open(sys.argv[2], "wb").write(data)
PY
chmod +x "$tmp/bad-prove-model"
check_rc "selfcheck with an altered root" 1 "$tmp/bad-prove-model" selfcheck
grep -q "^FAIL  root: Intel SGX Root CA SHA-256" "$tmp/out"; check "the altered root is named" 0 $?
grep -q "^FAIL  root: AMD\|^FAIL  hash\|^FAIL  field\|^FAIL  proof" "$tmp/out"; check "nothing else fails" 1 $?
grep -q "self-check FAILED" "$tmp/err"; check "failure on stderr" 0 $?
check_rc "selfcheck --json with an altered root" 1 "$tmp/bad-prove-model" selfcheck --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); bad=[c["name"] for c in d["self_check"] if not c["ok"]]; assert d["ok"] is False and "root: Intel SGX Root CA SHA-256" in bad, bad' "$tmp/out"
check "JSON names the failed check" 0 $?

finish "selfcheck CLI"
