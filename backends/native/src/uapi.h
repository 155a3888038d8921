/* The DRM and vgem uAPI primeci issues, declared here because the build host
 * need not have libdrm's headers: the layouts and numbers are stable ABI
 * (include/uapi/drm/drm.h, drm_mode.h, vgem_drm.h). dma-buf and sync_file come
 * from the system's linux/ headers. */
#ifndef PRIMECI_UAPI_H
#define PRIMECI_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <stddef.h>

struct drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct drm_set_version { int drm_di_major; int drm_di_minor; int drm_dd_major; int drm_dd_minor; };
struct drm_gem_close { __u32 handle; __u32 pad; };
struct drm_gem_flink { __u32 handle; __u32 name; };
struct drm_gem_open { __u32 name; __u32 handle; __u64 size; };
struct drm_get_cap { __u64 capability; __u64 value; };
struct drm_prime_handle { __u32 handle; __u32 flags; __s32 fd; };

struct drm_mode_create_dumb {
	__u32 height;
	__u32 width;
	__u32 bpp;
	__u32 flags;
	__u32 handle;
	__u32 pitch;
	__u64 size;
};

struct drm_mode_map_dumb { __u32 handle; __u32 pad; __u64 offset; };

struct drm_vgem_fence_attach { __u32 handle; __u32 flags; __u32 out_fence; __u32 pad; };
struct drm_vgem_fence_signal { __u32 fence; __u32 flags; };

#define DRM_MAJOR 226
#define DRM_IOCTL_BASE 'd'
#define DRM_COMMAND_BASE 0x40
#define DRM_IOCTL_VERSION _IOWR(DRM_IOCTL_BASE, 0x00, struct drm_version)
#define DRM_IOCTL_SET_VERSION _IOWR(DRM_IOCTL_BASE, 0x07, struct drm_set_version)
#define DRM_IOCTL_GEM_CLOSE _IOW(DRM_IOCTL_BASE, 0x09, struct drm_gem_close)
#define DRM_IOCTL_GEM_FLINK _IOWR(DRM_IOCTL_BASE, 0x0a, struct drm_gem_flink)
#define DRM_IOCTL_GEM_OPEN _IOWR(DRM_IOCTL_BASE, 0x0b, struct drm_gem_open)
#define DRM_IOCTL_GET_CAP _IOWR(DRM_IOCTL_BASE, 0x0c, struct drm_get_cap)
#define DRM_IOCTL_PRIME_HANDLE_TO_FD _IOWR(DRM_IOCTL_BASE, 0x2d, struct drm_prime_handle)
#define DRM_IOCTL_PRIME_FD_TO_HANDLE _IOWR(DRM_IOCTL_BASE, 0x2e, struct drm_prime_handle)
#define DRM_IOCTL_MODE_CREATE_DUMB _IOWR(DRM_IOCTL_BASE, 0xB2, struct drm_mode_create_dumb)
#define DRM_IOCTL_MODE_MAP_DUMB _IOWR(DRM_IOCTL_BASE, 0xB3, struct drm_mode_map_dumb)
#define DRM_IOCTL_VGEM_FENCE_ATTACH _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x1, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL _IOW(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x2, struct drm_vgem_fence_signal)

#define VGEM_FENCE_WRITE 0x1

#endif
