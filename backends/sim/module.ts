// Loadable modules (kernel/module/main.c): a DRM driver's module can be
// unloaded only while nothing uses its device - no open file, no dma-buf, no
// mapping (each holds a reference on the device, as try_module_get does).
import { DrmDevice, type DrmDriver } from './drm_device.ts';
import { ERR, type KResult } from './errors.ts';
import type { Kernel } from './kernel.ts';

/** delete_module(2), as rmmod calls it (O_NONBLOCK): a module in use is
 * -EWOULDBLOCK (EAGAIN) from try_stop_module, not EBUSY. */
export function delete_module(kernel: Kernel, name: string): KResult<void> {
  const dev = kernel.devices.find((d) => d.driver.module === name);
  if (!dev) return ERR('ENOENT', `module ${name} is not loaded`);
  if (dev.refs > 0) return ERR('EAGAIN', `module ${name} is in use (${dev.refs} references)`);
  kernel.devices.splice(kernel.devices.indexOf(dev), 1);
  // unregister_shrinker
  const shrinker = kernel.shrinkers.findIndex((s) => s.owner === dev);
  if (shrinker >= 0) kernel.shrinkers.splice(shrinker, 1);
}

/** init_module of a driver the machine has: registers its device at the lowest free minor. */
export function load_module(kernel: Kernel, name: string): KResult<void> {
  if (kernel.devices.some((d) => d.driver.module === name)) return ERR('EEXIST', `module ${name} is already loaded`);
  const driver: DrmDriver | undefined = kernel.drivers.find((d) => d.module === name);
  if (!driver) return ERR('ENOENT', `no module ${name} in this kernel`);
  register_driver(kernel, driver);
}

/** drm_dev_register: the device appears as /dev/dri/cardN at the lowest free N. */
export function register_driver(kernel: Kernel, driver: DrmDriver): void {
  let minor = 0;
  while (kernel.devices.some((d) => d.minor === minor)) minor++;
  const dev = new DrmDevice(kernel, driver, minor);
  kernel.devices.push(dev);
  driver.load?.(dev);
  kernel.devices.sort((a, b) => a.minor - b.minor);
}
