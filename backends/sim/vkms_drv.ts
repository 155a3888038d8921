// A second shmem-helper driver (drivers/gpu/drm/vkms): dumb buffers and PRIME
// only, for cross-device sharing. Like every drm-shmem importer it refuses to
// map imported handles and forwards mmap to the exporter.
import type { DrmDriver } from './drm_device.ts';
import { drm_gem_shmem_dumb_create, drm_gem_shmem_shrinker_init, drm_gem_shmem_prime_import_sg_table } from './drm_gem_shmem_helper.ts';

export const vkms_driver: DrmDriver = {
  name: 'vkms',
  module: 'vkms',
  // DRIVER_MAJOR / DRIVER_MINOR in vkms_drv.h
  major: 1,
  minor: 0,
  load: drm_gem_shmem_shrinker_init,
  dumb_create: drm_gem_shmem_dumb_create,
  gem_prime_import_sg_table: drm_gem_shmem_prime_import_sg_table,
  ioctls: {},
};
