"""fuzz_test: a libFuzzer target, run in `bazel test` by tests/fuzz/fuzz_driver.cc over its
checked-in corpus (tests/fuzz/corpus/<name>/) and a fixed number of mutations of it.
tools/fuzz/run builds the same source with clang's libFuzzer for longer runs."""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def fuzz_test(name, srcs, deps, mutations = 20000, size = "small"):
    """The target as a library, its regression test, and <name>_fuzzer for libFuzzer."""
    cc_library(
        name = name + "_target",
        srcs = srcs,
        deps = deps,
        testonly = 1,
        alwayslink = 1,
    )
    cc_test(
        name = name,
        size = size,
        srcs = ["//tests/fuzz:fuzz_driver.cc"],
        args = ["tests/fuzz/corpus/" + name, str(mutations)],
        data = native.glob(["corpus/" + name + "/*"]),
        deps = [":" + name + "_target"],
    )

    # Built only by tools/fuzz/run (--config=fuzz: clang, -fsanitize=fuzzer gives main).
    cc_binary(
        name = name + "_fuzzer",
        testonly = 1,
        tags = ["manual"],
        deps = [":" + name + "_target"],
    )
