"""wasm_module: links C++ libraries into a JavaScript + WebAssembly module with em++.

    wasm_module(
        name = "sluice",                       # builds sluice.js and sluice.wasm
        export_name = "createSluice",          # the factory the .js defines
        deps = [":bindings"],                  # cc_library targets, embind sources included
    )

The deps are built with the em++ toolchain whatever the command line says (a
transition sets --crosstool_top and --cpu), so a plain `bazel test //...` builds the
module and a Node test can load it from its runfiles. The transition also clears
--copt and --linkopt: those carry native flags (sanitizers under --config=asan,
-march) that em++ cannot honour; the em++ toolchain sets its own warnings. Embind sources must be
`alwayslink = True` (nothing refers to their registrations) and `tags = ["manual"]`
(they cannot build natively).
"""

_WASM_TOOLCHAIN = "//tools/emscripten:toolchain"

def _to_wasm_impl(settings, attr):
    return {
        "//command_line_option:crosstool_top": _WASM_TOOLCHAIN,
        "//command_line_option:cpu": "wasm",
        "//command_line_option:copt": [],
        "//command_line_option:linkopt": [],
    }

_to_wasm = transition(
    implementation = _to_wasm_impl,
    inputs = [],
    outputs = [
        "//command_line_option:crosstool_top",
        "//command_line_option:cpu",
        "//command_line_option:copt",
        "//command_line_option:linkopt",
    ],
)

def _static_libraries(deps):
    libraries = []
    link_flags = []
    for dep in deps:
        for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
            link_flags.extend(linker_input.user_link_flags)
            for library in linker_input.libraries:
                archive = library.static_library or library.pic_static_library
                if archive:
                    libraries.append(archive)
    return libraries, link_flags

def _wasm_module_impl(ctx):
    js = ctx.actions.declare_file(ctx.label.name + ".js")
    wasm = ctx.actions.declare_file(ctx.label.name + ".wasm")
    libraries, dep_link_flags = _static_libraries(ctx.attr.deps)

    optimization = "-O3" if ctx.var["COMPILATION_MODE"] == "opt" else "-O1"
    args = ctx.actions.args()
    args.add_all([
        optimization,
        "--bind",
        "-sMODULARIZE=1",
        "-sEXPORT_NAME=" + ctx.attr.export_name,
        "-sALLOW_MEMORY_GROWTH=1",
        "-sENVIRONMENT=web,node",
        "-o",
        js,
    ])
    args.add_all(ctx.attr.linkopts)
    args.add_all(dep_link_flags)

    # Whole archives: embind registrations are static constructors nothing else names.
    args.add("-Wl,--whole-archive")
    args.add_all(libraries)
    args.add("-Wl,--no-whole-archive")

    ctx.actions.run(
        executable = ctx.executable._em_plus_plus,
        arguments = [args],
        inputs = libraries,
        outputs = [js, wasm],
        mnemonic = "WasmLink",
        progress_message = "Linking WebAssembly module %s" % ctx.label,
    )
    outputs = [js, wasm]
    return [DefaultInfo(
        files = depset(outputs),
        runfiles = ctx.runfiles(files = outputs),
    )]

wasm_module = rule(
    implementation = _wasm_module_impl,
    attrs = {
        "deps": attr.label_list(
            cfg = _to_wasm,
            providers = [CcInfo],
            doc = "cc_library targets linked into the module (built with em++).",
        ),
        "export_name": attr.string(
            mandatory = True,
            doc = "Name of the module factory function, e.g. createSluice.",
        ),
        "linkopts": attr.string_list(doc = "Extra em++ link flags."),
        "_em_plus_plus": attr.label(
            default = "//tools/emscripten:em++.sh",
            executable = True,
            cfg = "exec",
            allow_single_file = True,
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
