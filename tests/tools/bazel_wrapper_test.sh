#!/bin/bash
# tools/bazel decides well what to install: Debian packages that are missing (even
# names dpkg has never heard of), and npm folders whose lock file is newer than what
# their node_modules last saw.
set -uo pipefail
wrapper="$(readlink -f "$1")"
work="${TEST_TMPDIR:-$(mktemp -d)}/wrapper"
rm -rf "$work" && mkdir -p "$work/bin" "$work/ws/web" "$work/ws/tools/npm"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Debian: bash and coreutils are installed on any Debian machine; the other is not a package.
printf '# comment\nbash\n\ncoreutils  # trailing comment\nsluice-no-such-package-xyz\n' >"$work/packages.txt"
missing="$(SLUICE_WORKSPACE="$work/ws" SLUICE_PACKAGE_LIST="$work/packages.txt" \
  bash -c 'source "$1"; missing_debian_packages' _ "$wrapper")"
[ "$missing" = "sluice-no-such-package-xyz" ] || fail "missing packages: got '$missing'"

# npm: a fake npm records where it was asked to run and writes node_modules/.package-lock.json.
cat >"$work/bin/npm" <<'NPM'
#!/bin/bash
echo "$PWD" >>"$NPM_CALLS"
mkdir -p node_modules && touch node_modules/.package-lock.json
NPM
chmod +x "$work/bin/npm"
run_npm_install() {
  PATH="$work/bin:$PATH" NPM_CALLS="$work/calls" SLUICE_WORKSPACE="$work/ws" \
    bash -c 'source "$1"; install_npm_packages' _ "$wrapper" 2>/dev/null
}
echo '{}' >"$work/ws/web/package.json" && echo '{}' >"$work/ws/web/package-lock.json"
touch -d '2 minutes ago' "$work/ws/web/package-lock.json"
run_npm_install
[ "$(cat "$work/calls" 2>/dev/null)" = "$work/ws/web" ] || fail "a folder without node_modules was not installed"
rm -f "$work/calls"
run_npm_install
[ ! -s "$work/calls" ] || fail "an up-to-date folder was installed again"
touch "$work/ws/web/package-lock.json"  # the lock changes after the install
touch -d '1 minute ago' "$work/ws/web/node_modules/.package-lock.json"
run_npm_install
[ "$(cat "$work/calls" 2>/dev/null)" = "$work/ws/web" ] || fail "a newer lock file did not trigger npm ci"

[ "$failures" -eq 0 ] && echo "wrapper test passed"
exit "$failures"
