#!/bin/bash
# Runs the dependency check over the whole core/ source tree, not only the files some
# target declares, so that a new file is checked the moment it exists. The runfile
# core/BUILD.bazel links back to the source tree, which is how the tree is found.
set -euo pipefail
core_dir="$(dirname "$(readlink -f core/BUILD.bazel)")"
exec bash tests/deps/check_core_dependencies.sh "$core_dir"
