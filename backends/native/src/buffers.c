/* Buffers from outside DRM: memfds and their seals, udmabuf over them, the
 * dma-heaps; and the in-kernel selftests IGT runs through igt_kselftests. The
 * uAPI layouts come from the system's linux/ headers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "native.h"

/* The udmabuf_create_list items one op carries (NAT_STR bytes of text). */
#define MAX_ITEMS 16

static int u64_arg(int64_t v, __u64 *out)
{
	if (v < 0)
		return EINVAL;
	*out = (__u64)v;
	return 0;
}

static int udmabuf_create(int fd, const int64_t *a, int64_t *out)
{
	struct udmabuf_create arg = { 0 };
	int err = nat_u32_arg(nat_fd_arg(a[1]), &arg.memfd) ?: u64_arg(a[2], &arg.offset) ?: u64_arg(a[3], &arg.size) ?:
		nat_u32_arg(a[4], &arg.flags);

	if (err)
		return err;
	int ret = ioctl(fd, UDMABUF_CREATE, &arg);
	if (ret < 0)
		return errno;
	*out = ret;
	return 0;
}

/* str holds "memfd offset size" per item, items separated by ';'. */
static int udmabuf_create_list(int fd, int64_t flags, const char *str, int64_t *out)
{
	struct {
		struct udmabuf_create_list head;
		struct udmabuf_create_item item[MAX_ITEMS];
	} arg = { 0 };
	const char *p = str;
	int err = nat_u32_arg(flags, &arg.head.flags);

	while (!err && *p) {
		long long memfd, offset, size;
		int used = 0;
		if (arg.head.count == MAX_ITEMS || sscanf(p, "%lld %lld %lld%n", &memfd, &offset, &size, &used) != 3)
			return EINVAL;
		struct udmabuf_create_item *item = &arg.item[arg.head.count++];
		err = nat_u32_arg(nat_fd_arg(memfd), &item->memfd) ?: u64_arg(offset, &item->offset) ?: u64_arg(size, &item->size);
		p += used;
		if (*p == ';')
			p++;
	}
	if (err)
		return err;
	int ret = ioctl(fd, UDMABUF_CREATE_LIST, &arg);
	if (ret < 0)
		return errno;
	*out = ret;
	return 0;
}

/* The struct of an older and of a newer user space (the kernel's selftest's). */
struct heap_alloc_older {
	__u64 len;
	__u32 fd;
	__u32 fd_flags;
};

struct heap_alloc_newer {
	struct dma_heap_allocation_data data;
	__u64 garbage[3];
};

static int dma_heap_alloc(int fd, const int64_t *a, int64_t *out)
{
	struct heap_alloc_newer arg = { .garbage = { 0xffffffff, 0x88888888, 0x11111111 } };
	unsigned long request;
	int err = u64_arg(a[1], &arg.data.len) ?: nat_u32_arg(a[2], &arg.data.fd_flags) ?: u64_arg(a[3], &arg.data.heap_flags);

	if (err)
		return err;
	switch (a[4]) {
	case 0:
		err = nat_ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &arg.data);
		break;
	case 1: {
		struct heap_alloc_older older = { .len = arg.data.len, .fd_flags = arg.data.fd_flags };
		request = _IOWR(DMA_HEAP_IOC_MAGIC, 0x0, struct heap_alloc_older);
		err = nat_ioctl(fd, request, &older);
		arg.data.fd = older.fd;
		break;
	}
	case 2:
		request = _IOWR(DMA_HEAP_IOC_MAGIC, 0x0, struct heap_alloc_newer);
		err = nat_ioctl(fd, request, &arg);
		break;
	default:
		return EINVAL;
	}
	*out = arg.data.fd;
	return err;
}

/* rmmod's way: fail rather than wait while the module is in use. */
static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

/* igt_kselftest_execute: the module must be out first (ENOENT: it was), then
 * its init runs the one selftest the parameter enables and returns its
 * verdict; -ENOTTY is IGT's "special case" of success. */
static int kselftest(const char *str)
{
	char path[NAT_STR], name[NAT_STR], params[NAT_STR];
	const char *nl = strchr(str, '\n');

	if (!nl || (size_t)(nl - str) >= sizeof(path))
		return EINVAL;
	memcpy(path, str, (size_t)(nl - str));
	path[nl - str] = '\0';
	snprintf(params, sizeof(params), "%s=1", nl + 1);
	const char *base = strrchr(path, '/');
	snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
	char *dot = strstr(name, ".ko");
	if (dot)
		*dot = '\0';

	int err = unload(name);
	if (err && err != ENOENT)
		return err;
	int ko = open(path, O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		return errno;
	err = syscall(SYS_finit_module, ko, params, 0) ? errno : 0;
	close(ko);
	if (!err)
		unload(name);
	return err == ENOTTY ? 0 : err;
}

int nat_execute_buffer_op(const struct nat_op *op, struct nat_result *res)
{
	const int64_t *a = op->arg;
	int64_t *v = res->value;
	int fd = nat_fd_arg(a[0]);
	uint32_t u32;
	int ret;

	switch (op->code) {
	case NAT_MEMFD_CREATE:
		if (nat_u32_arg(a[0], &u32))
			return EINVAL;
		ret = syscall(SYS_memfd_create, op->str, u32);
		v[0] = ret;
		return ret < 0 ? errno : 0;
	case NAT_FTRUNCATE:
		return ftruncate(fd, (off_t)a[1]) ? errno : 0;
	case NAT_ADD_SEALS:
		/* the kernel's arg is an unsigned long: a negative one has its upper 32 bits set */
		return fcntl(fd, F_ADD_SEALS, (unsigned long)a[1]) < 0 ? errno : 0;
	case NAT_GET_SEALS:
		ret = fcntl(fd, F_GET_SEALS);
		v[0] = ret;
		return ret < 0 ? errno : 0;
	case NAT_UDMABUF_CREATE:
		return udmabuf_create(fd, a, &v[0]);
	case NAT_UDMABUF_CREATE_LIST:
		return udmabuf_create_list(fd, a[1], op->str, &v[0]);
	case NAT_DMA_HEAP_ALLOC:
		return dma_heap_alloc(fd, a, &v[0]);
	case NAT_KSELFTEST:
		return kselftest(op->str);
	default:
		return ENOSYS;
	}
}
