// The shape of kernel/extras/extras.json: the modules Debian 6.1's config
// lacks (sw_sync, vkms, udmabuf, the dma-buf heaps, dmabuf_selftests), built
// out of tree against the packaged kernel's headers, as the module path
// rebuilds a patched module.

/** extras.json. */
export interface ExtrasFile {
  /** VERSION.PATCHLEVEL of the kernel tree the adaptation patches apply to. */
  kernel: string;
  /** In an order where every module comes after the ones it `needs`. */
  modules: ExtraModule[];
}

/**
 * One module, built in its own folder:
 * 1. copy the regular files of `dir` (not its subfolders) from the kernel tree
 *    into BUILD/`dir`;
 * 2. apply the user's patches, then `patch` (`git apply -p1` in BUILD: its
 *    paths are relative to the kernel tree's root);
 * 3. copy each `renames` source file to its object's name (.o → .c); the
 *    original may stay, Kbuild links NAME.o from its objects;
 * 4. write BUILD/`dir`/Kbuild:
 *        obj-m := NAME.o
 *        NAME-y := OBJECTS...       (left out when objects is exactly [NAME.o])
 *        KBUILD LINES...
 * 5. `make -C HEADERS M=BUILD/dir KBUILD_EXTRA_SYMBOLS="..." modules`, with the
 *    Module.symvers of each module in `needs`; the result is BUILD/dir/NAME.ko.
 */
export interface ExtraModule {
  /** The module's name and .ko file name, as modprobe and IGT's igt_kmod_load use it. */
  name: string;
  /** Its folder in the kernel tree, relative to the root, e.g. drivers/dma-buf. */
  dir: string;
  /** The objects linked into NAME.ko, in link order. */
  objects: string[];
  /** Objects whose source file has another name in `dir`, as {object: source}:
   * {"sw_sync_core.o": "sw_sync.c"} copies the patched sw_sync.c to
   * sw_sync_core.c (a composite module cannot link an object of its own name). */
  renames: Record<string, string>;
  /** Lines added verbatim to the Kbuild after the object lists. */
  kbuild: string[];
  /** The adaptation patch, relative to kernel/extras/; null when the module builds unmodified. */
  patch: string | null;
  /** Other extras it uses symbols of: built first, their Module.symvers in
   * KBUILD_EXTRA_SYMBOLS, loaded before it (depmod records that too). */
  needs: string[];
}
