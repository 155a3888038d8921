/* One op = one syscall (or a bounds-checked access to a mapping), with the
 * kernel's errno passed back untouched. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "native.h"
#include "uapi.h"

int nat_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? errno : 0;
}

int nat_driver_name(int fd, char *name, size_t size)
{
	struct drm_version v = { .name = name, .name_len = size - 1 };
	int err = nat_ioctl(fd, DRM_IOCTL_VERSION, &v);

	if (err)
		return err;
	name[v.name_len < size ? v.name_len : size - 1] = '\0';
	return 0;
}

/* Is `name` one of the comma-separated names of `list`? */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == len && !strncmp(p, name, len))
			return 1;
	}
	return 0;
}

/* Opens the first node from /dev/dri/PREFIX<first> on whose driver is
 * `driver` (or, with `any`, is none of the drivers `driver` lists): primary
 * nodes as IGT's drm_open_driver, render nodes as drm_open_driver_render. */
static int open_driver(const char *prefix, int first, const char *driver, int any, int64_t *fd_out)
{
	char path[32], name[64];

	for (int minor = first; minor < first + 64; minor++) {
		snprintf(path, sizeof(path), "/dev/dri/%s%d", prefix, minor);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!nat_driver_name(fd, name, sizeof(name)) && (any ? !listed(driver, name) : !strcmp(name, driver))) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
	}
	return ENOENT;
}

/* The minor of the DRM device fd is open on; ENOTTY for any other file, as
 * the device's ioctls would be. */
static int drm_minor(int fd, int64_t *minor)
{
	struct stat st;

	if (fstat(fd, &st))
		return errno;
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != DRM_MAJOR)
		return ENOTTY;
	*minor = minor(st.st_rdev);
	return 0;
}

static int int_arg(int64_t v, int *out)
{
	if (v < INT32_MIN || v > INT32_MAX)
		return EINVAL;
	*out = (int)v;
	return 0;
}

static int set_version(int fd, const int64_t *a, int64_t *v)
{
	struct drm_set_version arg;
	int err = int_arg(a[1], &arg.drm_di_major) ?: int_arg(a[2], &arg.drm_di_minor) ?:
		int_arg(a[3], &arg.drm_dd_major) ?: int_arg(a[4], &arg.drm_dd_minor) ?:
		nat_ioctl(fd, DRM_IOCTL_SET_VERSION, &arg);

	if (!err) {
		v[0] = arg.drm_di_major;
		v[1] = arg.drm_di_minor;
		v[2] = arg.drm_dd_major;
		v[3] = arg.drm_dd_minor;
	}
	return err;
}

int nat_fd_arg(int64_t v)
{
	return v < 0 || v > NAT_BAD_FD ? NAT_BAD_FD : (int)v;
}

int nat_u32_arg(int64_t v, uint32_t *out)
{
	if (v < 0 || v > 0xffffffffLL)
		return EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int create_dumb(const int64_t *a, struct nat_result *res)
{
	struct drm_mode_create_dumb arg = { 0 };
	int err = nat_u32_arg(a[1], &arg.width) ?: nat_u32_arg(a[2], &arg.height) ?: nat_u32_arg(a[3], &arg.bpp) ?:
		nat_u32_arg(a[4], &arg.flags) ?: nat_ioctl(nat_fd_arg(a[0]), DRM_IOCTL_MODE_CREATE_DUMB, &arg);

	res->value[0] = arg.handle;
	res->value[1] = arg.pitch;
	res->value[2] = (int64_t)arg.size;
	return err;
}

static int mem_write(const int64_t *a)
{
	int64_t length = a[2];
	int err = 0;
	uint8_t *p = nat_map_lock_range(a[0], a[1], &length, 1, &err);

	if (!p)
		return err;
	if (a[3] >= 0)
		memset(p, (int)a[3], (size_t)length);
	else if (a[3] == NAT_FILL_INDEX8) /* byte k of the mapping holds k */
		for (int64_t k = a[1]; k < a[1] + length; k++)
			p[k - a[1]] = (uint8_t)k;
	else /* NAT_FILL_INDEX32: dword k of the mapping holds k, little endian */
		for (int64_t k = a[1]; k < a[1] + length; k++)
			p[k - a[1]] = (uint8_t)((uint32_t)(k / 4) >> (8 * (k % 4)));
	nat_map_unlock();
	return 0;
}

static int mem_read(const int64_t *a, struct nat_result *res)
{
	int64_t length = a[2];
	int err = 0;
	uint8_t *p = nat_map_lock_range(a[0], a[1], &length, 0, &err);

	if (!p)
		return err;
	res->bytes = malloc(length ? (size_t)length : 1);
	if (res->bytes) {
		memcpy(res->bytes, p, (size_t)length);
		res->nbytes = (size_t)length;
	}
	nat_map_unlock();
	return res->bytes ? 0 : ENOMEM;
}

/* The kernel checks the arguments (EINVAL for length 0 or an unaligned
 * offset, EBADF, ENOMEM for a negative length); the mapping it makes covers
 * whole pages. */
static int do_mmap(const int64_t *a, struct nat_result *res)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *addr = mmap(NULL, (size_t)a[1], (int)a[3], MAP_SHARED, nat_fd_arg(a[0]), (off_t)a[2]);
	size_t length = ((size_t)a[1] + page - 1) & ~(page - 1);

	if (addr == MAP_FAILED)
		return errno;
	res->value[0] = nat_map_add(addr, length, (int)a[3]);
	if (res->value[0] < 0) {
		munmap(addr, length);
		return ENOMEM;
	}
	return 0;
}

static int do_sleep(int64_t ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) == -1 && errno == EINTR)
		;
	return 0;
}

static int prime_handle(int fd, int64_t handle, int64_t flags_or_fd, unsigned long request, int64_t *out)
{
	struct drm_prime_handle arg = { 0 };
	int err;

	if (request == DRM_IOCTL_PRIME_HANDLE_TO_FD)
		err = nat_u32_arg(handle, &arg.handle) ?: nat_u32_arg(flags_or_fd, &arg.flags);
	else
		err = (arg.fd = nat_fd_arg(flags_or_fd), 0);
	err = err ?: nat_ioctl(fd, request, &arg);
	if (request == DRM_IOCTL_PRIME_HANDLE_TO_FD)
		*out = arg.fd;
	else
		*out = arg.handle;
	return err;
}

static int syscall_result(int64_t ret, int64_t *out)
{
	if (ret < 0)
		return errno;
	*out = ret;
	return 0;
}

void nat_execute(const struct nat_op *op, struct nat_result *res)
{
	const int64_t *a = op->arg;
	int64_t *v = res->value;
	int fd = nat_fd_arg(a[0]);
	int err;

	memset(res, 0, sizeof(*res));
	switch (op->code) {
	case NAT_OPEN_DRIVER:
		err = open_driver("card", 0, op->str, a[0] == 1, &v[0]);
		break;
	case NAT_OPEN_PATH:
		err = syscall_result(open(op->str, O_RDWR | O_CLOEXEC), &v[0]);
		break;
	case NAT_CLOSE:
		err = close(fd) ? errno : 0;
		break;
	case NAT_DUP:
		err = syscall_result(fcntl(fd, F_DUPFD_CLOEXEC, 0), &v[0]);
		break;
	case NAT_CREATE_DUMB:
		err = create_dumb(a, res);
		break;
	case NAT_MAP_DUMB: {
		struct drm_mode_map_dumb arg = { 0 };
		err = nat_u32_arg(a[1], &arg.handle) ?: nat_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &arg);
		v[0] = (int64_t)arg.offset;
		break;
	}
	case NAT_GEM_CLOSE: {
		struct drm_gem_close arg = { 0 };
		err = nat_u32_arg(a[1], &arg.handle) ?: nat_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &arg);
		break;
	}
	case NAT_GEM_FLINK: {
		struct drm_gem_flink arg = { 0 };
		err = nat_u32_arg(a[1], &arg.handle) ?: nat_ioctl(fd, DRM_IOCTL_GEM_FLINK, &arg);
		v[0] = arg.name;
		break;
	}
	case NAT_GEM_OPEN: {
		struct drm_gem_open arg = { 0 };
		err = nat_u32_arg(a[1], &arg.name) ?: nat_ioctl(fd, DRM_IOCTL_GEM_OPEN, &arg);
		v[0] = arg.handle;
		v[1] = (int64_t)arg.size;
		break;
	}
	case NAT_PRIME_HANDLE_TO_FD:
		err = prime_handle(fd, a[1], a[2], DRM_IOCTL_PRIME_HANDLE_TO_FD, &v[0]);
		break;
	case NAT_PRIME_FD_TO_HANDLE:
		err = prime_handle(fd, 0, a[1], DRM_IOCTL_PRIME_FD_TO_HANDLE, &v[0]);
		break;
	case NAT_MMAP:
		err = do_mmap(a, res);
		break;
	case NAT_MUNMAP:
		err = nat_map_remove(a[0]);
		break;
	case NAT_LSEEK:
		err = syscall_result(lseek(fd, (off_t)a[1], (int)a[2]), &v[0]);
		break;
	case NAT_MEM_WRITE:
		err = mem_write(a);
		break;
	case NAT_MEM_READ:
		err = mem_read(a, res);
		break;
	case NAT_SLEEP:
		err = do_sleep(a[0] < 0 ? 0 : a[0]);
		break;
	case NAT_OPEN_RENDER:
		err = open_driver("renderD", 128, op->str, a[0] == 1, &v[0]);
		break;
	case NAT_SET_VERSION:
		err = set_version(fd, a, v);
		break;
	case NAT_DRM_MINOR:
		err = drm_minor(fd, &v[0]);
		break;
	case NAT_MEMFD_CREATE:
	case NAT_FTRUNCATE:
	case NAT_ADD_SEALS:
	case NAT_GET_SEALS:
	case NAT_UDMABUF_CREATE:
	case NAT_UDMABUF_CREATE_LIST:
	case NAT_DMA_HEAP_ALLOC:
	case NAT_KSELFTEST:
		err = nat_execute_buffer_op(op, res);
		break;
	case NAT_UNIX_SOCKETPAIR:
	case NAT_UNIX_SEND_FD:
	case NAT_UNIX_RECV_FD:
		err = nat_execute_unix_op(op, res);
		break;
	default:
		err = nat_execute_fence_op(op, res);
	}
	res->err = err;
}
