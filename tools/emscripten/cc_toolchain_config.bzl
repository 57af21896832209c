"""A C++ toolchain over Debian's Emscripten, so cc_library targets also build to wasm."""

load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")

_COMPILE_ACTIONS = [
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
]

def _compile_flags_feature(name, flags, enabled = False):
    return feature(
        name = name,
        enabled = enabled,
        flag_sets = [flag_set(actions = _COMPILE_ACTIONS, flag_groups = [flag_group(flags = flags)])],
    )

def _impl(ctx):
    tool_paths = [
        tool_path(name = "gcc", path = "em++.sh"),
        tool_path(name = "ld", path = "em++.sh"),
        tool_path(name = "ar", path = "emar.sh"),
        tool_path(name = "cpp", path = "/bin/false"),
        tool_path(name = "gcov", path = "/bin/false"),
        tool_path(name = "nm", path = "/bin/false"),
        tool_path(name = "objdump", path = "/bin/false"),
        tool_path(name = "strip", path = "/bin/false"),
    ]
    features = [
        _compile_flags_feature("default_compile_flags", ["-Wall", "-Wextra"], enabled = True),
        # Bazel enables these by compilation mode (-c opt / -c dbg); fastbuild is -O1.
        _compile_flags_feature("opt", ["-O2", "-DNDEBUG"]),
        _compile_flags_feature("dbg", ["-O0", "-g"]),
        _compile_flags_feature("fastbuild", ["-O1"]),
    ]
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        toolchain_identifier = "emscripten-wasm32",
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = "wasm32-unknown-emscripten",
        target_cpu = "wasm",
        target_libc = "musl",
        compiler = "emscripten",
        abi_version = "emscripten",
        abi_libc_version = "default",
        tool_paths = tool_paths,
        features = features,
        # Headers em++ finds by itself; Bazel accepts includes from here undeclared.
        cxx_builtin_include_directories = [
            "/usr/share/emscripten/cache/sysroot/include",
            "/usr/share/emscripten/system",
            "/usr/lib/llvm-14/lib/clang/14.0.6/include",
        ],
    )

emscripten_toolchain_config = rule(
    implementation = _impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
