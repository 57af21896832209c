"""binary_test: a shell test (NAME.sh) of our binaries as a user runs them. Each binary's
path is passed as an argument, in order, and the script sources binary_test_lib.sh."""

def binary_test(name, binaries, size = "small", tags = []):
    native.sh_test(
        name = name,
        size = size,
        tags = tags,
        srcs = [name + ".sh"],
        args = ["$(rootpath %s)" % binary for binary in binaries],
        data = binaries + ["//tests/native/testing:binary_test_lib.sh"],
    )
