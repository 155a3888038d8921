/* The fence side of the uAPI: dma-buf sync and implicit-fence ioctls, vgem
 * fences, sw_sync, sync_file merge/info/wait, poll, fdinfo, and module
 * (un)loading for vgem_basic's unload test. */
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "native.h"
#include "uapi.h"

/* drivers/dma-buf/sw_sync.c: the debugfs file's ioctls (not in the uAPI headers). */
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};
#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW('W', 1, __u32)

static int poll_one(int fd, int64_t events, int64_t timeout_ms, int64_t *revents)
{
	struct pollfd p = { .fd = fd, .events = (short)events };
	int ret;

	if (timeout_ms < -1 || timeout_ms > 0x7fffffff)
		return EINVAL;
	do {
		ret = poll(&p, 1, (int)timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return errno;
	*revents = p.revents;
	return 0;
}

static int read_fdinfo(int fd, struct nat_result *res)
{
	char path[48];
	size_t cap = 4096, len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno;
	res->bytes = malloc(cap);
	while (res->bytes && (n = read(in, res->bytes + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			res->bytes = realloc(res->bytes, cap *= 2);
	}
	close(in);
	if (!res->bytes)
		return ENOMEM;
	res->nbytes = len;
	return 0;
}

/* A name field of `size` bytes: a longer name is cut, as SYNC_IOC_MERGE cuts
 * what it is given (data.name[sizeof(data.name) - 1] = '\0'). */
static void copy_name(const char *src, char *dst, size_t size)
{
	strncpy(dst, src, size - 1);
	dst[size - 1] = '\0';
}

/* SYNC_IOC_FILE_INFO twice, as libsync does: once for the count, once for the fences. */
static int sync_info(int fd, struct nat_result *res)
{
	struct sync_file_info info = { 0 };
	int err = nat_ioctl(fd, SYNC_IOC_FILE_INFO, &info);

	if (err)
		return err;
	size_t fences = info.num_fences * sizeof(struct sync_fence_info);
	res->bytes = calloc(1, sizeof(info.name) + fences);
	if (!res->bytes)
		return ENOMEM;
	if (info.num_fences) {
		info.sync_fence_info = (__u64)(uintptr_t)(res->bytes + sizeof(info.name));
		err = nat_ioctl(fd, SYNC_IOC_FILE_INFO, &info);
	}
	memcpy(res->bytes, info.name, sizeof(info.name));
	res->nbytes = sizeof(info.name) + fences;
	res->value[0] = info.status;
	res->value[1] = info.num_fences;
	return err;
}

int nat_execute_fence_op(const struct nat_op *op, struct nat_result *res)
{
	const int64_t *a = op->arg;
	int64_t *v = res->value;
	int fd = nat_fd_arg(a[0]);
	int err;

	switch (op->code) {
	case NAT_POLL:
		return poll_one(fd, a[1], a[2], &v[0]);
	case NAT_SYNC_WAIT:
		/* libsync's sync_wait */
		err = poll_one(fd, POLLIN, a[1], &v[0]);
		if (!err && (v[0] & POLLNVAL))
			err = EINVAL;
		else if (!err && !v[0])
			err = ETIME;
		return err;
	case NAT_FDINFO:
		return fd < 0 ? ENOENT : read_fdinfo(fd, res);
	case NAT_DMABUF_SYNC: {
		struct dma_buf_sync arg = { .flags = (__u64)a[1] };
		return nat_ioctl(fd, DMA_BUF_IOCTL_SYNC, &arg);
	}
	case NAT_DMABUF_SET_NAME:
		return nat_ioctl(fd, DMA_BUF_SET_NAME_B, (void *)op->str);
	case NAT_DMABUF_EXPORT_SYNC_FILE: {
		struct dma_buf_export_sync_file arg = { .fd = -1 };
		err = nat_u32_arg(a[1], &arg.flags) ?: nat_ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg);
		v[0] = arg.fd;
		return err;
	}
	case NAT_DMABUF_IMPORT_SYNC_FILE: {
		struct dma_buf_import_sync_file arg = { .fd = nat_fd_arg(a[1]) };
		return nat_u32_arg(a[2], &arg.flags) ?: nat_ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg);
	}
	case NAT_VGEM_FENCE_ATTACH: {
		struct drm_vgem_fence_attach arg = { 0 };
		err = nat_u32_arg(a[1], &arg.handle) ?: nat_u32_arg(a[2], &arg.flags) ?: nat_u32_arg(a[3], &arg.pad) ?:
			nat_ioctl(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg);
		v[0] = arg.out_fence;
		return err;
	}
	case NAT_VGEM_FENCE_SIGNAL: {
		struct drm_vgem_fence_signal arg = { 0 };
		return nat_u32_arg(a[1], &arg.fence) ?: nat_u32_arg(a[2], &arg.flags) ?:
			nat_ioctl(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &arg);
	}
	case NAT_SW_SYNC_OPEN:
		fd = open("/sys/kernel/debug/sync/sw_sync", O_RDWR | O_CLOEXEC);
		v[0] = fd;
		return fd < 0 ? errno : 0;
	case NAT_SW_SYNC_CREATE_FENCE: {
		struct sw_sync_create_fence_data arg = { .fence = -1 };
		copy_name(op->str, arg.name, sizeof(arg.name));
		err = nat_u32_arg(a[1], &arg.value) ?: nat_ioctl(fd, SW_SYNC_IOC_CREATE_FENCE, &arg);
		v[0] = arg.fence;
		return err;
	}
	case NAT_SW_SYNC_INC: {
		__u32 count;
		return nat_u32_arg(a[1], &count) ?: nat_ioctl(fd, SW_SYNC_IOC_INC, &count);
	}
	case NAT_SYNC_MERGE: {
		struct sync_merge_data arg = { .fd2 = nat_fd_arg(a[1]), .fence = -1 };
		copy_name(op->str, arg.name, sizeof(arg.name));
		err = nat_ioctl(fd, SYNC_IOC_MERGE, &arg);
		v[0] = arg.fence;
		return err;
	}
	case NAT_SYNC_INFO:
		return sync_info(fd, res);
	case NAT_MODULE_UNLOAD:
		/* rmmod's flags: fail instead of waiting while the module is in use */
		return syscall(SYS_delete_module, op->str, O_NONBLOCK) ? errno : 0;
	case NAT_MODULE_LOAD: {
		int ko = open(op->str, O_RDONLY | O_CLOEXEC);
		if (ko < 0)
			return errno;
		err = syscall(SYS_finit_module, ko, "", 0) ? errno : 0;
		close(ko);
		return err;
	}
	default:
		return ENOSYS;
	}
}
