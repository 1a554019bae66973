# Sourced by the comparison scripts and the peer tests: installs an npm package into build/npm (once) and sets
# npm_dir and peer_version. Usage: npm_peer PACKAGE [NPM-INSTALL-FLAGS...]
# (e.g. --ignore-scripts for a package whose install script downloads what it already carries).
npm_peer() {
  npm_dir=${ZKCC_NPM_DIR:-$PWD/build/npm}
  if [ ! -d "$npm_dir/node_modules/$1" ]; then
    mkdir -p "$npm_dir"
    [ -f "$npm_dir/package.json" ] || echo '{"name":"zkcc-bench-peers","private":true}' >"$npm_dir/package.json"
    # Tests run in parallel may install different peers here at once: npm must not overlap itself.
    (cd "$npm_dir" && flock .install.lock npm install --no-audit --no-fund --silent "$@")
  fi
  peer_version=$(node -p "require('$npm_dir/node_modules/$1/package.json').version")
}
