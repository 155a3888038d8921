/* The op executor shared by every way primeci issues ops: directly from JS,
 * on native threads (races), and in forked children (fork). An op is plain
 * data so that a thread or a child without JS can run it. */
#ifndef PRIMECI_NATIVE_H
#define PRIMECI_NATIVE_H

#include <stddef.h>
#include <stdint.h>

enum nat_code {
	NAT_OPEN_DRIVER, /* any: 0 str is the driver name; 1 str lists the drivers to pass over (IGT's DRIVER_ANY) */
	NAT_OPEN_PATH, /* str: path */
	NAT_CLOSE, /* fd */
	NAT_DUP, /* fd */
	NAT_CREATE_DUMB, /* fd width height bpp flags -> handle pitch size */
	NAT_MAP_DUMB, /* fd handle -> offset */
	NAT_GEM_CLOSE, /* fd handle */
	NAT_GEM_FLINK, /* fd handle -> name */
	NAT_GEM_OPEN, /* fd name -> handle size */
	NAT_PRIME_HANDLE_TO_FD, /* fd handle flags -> fd */
	NAT_PRIME_FD_TO_HANDLE, /* fd dmabuf -> handle */
	NAT_MMAP, /* fd length offset prot -> mapping id */
	NAT_MUNMAP, /* mapping id */
	NAT_LSEEK, /* fd offset whence -> offset */
	NAT_MEM_WRITE, /* id offset length fill (0..255 a byte, -1 index8, -2 index32) */
	NAT_MEM_READ, /* id offset length -> bytes */
	NAT_SLEEP, /* ms */
	NAT_POLL, /* fd events timeout_ms -> revents */
	NAT_FDINFO, /* fd -> bytes: /proc/self/fdinfo/FD */
	NAT_DMABUF_SYNC, /* fd flags */
	NAT_DMABUF_SET_NAME, /* fd, str: name */
	NAT_DMABUF_EXPORT_SYNC_FILE, /* fd flags -> fd */
	NAT_DMABUF_IMPORT_SYNC_FILE, /* fd sync_file flags */
	NAT_VGEM_FENCE_ATTACH, /* fd handle flags pad -> fence */
	NAT_VGEM_FENCE_SIGNAL, /* fd fence flags */
	NAT_SW_SYNC_OPEN, /* -> timeline fd */
	NAT_SW_SYNC_CREATE_FENCE, /* timeline value, str: name -> fd */
	NAT_SW_SYNC_INC, /* timeline count */
	NAT_SYNC_MERGE, /* fd fd2, str: name -> fd */
	NAT_SYNC_INFO, /* fd -> status num_fences, bytes: name[32] then struct sync_fence_info each */
	NAT_SYNC_WAIT, /* fd timeout_ms: ETIME when not signalled in time */
	NAT_MODULE_UNLOAD, /* str: module name */
	NAT_MODULE_LOAD, /* str: path of the .ko */
	NAT_OPEN_RENDER, /* any, str: as NAT_OPEN_DRIVER -> fd */
	NAT_SET_VERSION, /* fd di_major di_minor dd_major dd_minor -> the four back */
	NAT_UNIX_SOCKETPAIR, /* -> fd0 fd1 */
	NAT_UNIX_SEND_FD, /* socket fd */
	NAT_UNIX_RECV_FD, /* socket -> fd */
	NAT_DRM_MINOR, /* fd -> minor of the DRM character device it is open on */
	NAT_MEMFD_CREATE, /* flags, str: name -> fd */
	NAT_FTRUNCATE, /* fd size */
	NAT_ADD_SEALS, /* fd seals */
	NAT_GET_SEALS, /* fd -> seals */
	NAT_UDMABUF_CREATE, /* fd memfd offset size flags -> fd */
	NAT_UDMABUF_CREATE_LIST, /* fd flags, str: "memfd offset size" items separated by ';' -> fd */
	NAT_DMA_HEAP_ALLOC, /* fd len fd_flags heap_flags layout (0 current, 1 older, 2 newer) -> fd */
	NAT_KSELFTEST, /* str: "PATH.ko\nPARAM": unload, load with PARAM=1, unload; the init's errno */
	NAT_CODE_COUNT
};

#define NAT_ARGS 6
#define NAT_STR 256
#define NAT_VALUES 4
/* Length arguments meaning "to the end of the mapping". */
#define NAT_REST INT64_MIN
#define NAT_FILL_INDEX8 (-1)
#define NAT_FILL_INDEX32 (-2)

struct nat_op {
	int32_t code;
	int64_t arg[NAT_ARGS];
	char str[NAT_STR];
};

struct nat_result {
	int32_t err; /* 0 or a positive errno */
	int64_t value[NAT_VALUES];
	uint8_t *bytes; /* NAT_MEM_READ, NAT_FDINFO, NAT_SYNC_INFO: malloc'd, the caller frees */
	size_t nbytes;
};

/* Runs one op in the calling thread and process. */
void nat_execute(const struct nat_op *op, struct nat_result *res);
/* The fence, sync_file, poll and module ops (fences.c); returns the errno. */
int nat_execute_fence_op(const struct nat_op *op, struct nat_result *res);
/* memfd, udmabuf, dma-heap and in-kernel selftest ops (buffers.c); returns the errno. */
int nat_execute_buffer_op(const struct nat_op *op, struct nat_result *res);
/* Passing fds over AF_UNIX sockets (unix.c); returns the errno. */
int nat_execute_unix_op(const struct nat_op *op, struct nat_result *res);

/* ioctl(2) retried on EINTR/EAGAIN as libdrm's drmIoctl does; returns the errno. */
int nat_ioctl(int fd, unsigned long request, void *arg);
/* The DRM driver name of fd (DRM_IOCTL_VERSION); returns the errno. */
int nat_driver_name(int fd, char *name, size_t size);
/* Scenario integers as syscall arguments: an fd out of range becomes
 * NAT_BAD_FD, never open, so the kernel answers as for any closed fd (EBADF,
 * POLLNVAL, ...); a u32 out of range is EINVAL. */
#define NAT_BAD_FD 0x7fffffff
int nat_fd_arg(int64_t v);
int nat_u32_arg(int64_t v, uint32_t *out);

/* The mapping table: JS only ever sees ids, so a stale or forged id is an
 * error, never a wild pointer. Thread-safe. A mapping is as long as the
 * kernel made it (the length rounded up to pages) and keeps its PROT_ bits. */
int64_t nat_map_add(void *addr, size_t length, int prot);
int nat_map_remove(int64_t id);
/* Locks the table and returns the bytes [offset, offset+length) of mapping id,
 * or NULL with *err set: EFAULT past the end, for an unknown id, or for an
 * access the protection would fault on (a store without PROT_WRITE, a load
 * with neither PROT_READ nor PROT_WRITE, which implies read on x86), where the
 * process would take SIGSEGV. length NAT_REST means to the end. Call
 * nat_map_unlock() when done with the bytes. */
uint8_t *nat_map_lock_range(int64_t id, int64_t offset, int64_t *length, int write, int *err);
void nat_map_unlock(void);
/* In a forked child the table's lock may have been held by another thread at
 * fork time: reset it. */
void nat_map_after_fork(void);

/* A group of executors running scenario threads' ops concurrently, each
 * member at its own pace: native threads of this process, or forked children
 * sharing its open files. */
struct nat_group;
struct nat_group *nat_group_threads(int members, int *err);
struct nat_group *nat_group_fork(int members, int *err);
/* Starts op on member, which must be idle (its last op collected): returns 0,
 * EINVAL for no such member, or EBUSY. */
int nat_group_submit(struct nat_group *g, int member, const struct nat_op *op);
struct nat_completion {
	struct nat_group *group;
	int member;
	struct nat_result result;
};
/* Waits until ops of any groups have finished and returns up to max of them,
 * oldest first; 0 at once when no op is in flight. */
int nat_group_collect(struct nat_completion *out, int max);
/* Ends the group: idle members are let go (their children reaped) before it
 * returns; an op still running is abandoned (its worker is let go when the op
 * returns) and its result, like any not yet collected, is dropped. */
void nat_group_end(struct nat_group *g);

#endif
