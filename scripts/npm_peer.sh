# Sourced by the comparison scripts and the peer tests: installs an npm package into build/npm (once)
# and sets npm_dir and peer_version.
#   npm_peer PACKAGE[@VERSION] [NPM-INSTALL-FLAGS...]
# (e.g. --ignore-scripts for a package whose install script downloads what it already carries).
# Peers are pinned where the newest release needs a newer Node.js than Debian 12's (18): npm there
# does not skip releases whose "engines" it cannot meet.
npm_peer() {
  npm_dir=${ZKCC_NPM_DIR:-$PWD/build/npm}
  local spec=$1 name=$1 want=""
  shift
  if [ "${spec#@}" != "${spec#*@}" ] || [[ $spec == @*/*@* ]]; then  # a version was given
    name=${spec%@*}
    want=${spec##*@}
  fi
  local have=""
  [ -f "$npm_dir/node_modules/$name/package.json" ] &&
    have=$(node -p "require('$npm_dir/node_modules/$name/package.json').version")
  if [ -z "$have" ] || { [ -n "$want" ] && [ "$have" != "$want" ]; }; then
    mkdir -p "$npm_dir"
    [ -f "$npm_dir/package.json" ] || echo '{"name":"zkcc-peers","private":true}' >"$npm_dir/package.json"
    # Tests run in parallel may install different peers here at once: npm must not overlap itself.
    (cd "$npm_dir" && flock .install.lock npm install --no-audit --no-fund --silent "$spec" "$@")
  fi
  peer_version=$(node -p "require('$npm_dir/node_modules/$name/package.json').version")
}
