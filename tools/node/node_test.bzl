"""node_test: a test written in JavaScript (node:test) and run by the machine's Node."""

def node_test(name, src, data = [], args = [], **kwargs):
    """A test that runs `node src args...` in its runfiles.

    The script can require tools/node/load_wasm_module.js, which every node_test has.

    Args:
      name: test name.
      src: the .js test file.
      data: files the test reads, such as wasm_module targets or native binaries.
      args: arguments passed to the script; $(rootpath ...) works.
      **kwargs: size, tags and the other common test attributes.
    """
    native.sh_test(
        name = name,
        srcs = ["//tools/node:run_node_test.sh"],
        args = ["$(rootpath %s)" % src] + args,
        data = [src, "//tools/node:load_wasm_module.js"] + data,
        **kwargs
    )
