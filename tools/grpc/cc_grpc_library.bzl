"""cc_grpc_library: C++ messages and gRPC stubs from one .proto, generated with Debian's
/usr/bin/protoc and /usr/bin/grpc_cpp_plugin (offline; no Bazel proto rules needed).

    load("//tools/grpc:cc_grpc_library.bzl", "cc_grpc_library")
    cc_grpc_library(name = "inventory_grpc", src = "inventory.proto")

gives a cc_library whose headers are "<package>/inventory.pb.h" and
"<package>/inventory.grpc.pb.h".
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def cc_grpc_library(name, src, visibility = None):
    if not src.endswith(".proto"):
        fail("cc_grpc_library: src must be a .proto file, got " + src)
    base = src[:-len(".proto")]
    headers = [base + ".pb.h", base + ".grpc.pb.h"]
    sources = [base + ".pb.cc", base + ".grpc.pb.cc"]
    native.genrule(
        name = name + "_generate",
        srcs = [src],
        outs = headers + sources,
        cmd = " ".join([
            "/usr/bin/protoc",
            "--proto_path=$$(dirname $(location %s))" % src,
            "--cpp_out=$(@D)",
            "--grpc_out=$(@D)",
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
            "$(location %s)" % src,
        ]),
    )
    cc_library(
        name = name,
        srcs = sources,
        hdrs = headers,
        visibility = visibility,
        deps = [
            "@system//:grpc++",
            "@system//:protobuf",
        ],
    )
