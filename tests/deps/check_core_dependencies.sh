#!/bin/bash
# check_core_dependencies.sh CORE_DIR: fails if core/ breaks the sans-I/O rule.
#
# core/ must compile with em++ as well as g++ and must never do I/O, start a thread or
# read a clock by itself (see shared DESIGN.md). This finds, with file and line:
#   - includes of asio, gRPC, protobuf, abseil, boost, emscripten, OS or socket
#     headers, <thread>, <future>, <fstream>, <filesystem>;
#   - direct clock or entropy reads: system_clock::now, steady_clock::now, time(),
#     gettimeofday, clock_gettime, std::random_device, rand();
#   - BUILD deps outside core other than @nlohmann_json;
#   - component packages missing from the //core umbrella (core/BUILD.bazel), which
#     the WebAssembly build check links whole.
set -uo pipefail
shopt -s lastpipe  # `... | report` runs report in this shell, so failures counts

core_dir="${1:?usage: check_core_dependencies.sh CORE_DIR}"
[ -d "$core_dir" ] || { echo "no such directory: $core_dir" >&2; exit 2; }
failures=0

report() {  # report RULE < lines of "file:line:offending text"
  local rule="$1" location rest
  while IFS= read -r hit; do
    location="${hit%%:*}"; rest="${hit#*:}"
    location="$location:${rest%%:*}"; rest="${rest#*:}"
    echo "$location: $rule: ${rest#"${rest%%[![:space:]]*}"}"
    failures=$((failures + 1))
  done
}

mapfile -d '' sources < <(find "$core_dir" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.hpp' -o -name '*.cpp' \) -print0 | sort -z)
if [ "${#sources[@]}" -gt 0 ]; then
  grep -nHE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](asio|asio\.hpp|grpc|grpcpp/|grpc\+\+/|google/protobuf/|absl/|boost/|emscripten|sys/|netinet/|arpa/|netdb\.h|unistd\.h|fcntl\.h|pthread\.h|windows\.h|winsock|thread>|future>|fstream>|filesystem>)' \
    "${sources[@]}" | report "core may not include this (no I/O, threads, platform or non-core libraries)"
  # Comments may talk about time(); only code is checked (trailing // comments removed).
  for source in "${sources[@]}"; do
    sed 's|//.*$||' "$source" |
      grep -nE '(system_clock|steady_clock|high_resolution_clock|utc_clock|file_clock)::now|(^|[^[:alnum:]_.>:])(std::)?time[[:space:]]*\(|gettimeofday|clock_gettime|random_device|(^|[^[:alnum:]_.>])s?rand[[:space:]]*\(' |
      sed "s|^|$source:|"
  done \
    | report "core reads time and randomness only through an injected Clock and a seeded Prng"
fi

# deps = [...] in core BUILD files: only core targets and nlohmann/json.
mapfile -d '' builds < <(find "$core_dir" -type f \( -name BUILD -o -name BUILD.bazel \) -print0 | sort -z)
for build in "${builds[@]}"; do
  awk -v file="$build" '
    {
      line = $0
      if (!in_deps && match(line, /deps[[:space:]]*=[[:space:]]*\[/)) {
        in_deps = 1
        line = substr(line, RSTART)
      }
    }
    in_deps {
      while (match(line, /"[^"]*"/)) {
        label = substr(line, RSTART + 1, RLENGTH - 2)
        line = substr(line, RSTART + RLENGTH)
        if (label !~ /^(:|\/\/core(\/|:)|@nlohmann_json\/\/)/) print file ":" NR ":" label
      }
      if (line ~ /\]/) in_deps = 0  # what is left after the last label
    }' "$build"
done | report "core may depend only on core targets and @nlohmann_json"

# Every package under core/ is reachable from //core.
if [ -f "$core_dir/BUILD.bazel" ]; then
  for build in "${builds[@]}"; do
    package="${build#"$core_dir"/}"; package="${package%/*}"
    [ "$package" = "BUILD.bazel" ] && continue
    grep -qE "\"//core/$package(:[^\"]*)?\"" "$core_dir/BUILD.bazel" ||
      echo "$core_dir/BUILD.bazel:1://core/$package"
  done | report "the //core umbrella must list every component package"
fi

if [ "$failures" -gt 0 ]; then
  echo "FAIL: $failures dependency rule violation(s) in $core_dir"
  exit 1
fi
echo "OK: ${#sources[@]} source files and ${#builds[@]} BUILD files in $core_dir keep the sans-I/O rules"
