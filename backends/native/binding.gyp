{
  "targets": [
    {
      "target_name": "primeci_native",
      "sources": ["src/addon.c", "src/ops.c", "src/fences.c", "src/unix.c", "src/buffers.c", "src/mappings.c", "src/group.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
